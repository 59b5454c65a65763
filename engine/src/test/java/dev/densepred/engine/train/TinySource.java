package dev.densepred.engine.train;

import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.data.BatchSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * A seeded synthetic training set: sample {@code i} is a pure function of {@code i}; an epoch visits the batches in
 * an order that is a pure function of {@code (seed, epoch)}, and starting at {@code start} generates nothing before
 * it. The target is a fixed linear function of the per-channel means plus noise, so a few steps lower the loss.
 */
public final class TinySource implements BatchSource<TinyBatch> {

    private final int batches;
    private final int group;
    private final IntFunction<TinyBatch> batch;

    /** {@code batches} batches of {@code batchSize} samples each. */
    public TinySource(int batches, int batchSize) {
        this(batches, 1, b -> samples(b * batchSize, batchSize));
    }

    private TinySource(int batches, int group, IntFunction<TinyBatch> batch) {
        this.batches = batches;
        this.group = group;
        this.batch = batch;
    }

    /** {@code batches} batches, batch {@code b} holding the samples of batches {@code 2b} and {@code 2b+1} of {@link #halves}. */
    public static TinySource merged(int batches, int halfBatchSize) {
        return new TinySource(batches, 1, b -> TinyBatch.concat(
                samples(2 * b * halfBatchSize, halfBatchSize), samples((2 * b + 1) * halfBatchSize, halfBatchSize)));
    }

    /** Twice as many half batches, visited in pairs in the order {@link #merged} visits the whole ones. */
    public static TinySource halves(int mergedBatches, int halfBatchSize) {
        return new TinySource(2 * mergedBatches, 2, b -> samples(b * halfBatchSize, halfBatchSize));
    }

    static TinyBatch samples(int first, int n) {
        float[] x = new float[n * 3 * 64];
        float[] y = new float[n * 2];
        for (int s = 0; s < n; s++) {
            Random r = new Random(1_000_003L * (first + s));
            double[] mean = new double[3];
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 64; p++) {
                    float v = (float) (r.nextGaussian() + 0.3 * c);
                    x[(s * 3 + c) * 64 + p] = v;
                    mean[c] += v / 64;
                }
            }
            y[2 * s] = (float) (mean[0] - 0.5 * mean[1] + 0.1 * r.nextGaussian());
            y[2 * s + 1] = (float) (0.8 * mean[2] + 0.2 + 0.1 * r.nextGaussian());
        }
        return new TinyBatch(x, y, n);
    }

    @Override
    public int batchesPerEpoch() {
        return batches;
    }

    @Override
    public BatchIterator<TinyBatch> epoch(long seed, int epoch, int start) {
        // shuffle units of `group` consecutive batches, so that halves keep their pairs together
        List<Integer> units = new ArrayList<>();
        for (int u = 0; u < batches / group; u++) {
            units.add(u);
        }
        Collections.shuffle(units, new Random(seed * 7919 + epoch));
        List<Integer> visit = new ArrayList<>();
        for (int u : units) {
            for (int j = 0; j < group; j++) {
                visit.add(u * group + j);
            }
        }
        return new BatchIterator<>() {
            int next = start;

            @Override
            public boolean hasNext() {
                return next < visit.size();
            }

            @Override
            public TinyBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return batch.apply(visit.get(next++));
            }

            @Override
            public void close() {}
        };
    }
}
