package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.function.BinaryOperator;

/**
 * Stateless operations on NCHW tensors, the counterpart of {@code torch.nn.functional}. Each one is a single
 * PyTorch kernel reached through DJL's JNI, differentiable, and returns its result in the input's manager.
 *
 * <p><b>Constants in the graph.</b> On the CPU, DJL makes an array from Java data ({@code manager.create(...)}, and
 * the scalar behind every {@code NDArray.mul(Number)}, {@code div(Number)}, {@code pow(Number)},
 * {@code maximum(Number)}) as a view of a direct {@code ByteBuffer}, and frees that buffer once the array is closed
 * and collected. Autograd keeps such operands to compute the backward pass, so after a garbage collection between
 * forward and backward it reads freed memory: gradients become garbage at random (measured: {@code x.mul(0.5f)}
 * back-propagated {@code 1e9} after a GC). DJL closes those scalars right after the call. Differentiable code must
 * therefore use {@link #mul(NDArray, double)}, {@link #div(NDArray, double)}, {@link #pow(NDArray, double)},
 * {@link #maximum(NDArray, double)} and {@link #constant}, whose operands live in libtorch's own memory.
 */
public final class Functional {

    /**
     * Interpolation modes of the native {@code interpolate}. The codes are the JNI's own (checked here: 0 nearest,
     * 2 bilinear, 3 bicubic, 5 area; 1 and 4 are rejected by libtorch and higher codes abort the JVM).
     */
    public enum Resize {
        NEAREST(0),
        BILINEAR(2);

        final int code;

        Resize(int code) {
            this.code = code;
        }
    }

    private Functional() {}

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    /** 2-D convolution; {@code bias} may be null. */
    public static NDArray conv2d(
            NDArray x, NDArray weight, NDArray bias, int strideH, int strideW, int padH, int padW, int dilation, int groups) {
        return JniUtils.convolution(
                pt(x),
                pt(weight),
                bias == null ? null : pt(bias),
                new Shape(strideH, strideW),
                new Shape(padH, padW),
                new Shape(dilation, dilation),
                groups);
    }

    /** {@code x @ weight^T + bias} over the last axis; {@code bias} may be null. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear(pt(x), pt(weight), bias == null ? null : pt(bias));
    }

    /** Layer norm over the last axis (size {@code dim}). */
    public static NDArray layerNorm(NDArray x, long dim, NDArray weight, NDArray bias, double eps) {
        return JniUtils.layerNorm(pt(x), new Shape(dim), pt(weight), pt(bias), eps);
    }

    /**
     * Batch norm over axis 1. In training it normalises with batch statistics and updates the running buffers in
     * place with {@code momentum} (PyTorch's convention: new = (1 - m) * old + m * batch).
     */
    public static NDArray batchNorm(
            NDArray x, NDArray weight, NDArray bias, NDArray runningMean, NDArray runningVar, boolean training, double momentum, double eps) {
        // JniUtils labels its arguments (gamma, beta, mean, var), but the native function takes the running
        // statistics first, as torch's batch_norm does; the momentum is passed through unchanged.
        return JniUtils.batchNorm(pt(x), pt(runningMean), pt(runningVar), pt(weight), pt(bias), training, momentum, eps);
    }

    /** Exact (erf) GELU, as {@code nn.GELU()}. */
    public static NDArray gelu(NDArray x) {
        return JniUtils.gelu(pt(x));
    }

    /** SiLU, {@code x * sigmoid(x)}, as {@code nn.SiLU()}. */
    public static NDArray silu(NDArray x) {
        return x.mul(JniUtils.sigmoid(pt(x)));
    }

    /** ReLU. */
    public static NDArray relu(NDArray x) {
        return JniUtils.relu(pt(x));
    }

    /** Dropout with probability {@code p}, identity when not training. */
    public static NDArray dropout(NDArray x, double p, boolean training) {
        if (!training || p == 0) {
            return x;
        }
        return JniUtils.dropout(pt(x), p, true);
    }

