package dev.densepred.engine.train.schedule;

import java.util.Arrays;

/**
 * Multiplies the learning rate by {@code gamma} at each milestone: mmengine's {@code MultiStepLR} (the 1x schedule's
 * steps at epochs 8 and 11). Milestones count steps from {@code begin}, as mmengine's {@code last_step} does, and a
 * milestone listed twice applies gamma twice.
 */
public final class MultiStepLR extends ParamScheduler {

    /**
     * Settings, with mmengine's defaults.
     *
     * @param milestones steps (from {@code begin}) at which gamma is applied
     * @param gamma multiplicative factor per milestone
     * @param begin first step
     * @param end first step after which no milestone applies
     * @param byEpoch whether steps count epochs
     * @param convertToIterBased whether epoch milestones are converted to iterations
     */
    public record Config(long[] milestones, double gamma, long begin, long end, boolean byEpoch, boolean convertToIterBased)
            implements SchedulerSpec {
        public Config {
            if (!(gamma > 0)) {
                throw new IllegalArgumentException("gamma must be positive, got " + gamma);
            }
            milestones = milestones.clone();
            for (long m : milestones) {
                if (m < 0) {
                    throw new IllegalArgumentException("milestones must not be negative, got " + Arrays.toString(milestones));
                }
            }
        }

        public static Config defaults() {
            return new Config(new long[0], 0.1, 0, INF, true, false);
        }

        @Override
        public long[] milestones() {
            return milestones.clone();
        }

        @Override
        public MultiStepLR resolve(long iterationsPerEpoch) {
            Range range = Range.resolve(begin, end, byEpoch, convertToIterBased, iterationsPerEpoch);
            long[] steps = new long[milestones.length];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = milestones[i] * range.stepScale();
            }
            return new MultiStepLR(steps, gamma, range);
        }
    }

    private final long[] milestones;
    private final double gamma;

    MultiStepLR(long[] milestones, double gamma, Range range) {
        super(range);
        this.milestones = milestones;
        this.gamma = gamma;
    }

    @Override
    double factor(long k) {
        int passed = 0;
        for (long m : milestones) {
            if (m <= k) {
                passed++;
            }
        }
        return Math.pow(gamma, passed);
    }

    @Override
    boolean changesWithin(long first, long last) {
        for (long m : milestones) {
            if (m <= lastLocalStep() && iterationOf(m) >= first && iterationOf(m) <= last) {
                return true;
            }
        }
        return false;
    }
}
