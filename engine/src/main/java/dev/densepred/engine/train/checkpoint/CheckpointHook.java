package dev.densepred.engine.train.checkpoint;

import java.io.IOException;
import java.util.List;

/**
 * When checkpoints are written and which are kept, the twin of mmengine's {@code CheckpointHook}: every
 * {@code interval} epochs (epoch-based runs) or iterations, and after the last iteration ({@code save_last}); the
 * newest {@code max_keep_ckpts} periodic ones are kept; with {@code save_best} a separate best checkpoint follows the
 * chosen metric. Names follow mmengine: {@code epoch_3}, {@code iter_4000}, {@code best_coco_bbox_mAP_epoch_8}.
 */
public final class CheckpointHook {

    /** Which direction of a metric is better. */
    public enum Rule { GREATER, LESS }

    /**
     * {@code default_hooks.checkpoint}.
     *
     * @param interval epochs or iterations between checkpoints; -1 for none besides the last
     * @param maxKeepCkpts periodic checkpoints kept; -1 keeps all
     * @param saveBest metric that selects the best checkpoint, or null
     * @param rule whether a greater or a lesser value is better
     * @param saveLast whether the final state is saved
     */
    public record Config(int interval, int maxKeepCkpts, String saveBest, Rule rule, boolean saveLast) {
        public Config {
            if (interval == 0 || interval < -1) {
                throw new IllegalArgumentException("interval must be positive or -1, got " + interval);
            }
            if (maxKeepCkpts == 0 || maxKeepCkpts < -1) {
                throw new IllegalArgumentException("max_keep_ckpts must be positive or -1, got " + maxKeepCkpts);
            }
        }

        public static Config defaults() {
            return new Config(-1, -1, null, Rule.GREATER, true);
        }
    }

    private final Config config;
    private final boolean byEpoch;
    private final long iterationsPerEpoch;
    private final long maxIters;

    public CheckpointHook(Config config, boolean byEpoch, long iterationsPerEpoch, long maxIters) {
        this.config = config;
        this.byEpoch = byEpoch;
        this.iterationsPerEpoch = iterationsPerEpoch;
        this.maxIters = maxIters;
    }

    public Config config() {
        return config;
    }

    /** Whether a periodic checkpoint is due after {@code iteration} completed steps. */
    public boolean due(long iteration) {
        if (iteration == maxIters && config.saveLast()) {
            return true;
        }
        if (config.interval() < 0) {
            return false;
        }
        if (byEpoch) {
            return iteration % iterationsPerEpoch == 0 && (iteration / iterationsPerEpoch) % config.interval() == 0;
        }
        return iteration % config.interval() == 0;
    }

    /** The name of the periodic checkpoint after {@code iteration} steps. */
    public String name(long iteration) {
        return byEpoch && iteration % iterationsPerEpoch == 0 ? "epoch_" + iteration / iterationsPerEpoch : "iter_" + iteration;
    }

    /** The name of a best checkpoint after {@code iteration} steps. */
    public String bestName(long iteration) {
        return "best_" + config.saveBest().replaceAll("[^A-Za-z0-9_.-]", "_") + "_" + name(iteration);
    }

    /** Whether {@code value} beats {@code best} (null: nothing yet; NaN never wins). */
    public boolean improves(CheckpointMeta.Best best, double value) {
        if (Double.isNaN(value)) {
            return false;
        }
        if (best == null) {
            return true;
        }
        return config.rule() == Rule.GREATER ? value > best.value() : value < best.value();
    }

    /** Deletes the oldest periodic checkpoints beyond {@code max_keep_ckpts}, and every best one but the newest. */
    public void prune(CheckpointStore store) throws IOException {
        List<CheckpointStore.Entry> all = store.list();
        List<CheckpointStore.Entry> regular = all.stream().filter(e -> e.meta().kind().equals("regular")).toList();
        List<CheckpointStore.Entry> best = all.stream().filter(e -> e.meta().kind().equals("best")).toList();
        if (config.maxKeepCkpts() > 0) {
            for (int i = 0; i < regular.size() - config.maxKeepCkpts(); i++) {
                store.delete(regular.get(i));
            }
        }
        for (int i = 0; i < best.size() - 1; i++) {
            store.delete(best.get(i));
        }
    }
}
