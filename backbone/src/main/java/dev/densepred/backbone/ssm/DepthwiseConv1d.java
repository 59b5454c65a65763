package dev.densepred.backbone.ssm;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

/**
 * {@code nn.Conv1d(C, C, k, groups=C)} with PyTorch's layout ({@code weight [C, 1, k]}, {@code bias [C]}), as the
 * Mamba mixers use it on {@code [B, C, L]} sequences. The padding is chosen per call: causal (Mamba: {@code k - 1}
 * zeros in front, i.e. {@code conv1d(padding=k-1)[..., :L]}) or PyTorch's {@code padding='same'} (MambaVision).
 */
public final class DepthwiseConv1d extends Module {

    private final int channels;
    private final int kernel;
    private final Parameter weight;
    private final Parameter bias;

    /** PyTorch's default initialisation (fan-in {@code k}). */
    public DepthwiseConv1d(int channels, int kernel, boolean bias) {
        this.channels = channels;
        this.kernel = kernel;
        this.weight = addParameter("weight", Parameter.Kind.WEIGHT, Init.torchDefaultWeight(), channels, 1, kernel);
        this.bias = bias ? addParameter("bias", Parameter.Kind.BIAS, Init.torchDefaultBias(kernel), channels) : null;
    }

    public int kernel() {
        return kernel;
    }

    /** {@code [B, C, L]} to {@code [B, C, L]}, each output depending on the current and the {@code k - 1} previous inputs. */
    public NDArray causal(NDArray x) {
        return run(x, kernel - 1, 0);
    }

    /** {@code [B, C, L]} to {@code [B, C, L]} with {@code padding='same'}: {@code (k-1)/2} zeros in front, the rest behind. */
    public NDArray same(NDArray x) {
        int total = kernel - 1;
        return run(x, total / 2, total - total / 2);
    }

    private NDArray run(NDArray x, int left, int right) {
        long b = x.getShape().get(0);
        long len = x.getShape().get(2);
        // [B, C, L] -> [B, C, 1, L + left + right], convolved as a 1 x k image kernel
        NDArray in = x.reshape(b, channels, 1, len);
        if (left > 0 || right > 0) {
            in = JniUtils.pad((PtNDArray) in, new long[] {left, right}, 0);
        }
        NDArray w = weight.array().reshape(channels, 1, 1, kernel);
        NDArray y = Functional.conv2d(in, w, bias == null ? null : bias.array(), 1, 1, 0, 0, 1, channels);
        return y.reshape(b, channels, len);
    }
}
