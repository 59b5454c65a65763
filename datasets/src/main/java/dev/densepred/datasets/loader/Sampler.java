package dev.densepred.datasets.loader;

import java.util.SplittableRandom;

/**
 * The order of a dataset's indices in one epoch (mmengine {@code DefaultSampler}): sequential, or a shuffle that
 * is a pure function of {@code (seed, epoch)}, so a resumed run sees the same order.
 */
public final class Sampler {

    private final int size;
    private final boolean shuffle;

    /** A sampler over {@code size} samples; {@code shuffle} permutes them anew each epoch. */
    public Sampler(int size, boolean shuffle) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        this.size = size;
        this.shuffle = shuffle;
    }

    public int size() {
        return size;
    }

    /** The indices {@code 0..size-1} in epoch {@code epoch}'s order. */
    public int[] order(long seed, int epoch) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, epoch, -1));
            for (int i = size - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }
}
