package dev.densepred.engine.train.schedule;

/**
 * One learning-rate scheduler of a {@link LrSchedule}, in closed form: the value it contributes at any iteration is
 * computed from the iteration alone, never by mutating a stored value step after step. The twin of mmengine's
 * {@code _ParamScheduler} with {@code param_name='lr'}; {@code begin}, {@code end} and the step clock follow it.
 *
 * <p>A scheduler counts "steps" on its own clock: one step per iteration, or, for an epoch-based scheduler that is
 * not converted to iterations, one step per epoch. It acts while {@code begin <= step < end}; its local step
 * {@code k = step - begin} is mmengine's {@code last_step}. Before {@code begin} it leaves the value alone; after
 * {@code end - 1} it holds its last value.
 */
public abstract class ParamScheduler {

    /** mmengine's {@code INF}: the default {@code end} of a scheduler. */
    public static final long INF = 1_000_000_000L;

    private final long begin;
    private final long end;
    private final long iterationsPerStep;

    ParamScheduler(Range range) {
        this.begin = range.begin();
        this.end = range.end();
        this.iterationsPerStep = range.iterationsPerStep();
    }

    /** First step at which the scheduler acts. */
    public final long begin() {
        return begin;
    }

    /** Step at which it stops acting (exclusive). */
    public final long end() {
        return end;
    }

    /** Iterations per step: 1 for iteration clocks, the epoch length for epoch clocks. */
    public final long iterationsPerStep() {
        return iterationsPerStep;
    }

    /** mmengine's {@code total_iters}: the last local step, {@code end - begin - 1}. */
    final long lastLocalStep() {
        return end - begin - 1;
    }

    /** The local step in effect at {@code iteration}: -1 before {@code begin}, clamped to the last one after {@code end}. */
    final long localStep(long iteration) {
        long step = iteration / iterationsPerStep;
        if (step < begin) {
            return -1;
        }
        return Math.min(step, end - 1) - begin;
    }

    /** The first iteration of local step {@code k}. */
    final long iterationOf(long k) {
        return (begin + k) * iterationsPerStep;
    }

    /**
     * Whether the scheduler's value moves towards a floor {@code eta} instead of scaling the current value:
     * {@code value = eta + (valueAtBegin - eta) * shape(k)}. Only poly and cosine with a non-zero minimum are; every
     * other scheduler multiplies the value by {@link #factor}.
     */
    boolean isAffine() {
        return false;
    }

    /** The floor of an affine scheduler for a parameter group whose initial learning rate is {@code base}. */
    double eta(double base) {
        return 0;
    }

    /**
     * The product of every change this scheduler has made by local step {@code k} (1 for {@code k = -1}); for an
     * affine scheduler, its shape, falling from 1 at {@code k = 0}.
     */
    abstract double factor(long k);

    /** Whether the scheduler changes the value at some iteration in {@code [first, last]}. */
    abstract boolean changesWithin(long first, long last);

    /** Whether local steps {@code [kFirst, kLast]} (clamped to the active range) start inside {@code [first, last]}. */
    final boolean denseChangesWithin(long kFirst, long kLast, long first, long last) {
        long lo = Math.max(kFirst, 0);
        long hi = Math.min(kLast, lastLocalStep());
        if (lo > hi) {
            return false;
        }
        return iterationOf(lo) <= last && iterationOf(hi) >= first;
    }

    /**
     * Where a scheduler acts, in steps of its clock, after epoch settings are resolved.
     *
     * @param begin first active step
     * @param end first inactive step
     * @param iterationsPerStep iterations per step of the clock
     * @param stepScale factor that converts the config's other step counts (milestones, step size, T_max)
     */
    public record Range(long begin, long end, long iterationsPerStep, long stepScale) {

        /**
         * Resolves the common keys as mmengine's {@code build_iter_from_epoch} does: an epoch-based scheduler with
         * {@code convert_to_iter_based} gets {@code begin}, {@code end} (unless INF) and its step counts multiplied by
         * the epoch length and then counts iterations; without it, it counts epochs.
         */
        public static Range resolve(long begin, long end, boolean byEpoch, boolean convert, long iterationsPerEpoch) {
            if (end <= begin) {
                throw new IllegalArgumentException("end (" + end + ") must be larger than begin (" + begin + ")");
            }
            if (!byEpoch) {
                return new Range(begin, end, 1, 1);
            }
            if (convert) {
                return new Range(begin * iterationsPerEpoch, end == INF ? INF : end * iterationsPerEpoch, 1, iterationsPerEpoch);
            }
            return new Range(begin, end, iterationsPerEpoch, 1);
        }
    }
}
