package dev.densepred.datasets.loader;

import java.util.List;

/** Groups one epoch's sample order into batches of dataset indices; a pure function of (seed, epoch). */
public interface BatchSampler {

    /** Number of batches in every epoch. */
    int batchesPerEpoch();

    /** The batches of epoch {@code epoch}, each an array of dataset indices. */
    List<int[]> batches(long seed, int epoch);
}
