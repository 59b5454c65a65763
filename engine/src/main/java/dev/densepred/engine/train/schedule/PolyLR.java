package dev.densepred.engine.train.schedule;

/**
 * Polynomial decay to {@code eta_min} over the active range: mmengine's {@code PolyLR} (the 160k segmentation
 * schedule). Its chained update {@code (lr - eta) * (1 - 1 / (T - k + 1))^p + eta} telescopes to
 * {@code eta + (lr_begin - eta) * ((T - k) / T)^p} with {@code T = end - begin - 1}. As in mmengine, {@code eta_min}
 * is an absolute value shared by every parameter group.
 */
public final class PolyLR extends ParamScheduler {

    /**
     * Settings, with mmengine's defaults.
     *
     * @param etaMin learning rate reached at the last step
     * @param power exponent of the decay
     * @param begin first step
     * @param end first step after the decay
     * @param byEpoch whether steps count epochs
     * @param convertToIterBased whether an epoch-based decay is converted to iterations
     */
    public record Config(double etaMin, double power, long begin, long end, boolean byEpoch, boolean convertToIterBased)
            implements SchedulerSpec {
        public static Config defaults() {
            return new Config(0, 1.0, 0, INF, true, false);
        }

        @Override
        public PolyLR resolve(long iterationsPerEpoch) {
            return new PolyLR(this, Range.resolve(begin, end, byEpoch, convertToIterBased, iterationsPerEpoch));
        }
    }

    private final Config config;

    PolyLR(Config config, Range range) {
        super(range);
        this.config = config;
    }

    @Override
    boolean isAffine() {
        return config.etaMin() != 0;
    }

    @Override
    double eta(double base) {
        return config.etaMin();
    }

    @Override
    double factor(long k) {
        long total = lastLocalStep();
        if (k <= 0 || total <= 0) {
            return 1;
        }
        return Math.pow((double) (total - k) / total, config.power());
    }

    @Override
    boolean changesWithin(long first, long last) {
        return denseChangesWithin(1, lastLocalStep(), first, last);
    }
}
