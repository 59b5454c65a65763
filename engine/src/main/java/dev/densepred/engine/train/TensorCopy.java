package dev.densepred.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.engine.runtime.Autograd;

/**
 * In-place copies into long-lived tensors (parameters, master weights, optimizer state): one native
 * {@code copy_}, converting dtype and device, without allocating the destination again and without recording
 * autograd history, so an autograd leaf stays the same leaf.
 */
public final class TensorCopy {

    private TensorCopy() {}

    /** Copies {@code src} into {@code dst}; the shapes must be equal, dtypes and devices may differ. */
    @SuppressWarnings("try") // the resource is a guard: grad mode or precision, restored on close
    public static void copyInto(NDArray dst, NDArray src) {
        Shape shape = dst.getShape();
        if (!shape.equals(src.getShape())) {
            throw new IllegalArgumentException("cannot copy a tensor of shape " + src.getShape() + " into one of shape " + shape);
        }
        NDArray moved = src.getDevice().equals(dst.getDevice()) ? src : src.toDevice(dst.getDevice(), false);
        // index_put_ refuses an empty index list, so a scalar is copied through a one-element view of itself
        boolean scalar = shape.dimension() == 0;
        NDArray to = scalar ? dst.reshape(1) : dst;
        NDArray from = scalar ? moved.reshape(1) : moved;
        long[] lo = new long[to.getShape().dimension()];
        long[] step = new long[lo.length];
        java.util.Arrays.fill(step, 1);
        try (Autograd.Recording off = Autograd.noGrad()) {
            JniUtils.indexSet((PtNDArray) to, (PtNDArray) from, lo, to.getShape().getShape(), step);
        } finally {
            if (scalar) {
                to.close();
                from.close();
            }
            if (moved != src) {
                moved.close();
            }
        }
    }
}
