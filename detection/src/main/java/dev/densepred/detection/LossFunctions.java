package dev.densepred.detection;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Functional;

/**
 * Element-wise losses composed from differentiable ops (the JNI has no {@code binary_cross_entropy_with_logits}),
 * in the numerically stable forms PyTorch uses, and {@link #scale}. Reductions and averaging factors are left to the
 * caller, which applies mmdetection's.
 *
 * <p>Scalars: DJL's {@code x.mul(2f)} wraps the number in a temporary array over Java memory and closes it right
 * after the op; autograd keeps the tensor for the backward pass, but the Java buffer behind it can then be collected
 * and reused, so the gradient reads garbage (measured: gradients off by up to 1e35 after a few garbage collections).
 * Ops whose backward reads the scalar ({@code mul}, {@code div}, {@code maximum}) therefore take scalars made in the
 * caller's manager, which keeps them alive until the iteration ends.
 */
public final class LossFunctions {

    private LossFunctions() {}

    /**
     * {@code F.binary_cross_entropy_with_logits(x, t, reduction='none')}: {@code max(x, 0) - x * t + log(1 + exp(-|x|))}.
     */
    public static NDArray bceWithLogits(NDArray logits, NDArray targets) {
        NDArray softplus = logits.abs().neg().exp().add(1f).log();
        return Functional.relu(logits).sub(logits.mul(targets)).add(softplus);
    }

    /** {@code x * factor} with the factor held in {@code x}'s manager (see the class comment). */
    public static NDArray scale(NDArray x, double factor) {
        return x.mul(x.getManager().create((float) factor));
    }

    /**
     * {@code F.cross_entropy(logits, labels, reduction='none')} for {@code [R, K]} logits and a float32 {@code [R, K]}
     * one-hot of the labels: {@code -log_softmax(logits)[r, label_r]}, shape {@code [R]}.
     */
    public static NDArray crossEntropy(NDArray logits, NDArray oneHot) {
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg();
    }
}
