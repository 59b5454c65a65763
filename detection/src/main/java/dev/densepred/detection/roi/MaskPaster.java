package dev.densepred.detection.roi;

import dev.densepred.datasets.mask.RleMask;

/**
 * Pastes a detection's {@code S x S} mask probabilities into the image at its box and thresholds them:
 * mmdetection's {@code _do_paste_mask} (as run on the CPU, {@code skip_empty=True}) followed by
 * {@code >= mask_thr_binary}. Each image pixel centre {@code (x + 0.5, y + 0.5)} inside the box's padded window
 * ({@code floor(x0) - 1 .. ceil(x1) + 1}, clamped to the image) is mapped to {@code [-1, 1]} across the box and
 * sampled bilinearly as {@code F.grid_sample(align_corners=False, padding_mode='zeros')}; pixels outside the window
 * are 0. Runs on the host in float32 in the reference's operation order, and encodes straight to COCO RLE.
 */
public final class MaskPaster {

    private MaskPaster() {}

    /**
     * The pasted probabilities, {@code height * width} floats row-major (0 outside the window).
     *
     * @param mask {@code size * size} probabilities, row-major
     * @param box {@code x0, y0, x1, y1} in the target image's pixels
     */
    public static float[] paste(float[] mask, int size, float[] box, int height, int width) {
        if (mask.length != size * size || box.length != 4) {
            throw new IllegalArgumentException("paste: expected a " + size + "x" + size + " mask and 4 box values, found "
                    + mask.length + " and " + box.length);
        }
        float x0 = box[0];
        float y0 = box[1];
        float x1 = box[2];
        float y1 = box[3];
        int x0Int = (int) Math.max(Math.floor(x0) - 1, 0);
        int y0Int = (int) Math.max(Math.floor(y0) - 1, 0);
        int x1Int = (int) Math.min(Math.ceil(x1) + 1, width);
        int y1Int = (int) Math.min(Math.ceil(y1) + 1, height);
        float[] out = new float[height * width];
        int spanX = Math.max(x1Int - x0Int, 0);
        float[] gx = new float[spanX];
        for (int i = 0; i < spanX; i++) {
            gx[i] = unnormalize(toGrid(x0Int + i, x0, x1), size);
        }
        for (int y = y0Int; y < y1Int; y++) {
            float iy = unnormalize(toGrid(y, y0, y1), size);
            for (int i = 0; i < spanX; i++) {
                out[y * width + x0Int + i] = bilinear(mask, size, gx[i], iy);
            }
        }
        return out;
    }

    /**
     * The pasted mask thresholded at {@code threshold} ({@code >=}) and RLE-encoded at {@code height x width}.
     */
    public static RleMask pasteRle(float[] mask, int size, float[] box, int height, int width, double threshold) {
        float[] p = paste(mask, size, box, height, width);
        float t = (float) threshold;
        byte[] colMajor = new byte[height * width];
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                if (p[row + x] >= t) {
                    colMajor[x * height + y] = 1;
                }
            }
        }
        return RleMask.encodeColumnMajor(height, width, colMajor);
    }

    /** {@code (p + 0.5 - lo) / (hi - lo) * 2 - 1} in float32; an infinite result becomes 0, as the reference does. */
    private static float toGrid(int p, float lo, float hi) {
        float c = (float) p + 0.5f;
        float g = (c - lo) / (hi - lo) * 2f - 1f;
        return Float.isInfinite(g) ? 0f : g;
    }

    /** grid_sample's {@code ((g + 1) * size - 1) / 2} (align_corners=False). */
    private static float unnormalize(float g, int size) {
        return ((g + 1f) * size - 1f) / 2f;
    }

    /** Bilinear sample with zeros outside the map; NaN coordinates sample nothing. */
    private static float bilinear(float[] m, int size, float ix, float iy) {
        if (Float.isNaN(ix) || Float.isNaN(iy)) {
            return 0f;
        }
        float fx = (float) Math.floor(ix);
        float fy = (float) Math.floor(iy);
        int xw = (int) fx;
        int yn = (int) fy;
        float e = ix - fx; // weight of the east column
        float w = (fx + 1f) - ix;
        float s = iy - fy; // weight of the south row
        float n = (fy + 1f) - iy;
        return tap(m, size, xw, yn) * (w * n) + tap(m, size, xw + 1, yn) * (e * n)
                + tap(m, size, xw, yn + 1) * (w * s) + tap(m, size, xw + 1, yn + 1) * (e * s);
    }

    private static float tap(float[] m, int size, int x, int y) {
        return x >= 0 && y >= 0 && x < size && y < size ? m[y * size + x] : 0f;
    }
}
