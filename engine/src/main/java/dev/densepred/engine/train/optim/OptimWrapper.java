package dev.densepred.engine.train.optim;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.train.schedule.LrSchedule;

import java.util.List;

/**
 * The optimizer as the training loop sees it, the twin of mmengine's {@code OptimWrapper}: parameter groups,
 * AdamW, the learning-rate schedule and gradient clipping. It receives float32 gradients that are already unscaled
 * and reduced over replicas; loss scaling and replicas are the loop's business.
 */
public final class OptimWrapper {

    /**
     * {@code optim_wrapper}, with mmengine's key names.
     *
     * @param type {@code "OptimWrapper"}; mixed precision is switched on by the {@code fp16} section instead
     * @param optimizer the optimizer
     * @param paramwiseCfg parameter groups
     * @param clipGrad clipping by total norm, or null for none
     * @param accumulativeCounts micro-batches whose gradients are summed into one optimizer step
     */
    public record Config(String type, AdamW.Config optimizer, ParamGroups.Config paramwiseCfg, GradClip.Config clipGrad,
            int accumulativeCounts) {
        public Config {
            if ("AmpOptimWrapper".equals(type)) {
                throw new IllegalArgumentException("AmpOptimWrapper is not a type here: keep \"OptimWrapper\" and set fp16.enabled=true");
            }
            if (!"OptimWrapper".equals(type)) {
                throw new IllegalArgumentException("unknown type '" + type + "'; expected OptimWrapper");
            }
            if (accumulativeCounts < 1) {
                throw new IllegalArgumentException("accumulative_counts must be at least 1, got " + accumulativeCounts);
            }
        }

        public static Config defaults() {
            return new Config("OptimWrapper", AdamW.Config.defaults(), ParamGroups.Config.defaults(), null, 1);
        }
    }

    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final GradClip.Config clip;

    public OptimWrapper(AdamW optimizer, LrSchedule schedule, GradClip.Config clip) {
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.clip = clip;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** The scheduled learning rate of the configured base lr (what the log shows as {@code lr}). */
    public double lr(long iteration) {
        return schedule.lr(optimizer.config().lr(), iteration);
    }

    /** The learning rate of every group at {@code iteration}. */
    public double[] groupLearningRates(long iteration) {
        List<ParamGroup> groups = optimizer.groups();
        double[] out = new double[groups.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = schedule.lr(groups.get(i).lr(), iteration);
        }
        return out;
    }

    /**
     * The total gradient norm (the clipping norm type, 2 without clipping), copied to the host: the step's one
     * synchronisation, which both the log and the overflow check need. 0 when no parameter has a gradient.
     */
    public double gradNorm(List<NDArray> grads) {
        NDArray norm = GradClip.totalNorm(grads, clip == null ? 2 : clip.normType());
        return norm == null ? 0 : norm.getFloat();
    }

    /** Clips by {@code gradNorm} (when configured) and applies AdamW with the learning rates of {@code iteration}. */
    public void step(List<NDArray> grads, long iteration, double gradNorm) {
        double coefficient = clip == null ? 1 : GradClip.coefficient(gradNorm, clip.maxNorm());
        optimizer.step(grads, groupLearningRates(iteration), coefficient);
    }
}
