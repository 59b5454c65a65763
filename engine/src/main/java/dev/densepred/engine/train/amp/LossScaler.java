package dev.densepred.engine.train.amp;

/**
 * The loss scale of mixed-precision training, the twin of {@code torch.cuda.amp.GradScaler}'s update rule (and of
 * mmcv's {@code LossScaler}, whose floor it keeps): the loss is multiplied by {@link #scale()} before backward; a step
 * whose gradients are not finite is skipped and, when dynamic, halves the scale (never below {@code min_scale});
 * {@code growth_interval} finite steps in a row double it. A static scale never changes.
 */
public final class LossScaler {

    /**
     * The scaler's state, saved in checkpoints.
     *
     * @param scale current scale
     * @param growthTracker finite steps since the last change
     * @param skippedSteps steps skipped in the whole run
     * @param consecutiveSkips steps skipped in a row up to now
     */
    public record State(double scale, int growthTracker, long skippedSteps, int consecutiveSkips) {}

    private final MixedPrecision.Config config;
    private double scale;
    private int growthTracker;
    private long skippedSteps;
    private int consecutiveSkips;

    public LossScaler(MixedPrecision.Config config) {
        this.config = config;
        this.scale = config.dynamic() ? config.initScale() : config.staticScale();
    }

    /** The factor the loss is multiplied by (1 when mixed precision is off). */
    public double scale() {
        return config.enabled() ? scale : 1;
    }

    /** Whether the scale adapts to overflows. */
    public boolean isDynamic() {
        return config.dynamic();
    }

    /**
     * Records one step's outcome: {@code overflow} means its gradients had an inf or NaN and the step was skipped.
     */
    public void update(boolean overflow) {
        if (overflow) {
            skippedSteps++;
            consecutiveSkips++;
            growthTracker = 0;
            if (config.dynamic()) {
                scale = Math.max(scale * config.backoffFactor(), config.minScale());
            }
            return;
        }
        consecutiveSkips = 0;
        if (!config.dynamic()) {
            return;
        }
        growthTracker++;
        if (growthTracker == config.growthInterval()) {
            double grown = scale * config.growthFactor();
            // GradScaler keeps the scale when growing it would leave float32's range
            if (grown <= Float.MAX_VALUE) {
                scale = grown;
            }
            growthTracker = 0;
        }
    }

    /** Whether so many steps in a row were skipped that training cannot recover by itself. */
    public boolean exhausted() {
        return consecutiveSkips >= config.maxConsecutiveSkips();
    }

    public State state() {
        return new State(scale, growthTracker, skippedSteps, consecutiveSkips);
    }

    /** Restores a saved state. */
    public void restore(State s) {
        this.scale = s.scale();
        this.growthTracker = s.growthTracker();
        this.skippedSteps = s.skippedSteps();
        this.consecutiveSkips = s.consecutiveSkips();
    }
}
