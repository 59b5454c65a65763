package dev.densepred.engine.data;

/**
 * The batches of a training set, epoch by epoch, in an order that is a pure function of {@code (seed, epoch)}, so a
 * resumed run sees exactly the batches an uninterrupted one would have seen. Batches are host-side data; they
 * become NDArrays only in the training step, inside the iteration's scope.
 *
 * @param <B> the batch type
 */
public interface BatchSource<B> {

    /** Number of batches in one epoch. */
    int batchesPerEpoch();

    /**
     * The batches of epoch {@code epoch} (0-based) from index {@code start} on. Skipping to {@code start} must not
     * decode the skipped samples. The caller closes the iterator, which stops any worker threads.
     */
    BatchIterator<B> epoch(long seed, int epoch, int start);
}
