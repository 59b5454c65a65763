package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.engine.runtime.Scope;

import java.util.function.UnaryOperator;

/**
 * mmsegmentation's {@code slide_inference}: windows of {@code crop} pixels every {@code stride} pixels, the last
 * ones pulled back to end at the border (a window is smaller than the crop only when the image is, and is never
 * padded), each window's logits summed into place and divided by the number of windows covering each pixel. Every
 * window runs in its own scope; the sums accumulate in float32 on the image's device, so memory is one window's
 * activations plus the image-sized sums.
 */
public final class SlidingWindow {

    private final int cropH;
    private final int cropW;
    private final int strideH;
    private final int strideW;

    public SlidingWindow(int[] cropSize, int[] stride) {
        this.cropH = cropSize[0];
        this.cropW = cropSize[1];
        this.strideH = stride[0];
        this.strideW = stride[1];
    }

    /**
     * Logits {@code [N, C, H, W]} of {@code images} ({@code [N, 3, H, W]}) from {@code windowLogits}, which maps
     * a window {@code [N, 3, h, w]} to its logits {@code [N, C, h, w]}. The result lives in {@code images}' manager.
     */
    public NDArray apply(NDArray images, int channels, UnaryOperator<NDArray> windowLogits) {
        Shape s = images.getShape();
        int n = Math.toIntExact(s.get(0));
        int h = Math.toIntExact(s.get(2));
        int w = Math.toIntExact(s.get(3));
        int[] ys = starts(h, cropH, strideH);
        int[] xs = starts(w, cropW, strideW);
        NDManager manager = images.getManager();
        NDArray sums = manager.zeros(new Shape(n, channels, h, w), DataType.FLOAT32);
        for (int y1 : ys) {
            int y2 = Math.min(y1 + cropH, h);
            for (int x1 : xs) {
                int x2 = Math.min(x1 + cropW, w);
                try (Scope window = Scope.open(manager)) {
                    NDIndex region = new NDIndex(":, :, {}:{}, {}:{}", y1, y2, x1, x2);
                    NDArray logits = windowLogits.apply(images.get(window.manager(), region));
                    sums.set(region, sums.get(window.manager(), region).add(logits));
                }
            }
        }
        // count_mat[y, x] = (windows covering row y) * (windows covering column x): the windows form a grid.
        NDArray count = manager.create(coverage(h, ys, cropH), new Shape(h, 1))
                .mul(manager.create(coverage(w, xs, cropW), new Shape(1, w)))
                .reshape(1, 1, h, w);
        return sums.div(count);
    }

    /** Window starts along one axis: {@code i * stride} for mmseg's grid count, pulled back to end inside. */
    static int[] starts(int size, int crop, int stride) {
        int grids = Math.max(size - crop + stride - 1, 0) / stride + 1;
        int[] out = new int[grids];
        for (int i = 0; i < grids; i++) {
            int end = Math.min(i * stride + crop, size);
            out[i] = Math.max(end - crop, 0);
        }
        return out;
    }

    private static float[] coverage(int size, int[] starts, int crop) {
        float[] c = new float[size];
        for (int start : starts) {
            int end = Math.min(start + crop, size);
            for (int i = start; i < end; i++) {
                c[i]++;
            }
        }
        return c;
    }
}
