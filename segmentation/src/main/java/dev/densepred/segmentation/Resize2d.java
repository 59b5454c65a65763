package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.densepred.engine.nn.Functional;

/**
 * Bilinear resizing of the last two axes exactly as {@code F.interpolate(x, size, mode='bilinear')} without
 * antialiasing, which is what mmsegmentation's {@code resize} does to feature maps and logits. DJL's native bilinear
 * kernel antialiases when downsampling, so this one is composed: {@code out = Ry @ x @ Rx^T} with two sparse
 * interpolation matrices holding torch's weights. It is exact (two non-zero weights per row, the rest adds zeros),
 * differentiable and works in any floating dtype.
 */
public final class Resize2d {

    private Resize2d() {}

    /**
     * Resizes {@code x} ({@code [..., H, W]}, rank &gt;= 2) to {@code [..., outH, outW]}; the result lives in
     * {@code x}'s manager.
     */
    public static NDArray resize(NDArray x, long outH, long outW, boolean alignCorners) {
        Shape s = x.getShape();
        int rank = s.dimension();
        if (rank < 2) {
            throw new IllegalArgumentException("resize needs at least 2 axes, got shape " + s);
        }
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("resize target must be positive, got " + outH + "x" + outW);
        }
        long h = s.get(rank - 2);
        long w = s.get(rank - 1);
        NDArray out = x;
        if (w != outW) {
            // [..., H, W] @ [W, outW]: the activation is the first operand, so the result joins its manager.
            out = out.matMul(matrix(x.getManager(), w, outW, alignCorners, true).toType(x.getDataType(), false));
        }
        if (h != outH) {
            int[] swap = swapLast(rank);
            out = out.transpose(swap)
                    .matMul(matrix(x.getManager(), h, outH, alignCorners, true).toType(x.getDataType(), false))
                    .transpose(swap);
        }
        return out;
    }

    /**
     * The {@code [out, in]} matrix (or its transpose) whose row {@code i} holds the weights torch's bilinear kernel
     * gives output index {@code i}: source {@code (i + 0.5) * in / out - 0.5} clamped at 0 (half-pixel centres), or
     * {@code i * (in - 1) / (out - 1)} with aligned corners; computed in float as torch's CPU kernel does.
     */
    static NDArray matrix(NDManager manager, long in, long out, boolean alignCorners, boolean transposed) {
        float[] m = new float[Math.toIntExact(in * out)];
        float scale = alignCorners
                ? (out > 1 ? (float) (in - 1) / (out - 1) : 0f)
                : (float) in / out;
        for (int i = 0; i < out; i++) {
            float src = alignCorners ? scale * i : scale * (i + 0.5f) - 0.5f;
            if (src < 0) {
                src = 0;
            }
            int i0 = (int) src;
            int i1 = i0 < in - 1 ? i0 + 1 : i0;
            float l1 = Math.min(Math.max(src - i0, 0f), 1f);
            float l0 = 1f - l1;
            add(m, transposed, in, out, i, i0, l0);
            add(m, transposed, in, out, i, i1, l1);
        }
        return Functional.constant(manager, m, transposed ? new Shape(in, out) : new Shape(out, in));
    }

    private static void add(float[] m, boolean transposed, long in, long out, int row, int col, float v) {
        int k = transposed ? Math.toIntExact((long) col * out + row) : Math.toIntExact((long) row * in + col);
        m[k] += v;
    }

    private static int[] swapLast(int rank) {
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        axes[rank - 2] = rank - 1;
        axes[rank - 1] = rank - 2;
        return axes;
    }
}
