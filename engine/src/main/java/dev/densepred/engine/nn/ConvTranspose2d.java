package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Transposed 2-D convolution with PyTorch's layout: {@code weight (in, out, k, k)}, {@code bias (out)}.
 *
 * <p>DJL's PyTorch JNI has no transposed convolution, so it is composed: when the kernel equals the stride and
 * there is no padding (the Mask R-CNN upsampler), the kernel taps do not overlap and the layer is a 1x1
 * convolution to {@code out*k*k} channels followed by a depth-to-space shuffle; otherwise the input is dilated
 * with zeros and convolved with the flipped, transposed kernel. Both paths are ordinary differentiable ops.
 */
public final class ConvTranspose2d extends Module {

    private final int in;
    private final int out;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Parameter weight;
    private final Parameter bias;

    /** A layer with PyTorch's default initialisation (fan-in taken from dim 1 of the weight, as PyTorch does). */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, Init.torchDefaultWeight(), Init.torchDefaultBias((long) out * kernel * kernel));
    }

    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, Init weightInit, Init biasInit) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = addParameter("weight", Parameter.Kind.WEIGHT, weightInit, in, out, kernel, kernel);
        this.bias = addParameter("bias", Parameter.Kind.BIAS, biasInit, out);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    /** {@code [N, in, H, W] -> [N, out, (H-1)*s - 2p + k, (W-1)*s - 2p + k]}. */
    public NDArray forward(NDArray x) {
        return kernel == stride && padding == 0 ? shuffle(x) : dilated(x);
    }

    private NDArray shuffle(NDArray x) {
        Shape s = x.getShape();
        long n = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        int k = kernel;
        // weight [in, out, k, k] -> [out, k, k, in] -> [out*k*k, in, 1, 1]
        NDArray w1 = weight.array().transpose(1, 2, 3, 0).reshape(out * k * k, in, 1, 1);
        NDArray y = Functional.conv2d(x, w1, null, 1, 1, 0, 0, 1, 1);
        // [N, out*k*k, H, W] -> [N, out, k, k, H, W] -> [N, out, H, k, W, k] -> [N, out, H*k, W*k]
        y = y.reshape(n, out, k, k, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, out, h * k, w * k);
        return y.add(bias.array().reshape(1, out, 1, 1));
    }

    private NDArray dilated(NDArray x) {
        Shape s = x.getShape();
        long n = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        NDArray up = x;
        if (stride > 1) {
            // [N, C, H, W] -> [N, C, H, 1, W, 1] -> zero-fill to [N, C, H, s, W, s] -> [N, C, H*s, W*s], crop the tail
            NDArray cell = x.reshape(n, in, h, 1, w, 1);
            NDArray zerosH = x.getManager().zeros(new Shape(n, in, h, stride - 1, w, 1), x.getDataType());
            cell = cell.concat(zerosH, 3);
            NDArray zerosW = x.getManager().zeros(new Shape(n, in, h, stride, w, stride - 1), x.getDataType());
            cell = cell.concat(zerosW, 5);
            up = cell.reshape(n, in, h * stride, w * stride)
                    .get(new NDIndex(":, :, :{}, :{}", (h - 1) * stride + 1, (w - 1) * stride + 1));
        }
        // weight [in, out, k, k] -> flipped [out, in, k, k]
        NDArray wf = weight.array().flip(2, 3).transpose(1, 0, 2, 3);
        int pad = kernel - 1 - padding;
        if (pad < 0) {
            throw new UnsupportedOperationException("padding " + padding + " larger than kernel-1 is not supported");
        }
        return Functional.conv2d(up, wf, bias.array(), 1, 1, pad, pad, 1, 1);
    }
}
