package dev.densepred.detection.box;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@link RandomSampler}: the budget rules of mmdetection's {@code BaseSampler.sample}, sorted unique output, the
 * ground truths prepended as proposals, repeatability under a seed, and uniform selection.
 */
class RandomSamplerTest {

    /** An assignment with the given gt_inds over that many dummy priors. */
    private static AssignResult assignment(NDManager m, long[] gtInds, int numGts) {
        long[] labels = new long[gtInds.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = gtInds[i] > 0 ? 10 + gtInds[i] : -1;
        }
        return new AssignResult(numGts, m.create(gtInds), m.zeros(new Shape(gtInds.length), DataType.FLOAT32), m.create(labels));
    }

    private static long[] pattern(int n, int everyPositive, int everyIgnored) {
        long[] g = new long[n];
        for (int i = 0; i < n; i++) {
            g[i] = i % everyPositive == 0 ? 1 + i % 3 : i % everyIgnored == 0 ? -1 : 0;
        }
        return g;
    }

    @Test
    void budgetIsSplitAndIndicesAreSortedAndValid() {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] gtInds = pattern(5000, 7, 5);
            NDArray priors = m.zeros(new Shape(5000, 4));
            RandomSampler s = new RandomSampler(new RandomSampler.Config(512, 0.25, -1, false));
            SamplingResult r = s.sample(assignment(m, gtInds, 3), priors, m.zeros(new Shape(3, 4)), m.create(new long[] {11, 12, 13}),
                    new SplittableRandom(1));
            int[] pos = r.posInds();
            int[] neg = r.negInds();
            assertEquals(128, pos.length);
            assertEquals(384, neg.length);
            assertStrictlyIncreasing(pos);
            assertStrictlyIncreasing(neg);
            for (int i = 0; i < pos.length; i++) {
                assertTrue(gtInds[pos[i]] > 0, "positive " + pos[i]);
                assertEquals(gtInds[pos[i]] - 1, r.posAssignedGtInds()[i]);
            }
            for (int i : neg) {
                assertEquals(0, gtInds[i], "negative " + i);
            }
            assertArrayEquals(Arrays.stream(pos).mapToLong(i -> 10 + gtInds[i]).toArray(), r.posGtLabels().toLongArray());
            assertEquals(new Shape(128, 4), r.posPriors().getShape());
        }
    }

    @Test
    void fewPositivesAreAllTakenAndNegativesFillOrAreCapped() {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] gtInds = new long[1000];
            gtInds[10] = 1;
            gtInds[500] = 2;
            gtInds[999] = 1;
            NDArray priors = m.zeros(new Shape(1000, 4));
            NDArray gts = m.zeros(new Shape(2, 4));
            NDArray labels = m.create(new long[] {1, 2});
            SamplingResult r = new RandomSampler(new RandomSampler.Config(256, 0.5, -1, false))
                    .sample(assignment(m, gtInds, 2), priors, gts, labels, new SplittableRandom(2));
            assertArrayEquals(new int[] {10, 500, 999}, r.posInds());
            assertEquals(253, r.negInds().length);
            SamplingResult capped = new RandomSampler(new RandomSampler.Config(256, 0.5, 2, false))
                    .sample(assignment(m, gtInds, 2), priors, gts, labels, new SplittableRandom(2));
            assertEquals(6, capped.negInds().length);
            SamplingResult noPositive = new RandomSampler(new RandomSampler.Config(256, 0.5, 2, false))
                    .sample(assignment(m, new long[1000], 2), priors, gts, labels, new SplittableRandom(2));
            assertEquals(2, noPositive.negInds().length, "neg_pos_ub * max(1, 0)");
        }
    }

    @Test
    void groundTruthsArePrependedAsPositives() {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] gtInds = {0, 0, 2, -1, 0};
            NDArray priors = m.arange(20f).reshape(5, 4);
            NDArray gts = m.create(new float[] {100, 100, 110, 110, 200, 200, 220, 220}, new Shape(2, 4));
            SamplingResult r = new RandomSampler(RandomSampler.Config.defaults())
                    .sample(assignment(m, gtInds, 2), priors, gts, m.create(new long[] {5, 6}), new SplittableRandom(3));
            assertEquals(7, r.priors().getShape().get(0));
            assertArrayEquals(new int[] {0, 1, 4}, r.posInds());
            assertArrayEquals(new int[] {0, 1, 1}, r.posAssignedGtInds());
            assertArrayEquals(new boolean[] {true, true, false}, r.posIsGt());
            assertArrayEquals(new int[] {2, 3, 6}, r.negInds());
            assertArrayEquals(new long[] {5, 6, 12}, r.posGtLabels().toLongArray());
            assertArrayEquals(new float[] {100, 100, 110, 110, 200, 200, 220, 220, 8, 9, 10, 11}, r.posPriors().toFloatArray());
            assertArrayEquals(new float[] {100, 100, 110, 110, 200, 200, 220, 220, 200, 200, 220, 220}, r.posGtBoxes(gts).toFloatArray());
        }
    }

    @Test
    void aSeedRepeatsAndAnotherSeedDiffers() {
        try (NDManager m = NDManager.newBaseManager()) {
            long[] gtInds = pattern(3000, 4, 9);
            NDArray priors = m.zeros(new Shape(3000, 4));
            RandomSampler s = new RandomSampler(new RandomSampler.Config(256, 0.5, -1, false));
            NDArray gts = m.zeros(new Shape(3, 4));
            NDArray labels = m.create(new long[] {1, 2, 3});
            SamplingResult a = s.sample(assignment(m, gtInds, 3), priors, gts, labels, new SplittableRandom(42));
            SamplingResult b = s.sample(assignment(m, gtInds, 3), priors, gts, labels, new SplittableRandom(42));
            SamplingResult c = s.sample(assignment(m, gtInds, 3), priors, gts, labels, new SplittableRandom(43));
            assertArrayEquals(a.posInds(), b.posInds());
            assertArrayEquals(a.negInds(), b.negInds());
            assertFalse(Arrays.equals(a.negInds(), c.negInds()));
        }
    }

    @Test
    void selectionIsUniform() {
        try (NDManager m = NDManager.newBaseManager()) {
            // 10 negatives, 2 drawn per sample, 5000 samples: each is drawn 1000 times in expectation (sd ~28).
            long[] gtInds = new long[10];
            NDArray priors = m.zeros(new Shape(10, 4));
            RandomSampler s = new RandomSampler(new RandomSampler.Config(2, 0.5, -1, false));
            SplittableRandom rng = new SplittableRandom(9);
            int[] hits = new int[10];
            AssignResult assign = assignment(m, gtInds, 0);
            for (int t = 0; t < 5000; t++) {
                for (int i : s.sample(assign, priors, m.zeros(new Shape(0, 4)), m.create(new long[0]), rng).negInds()) {
                    hits[i]++;
                }
            }
            for (int i = 0; i < 10; i++) {
                assertTrue(Math.abs(hits[i] - 1000) < 150, "prior " + i + " drawn " + hits[i] + " times, expected about 1000");
            }
        }
    }

    private static void assertStrictlyIncreasing(int[] a) {
        for (int i = 1; i < a.length; i++) {
            assertTrue(a[i - 1] < a[i], "not sorted and unique at " + i);
        }
    }
}
