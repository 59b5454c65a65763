package dev.densepred.engine.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

import java.util.List;

/**
 * Gradient norm and clipping by total norm, as {@code torch.nn.utils.clip_grad_norm_}: the p-norm of the per-tensor
 * p-norms, and a coefficient {@code min(1, max_norm / (norm + 1e-6))} that multiplies every gradient.
 */
public final class GradClip {

    /**
     * {@code optim_wrapper.clip_grad}.
     *
     * @param maxNorm largest total norm kept
     * @param normType order p of the norm (torch's default 2)
     */
    public record Config(double maxNorm, int normType) {
        public Config {
            if (!(maxNorm > 0)) {
                throw new IllegalArgumentException("max_norm must be positive, got " + maxNorm);
            }
            if (normType < 1) {
                throw new IllegalArgumentException("norm_type must be an integer >= 1, got " + normType);
            }
        }

        public static Config defaults() {
            return new Config(35, 2);
        }
    }

    private GradClip() {}

    /**
     * The total p-norm of {@code grads} (nulls skipped) as a float32 scalar in the first gradient's manager, or null
     * when there is no gradient at all.
     */
    public static NDArray totalNorm(List<NDArray> grads, int p) {
        NDList norms = new NDList();
        for (NDArray g : grads) {
            if (g != null) {
                // a flat view, so that 0-d and n-d tensors reduce the same way
                norms.add(g.reshape(-1).norm(p, new int[] {0}, false));
            }
        }
        if (norms.isEmpty()) {
            return null;
        }
        return NDArrays.stack(norms).norm(p, new int[] {0}, false);
    }

    /** The factor that brings {@code totalNorm} down to {@code maxNorm}, at most 1. */
    public static double coefficient(double totalNorm, double maxNorm) {
        return Math.min(1.0, maxNorm / (totalNorm + 1e-6));
    }
}
