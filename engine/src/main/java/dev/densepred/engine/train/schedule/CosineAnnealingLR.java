package dev.densepred.engine.train.schedule;

/**
 * Cosine annealing from the learning rate at {@code begin} towards {@code eta_min} (or {@code eta_min_ratio} times
 * each group's initial learning rate): mmengine's {@code CosineAnnealingLR}. The chained update telescopes to
 * {@code eta + (lr_begin - eta) * (1 + cos(pi * k / T_max)) / 2}. Warm restarts (a range longer than
 * {@code T_max + 1} steps) are refused: mmengine's restart branch has no closed form.
 */
public final class CosineAnnealingLR extends ParamScheduler {

    /**
     * Settings, with mmengine's defaults.
     *
     * @param tMax half period in steps; 0 means {@code end - begin}
     * @param etaMin absolute minimum (used when {@code eta_min_ratio} is null)
     * @param etaMinRatio minimum as a fraction of each group's initial learning rate, or null
     * @param begin first step
     * @param end first step after the annealing
     * @param byEpoch whether steps count epochs
     * @param convertToIterBased whether an epoch-based annealing is converted to iterations
     */
    public record Config(
            long tMax, double etaMin, Double etaMinRatio, long begin, long end, boolean byEpoch, boolean convertToIterBased)
            implements SchedulerSpec {
        public Config {
            if (etaMinRatio != null && etaMin != 0) {
                throw new IllegalArgumentException("set either eta_min or eta_min_ratio, not both");
            }
            if (tMax < 0) {
                throw new IllegalArgumentException("t_max must not be negative, got " + tMax);
            }
        }

        public static Config defaults() {
            return new Config(0, 0, null, 0, INF, true, false);
        }

        @Override
        public CosineAnnealingLR resolve(long iterationsPerEpoch) {
            Range range = Range.resolve(begin, end, byEpoch, convertToIterBased, iterationsPerEpoch);
            long period = tMax == 0 ? range.end() - range.begin() : tMax * range.stepScale();
            if (period < range.end() - range.begin() - 1) {
                throw new IllegalArgumentException("t_max (" + period + " steps) is shorter than the range begin=" + range.begin()
                        + " end=" + range.end() + ": warm restarts are not supported; set t_max >= end - begin - 1");
            }
            return new CosineAnnealingLR(this, period, range);
        }
    }

    private final Config config;
    private final long period;

    CosineAnnealingLR(Config config, long period, Range range) {
        super(range);
        this.config = config;
        this.period = period;
    }

    @Override
    boolean isAffine() {
        return config.etaMinRatio() != null ? config.etaMinRatio() != 0 : config.etaMin() != 0;
    }

    @Override
    double eta(double base) {
        return config.etaMinRatio() != null ? base * config.etaMinRatio() : config.etaMin();
    }

    @Override
    double factor(long k) {
        if (k <= 0) {
            return 1;
        }
        return (1 + Math.cos(Math.PI * k / period)) / 2;
    }

    @Override
    boolean changesWithin(long first, long last) {
        return denseChangesWithin(1, lastLocalStep(), first, last);
    }
}
