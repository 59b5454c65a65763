package dev.densepred.engine.train.schedule;

/** Multiplies the learning rate by {@code gamma} every {@code step_size} steps: mmengine's {@code StepLR}. */
public final class StepLR extends ParamScheduler {

    /**
     * Settings, with mmengine's defaults.
     *
     * @param stepSize steps between two decays
     * @param gamma multiplicative factor per decay
     * @param begin first step
     * @param end first step after which no decay applies
     * @param byEpoch whether steps count epochs
     * @param convertToIterBased whether an epoch step size is converted to iterations
     */
    public record Config(long stepSize, double gamma, long begin, long end, boolean byEpoch, boolean convertToIterBased)
            implements SchedulerSpec {
        public Config {
            if (!(gamma > 0)) {
                throw new IllegalArgumentException("gamma must be positive, got " + gamma);
            }
            if (stepSize < 1) {
                throw new IllegalArgumentException("step_size must be at least 1, got " + stepSize);
            }
        }

        public static Config defaults() {
            return new Config(1, 0.1, 0, INF, true, false);
        }

        @Override
        public StepLR resolve(long iterationsPerEpoch) {
            Range range = Range.resolve(begin, end, byEpoch, convertToIterBased, iterationsPerEpoch);
            return new StepLR(stepSize * range.stepScale(), gamma, range);
        }
    }

    private final long stepSize;
    private final double gamma;

    StepLR(long stepSize, double gamma, Range range) {
        super(range);
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    @Override
    double factor(long k) {
        return k < 0 ? 1 : Math.pow(gamma, k / stepSize);
    }

    @Override
    boolean changesWithin(long first, long last) {
        // the decays happen at local steps stepSize, 2 * stepSize, ...
        for (long k = stepSize; k <= lastLocalStep(); k += stepSize) {
            long it = iterationOf(k);
            if (it > last) {
                return false;
            }
            if (it >= first) {
                return true;
            }
        }
        return false;
    }
}
