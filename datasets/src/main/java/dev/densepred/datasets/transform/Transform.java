package dev.densepred.datasets.transform;

import java.util.random.RandomGenerator;

/**
 * One step of a data pipeline (an mmcv {@code BaseTransform}): changes an {@link ImageSample} in place.
 * Implementations hold only immutable settings, so one instance serves every worker thread; all randomness comes
 * from {@code rng}, which the loader derives from (seed, epoch, sample index).
 */
@FunctionalInterface
public interface Transform {

    void apply(ImageSample sample, RandomGenerator rng);
}
