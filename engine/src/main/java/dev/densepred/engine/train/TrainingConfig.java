package dev.densepred.engine.train;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonSerializer;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.train.amp.MixedPrecision;
import dev.densepred.engine.train.checkpoint.CheckpointHook;
import dev.densepred.engine.train.log.TrainLogger;
import dev.densepred.engine.train.optim.OptimWrapper;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The training sections of a config, with mmengine's key names:
 *
 * <pre>{@code
 * "train_cfg": {"by_epoch": true, "max_epochs": 12, "val_interval": 1},
 * "optim_wrapper": {"optimizer": {"type": "AdamW", "lr": 0.0001, "betas": [0.9, 0.999], "weight_decay": 0.05},
 *                   "paramwise_cfg": {"norm_decay_mult": 0, "bias_decay_mult": 0, "flat_decay_mult": 0,
 *                                     "custom_keys": {"backbone": {"lr_mult": 0.1}}},
 *                   "clip_grad": {"max_norm": 35, "norm_type": 2}, "accumulative_counts": 1},
 * "param_scheduler": [{"type": "LinearLR", "start_factor": 0.001, "by_epoch": false, "begin": 0, "end": 500},
 *                     {"type": "MultiStepLR", "by_epoch": true, "begin": 0, "end": 12, "milestones": [8, 11]}],
 * "fp16": {"enabled": true, "loss_scale": "dynamic"},
 * "default_hooks": {"logger": {"interval": 50},
 *                   "checkpoint": {"interval": 1, "max_keep_ckpts": 3, "save_best": "coco/bbox_mAP", "rule": "greater"}},
 * "randomness": {"seed": 0},
 * "devices": ["gpu:0", "gpu:1"]
 * }</pre>
 *
 * The optimizer may also be torch's SGD: {@code {"type": "SGD", "lr": 0.02, "momentum": 0.9, "weight_decay": 0.0001}}.
 *
 * @param trainCfg loop length and evaluation interval
 * @param optimWrapper optimizer, parameter groups, clipping, accumulation
 * @param paramScheduler learning-rate schedulers, applied together (empty: constant lr)
 * @param fp16 mixed precision
 * @param defaultHooks logging and checkpoints
 * @param randomness the run's seed
 * @param devices devices of the data-parallel replicas; empty means the engine's default device
 */
public record TrainingConfig(
        Loop trainCfg,
        OptimWrapper.Config optimWrapper,
        List<Config> paramScheduler,
        MixedPrecision.Config fp16,
        Hooks defaultHooks,
        Randomness randomness,
        List<String> devices) {

    public TrainingConfig {
        paramScheduler = List.copyOf(paramScheduler);
        devices = List.copyOf(devices);
    }

    /**
     * {@code train_cfg}: mmengine's EpochBasedTrainLoop ({@code by_epoch} true, {@code max_epochs}) or
     * IterBasedTrainLoop ({@code max_iters}); the validation interval counts epochs or iterations accordingly.
     *
     * @param byEpoch whether the run is counted in epochs
     * @param maxEpochs epochs of an epoch-based run
     * @param maxIters optimizer steps of an iteration-based run
     * @param valInterval epochs or iterations between evaluations; -1 for none
     * @param valBegin first epoch or iteration that may be evaluated
     */
    public record Loop(boolean byEpoch, int maxEpochs, long maxIters, int valInterval, long valBegin) {
        public Loop {
            if (byEpoch && maxEpochs < 1) {
                throw new IllegalArgumentException("max_epochs must be at least 1 for an epoch-based run, got " + maxEpochs);
            }
            if (!byEpoch && maxIters < 1) {
                throw new IllegalArgumentException("max_iters must be at least 1 for an iteration-based run (by_epoch=false), got " + maxIters);
            }
            if (valInterval == 0 || valInterval < -1) {
                throw new IllegalArgumentException("val_interval must be positive or -1, got " + valInterval);
            }
        }

        /** mmdetection's 1x: 12 epochs, evaluated after each. */
        public static Loop defaults() {
            return new Loop(true, 12, 0, 1, 1);
        }
    }

    /**
     * {@code default_hooks}.
     *
     * @param logger the training log
     * @param checkpoint checkpoint saving
     */
    public record Hooks(TrainLogger.Config logger, CheckpointHook.Config checkpoint) {
        public static Hooks defaults() {
            return new Hooks(TrainLogger.Config.defaults(), CheckpointHook.Config.defaults());
        }
    }

    /**
     * {@code randomness}.
     *
     * @param seed seeds the model's initialisation, the data order and every iteration's generator
     */
    public record Randomness(long seed) {
        public static Randomness defaults() {
            return new Randomness(0);
        }
    }

    public static TrainingConfig defaults() {
        return new TrainingConfig(Loop.defaults(), OptimWrapper.Config.defaults(), List.of(), MixedPrecision.Config.defaults(),
                Hooks.defaults(), Randomness.defaults(), List.of());
    }

    /**
     * Binds the training sections of a full config (model, data and other sections are left to their owners);
     * errors name the file and key.
     */
    public static TrainingConfig from(Config root) {
        Set<String> others = new HashSet<>();
        if (root.node().isJsonObject()) {
            others.addAll(root.node().getAsJsonObject().keySet());
        }
        others.removeAll(ConfigBinder.keys(TrainingConfig.class));
        return ConfigBinder.bind(root, TrainingConfig.class, others);
    }

    /** These sections as JSON (mmengine key names), for the run's config dump. */
    public JsonElement toJson() {
        return new GsonBuilder()
                .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                .serializeSpecialFloatingPointValues()
                .registerTypeHierarchyAdapter(Config.class, (JsonSerializer<Config>) (c, t, ctx) -> c.node())
                .create()
                .toJsonTree(this);
    }
}
