package dev.densepred.detection;

import dev.densepred.engine.nn.Functional;

import ai.djl.ndarray.NDArray;

/**
 * Element-wise losses composed from differentiable ops (the JNI has no {@code binary_cross_entropy_with_logits}),
 * in the numerically stable forms PyTorch uses. Reductions and averaging factors are left to the caller, which
 * applies mmdetection's, with {@link Functional}'s scalar ops (DJL's {@code x.mul(2f)} is unsafe under autograd).
 */
public final class LossFunctions {

    private LossFunctions() {}

    /**
     * {@code F.binary_cross_entropy_with_logits(x, t, reduction='none')}: {@code max(x, 0) - x * t + log(1 + exp(-|x|))}.
     */
    public static NDArray bceWithLogits(NDArray logits, NDArray targets) {
        NDArray softplus = logits.abs().neg().exp().add(1f).log();
        return Functional.maximum(logits, 0).sub(logits.mul(targets)).add(softplus);
    }

    /**
     * {@code F.cross_entropy(logits, labels, reduction='none')} for {@code [R, K]} logits and a float32 {@code [R, K]}
     * one-hot of the labels: {@code -log_softmax(logits)[r, label_r]}, shape {@code [R]}.
     */
    public static NDArray crossEntropy(NDArray logits, NDArray oneHot) {
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg();
    }
}
