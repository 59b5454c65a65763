package dev.densepred.engine.train.schedule;

/**
 * The settings of one entry of {@code param_scheduler}, as written in a config; {@link #resolve} turns it into a
 * scheduler once the epoch length is known. Every spec has mmengine's common keys {@code begin}, {@code end},
 * {@code by_epoch} (default true, as in mmengine) and {@code convert_to_iter_based} (default false).
 */
public interface SchedulerSpec {

    /** Whether the scheduler's steps, begin and end count epochs. */
    boolean byEpoch();

    /** Builds the scheduler for a run whose epochs have {@code iterationsPerEpoch} iterations. */
    ParamScheduler resolve(long iterationsPerEpoch);
}