    /** Max pooling over H and W. */
    public static NDArray maxPool2d(NDArray x, int kernel, int stride, int padding, boolean ceilMode) {
        return JniUtils.maxPool(pt(x), new Shape(kernel, kernel), new Shape(stride, stride), new Shape(padding, padding), ceilMode);
    }

    /** Adaptive average pooling to {@code outH x outW}, as {@code F.adaptive_avg_pool2d}. */
    public static NDArray adaptiveAvgPool2d(NDArray x, int outH, int outW) {
        return JniUtils.adaptiveAvgPool(pt(x), new Shape(outH, outW));
    }

    /**
     * Resizes the last two axes of an NCHW tensor to {@code (outH, outW)}. Bilinear with {@code alignCorners=false}
     * is mmsegmentation's {@code resize} and torchvision's {@code interpolate} default for feature maps.
     */
    public static NDArray interpolate(NDArray x, long outH, long outW, Resize mode, boolean alignCorners) {
        return JniUtils.interpolate(pt(x), new long[] {outH, outW}, mode.code, alignCorners);
    }

    /**
     * Stochastic depth: zeroes whole samples with probability {@code p} and rescales the rest by {@code 1/(1-p)},
     * as timm's {@code drop_path}; identity when not training.
     */
    public static NDArray dropPath(NDArray x, double p, boolean training) {
        if (!training || p == 0) {
            return x;
        }
        double keep = 1 - p;
        long[] maskShape = new long[x.getShape().dimension()];
        java.util.Arrays.fill(maskShape, 1);
        maskShape[0] = x.getShape().get(0);
        NDManager m = x.getManager();
        NDArray mask = m.randomUniform(0f, 1f, new Shape(maskShape), DataType.FLOAT32)
                .lt(keep)
                .toType(x.getDataType(), false)
                .div(keep);
        return x.mul(mask);
    }

    /** {@code x} promoted to float32 without leaving the autograd graph (a cast would cut it). */
    public static NDArray toFloat32(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        // A 0-d operand only promotes another 0-d one, so the zero must have x's rank class.
        Shape zeroShape = x.getShape().dimension() == 0 ? new Shape() : new Shape(1);
        return x.add(x.getManager().zeros(zeroShape, DataType.FLOAT32));
    }

    /** A 0-d tensor of {@code value} in {@code like}'s type and device, in libtorch-owned memory (see class note). */
    public static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    /** {@code x * value}, safe to back-propagate (see class note). */
    public static NDArray mul(NDArray x, double value) {
        return withScalar(x, value, NDArray::mul);
    }

    /** {@code x / value}, safe to back-propagate (see class note). */
    public static NDArray div(NDArray x, double value) {
        return withScalar(x, value, NDArray::div);
    }

    /** {@code x ** exponent}, safe to back-propagate (see class note). */
    public static NDArray pow(NDArray x, double exponent) {
        return withScalar(x, exponent, NDArray::pow);
    }

    /** {@code torch.clamp_min}-like {@code maximum(x, value)}, safe to back-propagate (see class note). */
    public static NDArray maximum(NDArray x, double value) {
        return withScalar(x, value, NDArray::maximum);
    }

    /** {@code op(x, s)} with {@code s} a {@link #scalar}: the graph holds its own reference, so the handle is closed. */
    private static NDArray withScalar(NDArray x, double value, BinaryOperator<NDArray> op) {
        try (NDArray s = scalar(x, value)) {
            return op.apply(x, s);
        }
    }

    /** {@code data} as a float32 tensor of {@code shape} in libtorch-owned memory, safe to keep in the graph. */
    public static NDArray constant(NDManager manager, float[] data, Shape shape) {
        try (NDArray view = manager.create(data, shape)) {
            return view.duplicate();
        }
    }
}
