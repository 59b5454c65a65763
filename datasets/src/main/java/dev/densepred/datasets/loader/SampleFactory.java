package dev.densepred.datasets.loader;

import java.util.random.RandomGenerator;

/**
 * Turns one record (an annotation entry, a file pair) into a sample: decode, transform, package. Runs on the
 * loader's worker threads, several at once, so it must be thread-safe (immutable settings, no shared buffers).
 * Bad data is reported by throwing {@link dev.densepred.datasets.SampleException}; any other exception is a bug
 * and stops the loader.
 *
 * @param <R> the record type
 * @param <S> the sample type
 */
@FunctionalInterface
public interface SampleFactory<R, S> {

    /** The sample for {@code record}; all its randomness must come from {@code rng}. Never null. */
    S load(R record, RandomGenerator rng);
}
