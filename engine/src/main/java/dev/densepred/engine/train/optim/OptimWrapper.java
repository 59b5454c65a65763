package dev.densepred.engine.train.optim;

import ai.djl.ndarray.NDArray;

import com.google.gson.JsonObject;

import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.config.Names;
import dev.densepred.engine.config.Registry;
import dev.densepred.engine.train.schedule.LrSchedule;

import java.util.ArrayList;
import java.util.List;

/**
 * The optimizer as the training loop sees it, the twin of mmengine's {@code OptimWrapper}: parameter groups, the
 * optimizer ({@link AdamW} or {@link Sgd}), the learning-rate schedule and gradient clipping. It receives float32
 * gradients that are already unscaled and reduced over replicas; loss scaling and replicas are the loop's business.
 */
public final class OptimWrapper {

    /** The optimizer types {@code optim_wrapper.optimizer.type} may name: torch's class names. */
    public static final Registry<OptimizerSpec> OPTIMIZERS = new Registry<OptimizerSpec>("optimizer")
            .register(AdamW.TYPE, AdamW.Config.class, c -> c)
            .register(Sgd.TYPE, Sgd.Config.class, c -> c);

    /**
     * {@code optim_wrapper}, with mmengine's key names.
     *
     * @param type {@code "OptimWrapper"}; mixed precision is switched on by the {@code fp16} section instead
     * @param optimizer the optimizer's settings, an object with a {@code type} from {@link #OPTIMIZERS} (checked and
     *     bound here, so errors name the file and key when the config is read); {@link #optimizerSpec()} binds them
     * @param paramwiseCfg parameter groups
     * @param clipGrad clipping by total norm, or null for none
     * @param accumulativeCounts micro-batches whose gradients are summed into one optimizer step
     */
    public record Config(String type, dev.densepred.engine.config.Config optimizer, ParamGroups.Config paramwiseCfg,
            GradClip.Config clipGrad, int accumulativeCounts) {
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
            spec(optimizer);
        }

        public static Config defaults() {
            JsonObject adamw = new JsonObject();
            adamw.addProperty("type", AdamW.TYPE);
            return new Config("OptimWrapper", dev.densepred.engine.config.Config.of(adamw, "default optim_wrapper.optimizer"),
                    ParamGroups.Config.defaults(), null, 1);
        }

        /** The optimizer's settings: an {@link AdamW.Config} or a {@link Sgd.Config}, with torch's defaults for keys left out. */
        public OptimizerSpec optimizerSpec() {
            return spec(optimizer);
        }

        /**
         * Binds {@code optim_wrapper.optimizer}. Keys of another type are refused with the keys this type takes (a
         * leaf config that changes the type of an inherited optimizer replaces it with {@code "_delete_": true}).
         */
        private static OptimizerSpec spec(dev.densepred.engine.config.Config cfg) {
            if (!cfg.has("type")) {
                throw new ConfigException(cfg.describe() + ": missing \"type\"; one of " + String.join(", ", OPTIMIZERS.types()));
            }
            String type = cfg.type();
            if (OPTIMIZERS.types().contains(type)) {
                List<String> allowed = new ArrayList<>(List.of("type"));
                allowed.addAll(ConfigBinder.keys(OPTIMIZERS.settingsOf(type)));
                for (String key : cfg.node().getAsJsonObject().keySet()) {
                    if (!allowed.contains(key)) {
                        String at = cfg.path().isEmpty() ? key : cfg.path() + "." + key;
                        throw new ConfigException(cfg.originOf(at) + ": unknown key '" + at + "' for optimizer type " + type
                                + Names.didYouMean(key, allowed) + "; " + type + " takes " + String.join(", ", allowed)
                                + " (to replace an inherited optimizer of another type, give \"_delete_\": true in this object)");
                    }
                }
            }
            return OPTIMIZERS.build(cfg);
        }
    }

    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final GradClip.Config clip;

    public OptimWrapper(Optimizer optimizer, LrSchedule schedule, GradClip.Config clip) {
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.clip = clip;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** The scheduled learning rate of the configured base lr (what the log shows as {@code lr}). */
    public double lr(long iteration) {
        return schedule.lr(optimizer.spec().lr(), iteration);
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

    /**
     * Clips by {@code gradNorm} (when configured) and applies the optimizer with the learning rates of
     * {@code iteration}; the clipping coefficient multiplies the gradients before the update rule, as
     * {@code clip_grad_norm_} before {@code optimizer.step()}.
     */
    public void step(List<NDArray> grads, long iteration, double gradNorm) {
        double coefficient = clip == null ? 1 : GradClip.coefficient(gradNorm, clip.maxNorm());
        optimizer.step(grads, groupLearningRates(iteration), coefficient);
    }
}
