package dev.densepred.datasets.transform;

import java.util.Arrays;

/**
 * Axis-aligned boxes {@code [x1, y1, x2, y2]} (float, no +1) that follow the image through the transforms, as
 * mmdet's {@code HorizontalBoxes} in its {@code Resize}, {@code RandomFlip} and {@code RandomCrop}: scaled by the
 * per-axis factors, mirrored as {@code x1' = w - x2, x2' = w - x1}, shifted by a crop, and clipped to the image
 * when {@code clipToImage} (mmdet's {@code clip_object_border}, on by default). Boxes are never dropped here:
 * boxes that become empty stay, in their original order, so that parallel targets (labels, masks) stay aligned.
 */
public final class BoxTargets implements Geometry {

    private final float[] xyxy;
    private final boolean clipToImage;

    /** {@code xyxy} holds {@code 4 * n} coordinates; it is copied. */
    public BoxTargets(float[] xyxy, boolean clipToImage) {
        if (xyxy.length % 4 != 0) {
            throw new IllegalArgumentException("boxes need 4 coordinates each, got " + xyxy.length + " values");
        }
        this.xyxy = xyxy.clone();
        this.clipToImage = clipToImage;
    }

    /** Number of boxes. */
    public int size() {
        return xyxy.length / 4;
    }

    /** A copy of the coordinates, {@code [x1, y1, x2, y2]} per box. */
    public float[] toArray() {
        return xyxy.clone();
    }

    @Override
    public void rescale(double sx, double sy, int width, int height) {
        for (int i = 0; i < xyxy.length; i += 2) {
            xyxy[i] = (float) (xyxy[i] * sx);
            xyxy[i + 1] = (float) (xyxy[i + 1] * sy);
        }
        clip(width, height);
    }

    @Override
    public void flipHorizontal(int width) {
        for (int i = 0; i < xyxy.length; i += 4) {
            float x1 = xyxy[i];
            xyxy[i] = width - xyxy[i + 2];
            xyxy[i + 2] = width - x1;
        }
    }

    @Override
    public void crop(int x, int y, int width, int height) {
        for (int i = 0; i < xyxy.length; i += 2) {
            xyxy[i] -= x;
            xyxy[i + 1] -= y;
        }
        clip(width, height);
    }

    private void clip(int width, int height) {
        if (!clipToImage) {
            return;
        }
        for (int i = 0; i < xyxy.length; i += 2) {
            xyxy[i] = Math.min(Math.max(xyxy[i], 0f), width);
            xyxy[i + 1] = Math.min(Math.max(xyxy[i + 1], 0f), height);
        }
    }

    @Override
    public String toString() {
        return "BoxTargets" + Arrays.toString(xyxy);
    }
}
