package dev.densepred.datasets.loader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Consecutive runs of {@code batchSize} indices from a {@link Sampler} (torch {@code BatchSampler}). */
public final class FixedSizeBatchSampler implements BatchSampler {

    private final Sampler sampler;
    private final int batchSize;
    private final boolean dropLast;

    /** {@code dropLast} drops a final batch smaller than {@code batchSize}. */
    public FixedSizeBatchSampler(Sampler sampler, int batchSize, boolean dropLast) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.sampler = sampler;
        this.batchSize = batchSize;
        this.dropLast = dropLast;
    }

    @Override
    public int batchesPerEpoch() {
        return count(sampler.size(), batchSize, dropLast);
    }

    @Override
    public List<int[]> batches(long seed, int epoch) {
        List<int[]> out = new ArrayList<>(batchesPerEpoch());
        chunk(sampler.order(seed, epoch), batchSize, dropLast, out);
        return out;
    }

    static int count(int samples, int batchSize, boolean dropLast) {
        return dropLast ? samples / batchSize : (samples + batchSize - 1) / batchSize;
    }

    /** Appends {@code indices} cut into runs of {@code batchSize} to {@code out}. */
    static void chunk(int[] indices, int batchSize, boolean dropLast, List<int[]> out) {
        for (int i = 0; i < indices.length; i += batchSize) {
            int end = Math.min(i + batchSize, indices.length);
            if (end - i == batchSize || !dropLast) {
                out.add(Arrays.copyOfRange(indices, i, end));
            }
        }
    }
}
