package dev.densepred.datasets.loader;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * mmdet {@code AspectRatioBatchSampler}: walks the sampler's order and fills two buckets, portrait images
 * ({@code width < height}) and the rest; a bucket that reaches {@code batchSize} becomes a batch. At the end the
 * leftovers (portrait bucket first) are batched together in order, so only the last batches may mix the groups;
 * a final short batch is dropped when {@code dropLast}.
 */
public final class AspectRatioBatchSampler implements BatchSampler {

    private final Sampler sampler;
    private final IntPredicate portrait;
    private final int batchSize;
    private final boolean dropLast;

    /**
     * @param portrait whether dataset index {@code i} is an image with {@code width < height} (read from the
     *     records, never by decoding)
     */
    public AspectRatioBatchSampler(Sampler sampler, IntPredicate portrait, int batchSize, boolean dropLast) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.sampler = sampler;
        this.portrait = portrait;
        this.batchSize = batchSize;
        this.dropLast = dropLast;
    }

    @Override
    public int batchesPerEpoch() {
        return FixedSizeBatchSampler.count(sampler.size(), batchSize, dropLast);
    }

    @Override
    public List<int[]> batches(long seed, int epoch) {
        int[][] buckets = {new int[batchSize], new int[batchSize]};
        int[] fill = new int[2];
        List<int[]> out = new ArrayList<>(batchesPerEpoch());
        for (int idx : sampler.order(seed, epoch)) {
            int b = portrait.test(idx) ? 0 : 1;
            buckets[b][fill[b]++] = idx;
            if (fill[b] == batchSize) {
                out.add(buckets[b].clone());
                fill[b] = 0;
            }
        }
        int[] left = new int[fill[0] + fill[1]];
        System.arraycopy(buckets[0], 0, left, 0, fill[0]);
        System.arraycopy(buckets[1], 0, left, fill[0], fill[1]);
        FixedSizeBatchSampler.chunk(left, batchSize, dropLast, out);
        return out;
    }
}
