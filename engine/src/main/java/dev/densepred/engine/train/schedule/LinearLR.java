package dev.densepred.engine.train.schedule;

/**
 * Scales the learning rate by a factor that moves linearly from {@code start_factor} at {@code begin} to
 * {@code end_factor} at {@code end - 1}: the warm-up of mmengine's {@code LinearLR}. Its chained updates multiply
 * to {@code start + (end - start) * k / (end - begin - 1)}, which is what {@link #factor} returns.
 */
public final class LinearLR extends ParamScheduler {

    /**
     * Settings, with mmengine's defaults.
     *
     * @param startFactor factor at the first step, in (0, 1] (mmengine divides by it)
     * @param endFactor factor from the last step on, in [0, 1]
     * @param begin first step
     * @param end first step after the ramp
     * @param byEpoch whether steps count epochs
     * @param convertToIterBased whether an epoch-based ramp is converted to iterations
     */
    public record Config(double startFactor, double endFactor, long begin, long end, boolean byEpoch, boolean convertToIterBased)
            implements SchedulerSpec {
        public Config {
            if (!(startFactor > 0 && startFactor <= 1)) {
                throw new IllegalArgumentException("start_factor must be in (0, 1], got " + startFactor);
            }
            if (!(endFactor >= 0 && endFactor <= 1)) {
                throw new IllegalArgumentException("end_factor must be in [0, 1], got " + endFactor);
            }
        }

        public static Config defaults() {
            return new Config(1.0 / 3, 1.0, 0, INF, true, false);
        }

        @Override
        public LinearLR resolve(long iterationsPerEpoch) {
            return new LinearLR(this, Range.resolve(begin, end, byEpoch, convertToIterBased, iterationsPerEpoch));
        }
    }

    private final Config config;

    LinearLR(Config config, Range range) {
        super(range);
        this.config = config;
    }

    @Override
    double factor(long k) {
        if (k < 0) {
            return 1;
        }
        long total = lastLocalStep();
        if (total == 0) {
            return config.startFactor();
        }
        return config.startFactor() + (config.endFactor() - config.startFactor()) * k / total;
    }

    @Override
    boolean changesWithin(long first, long last) {
        return denseChangesWithin(0, lastLocalStep(), first, last);
    }
}
