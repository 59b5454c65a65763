package dev.densepred.detection.box;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@link MaxIouAssigner}: mmdetection's docstring example, edge cases, and random problems (with duplicated boxes,
 * so IoU ties occur) checked against {@link #reference}, a line-by-line restatement of mmdetection's
 * {@code assign_wrt_overlaps} loops on the host over the same overlap matrix.
 */
class MaxIouAssignerTest {

    @Test
    void mmdetectionDocstringExample() {
        try (NDManager m = NDManager.newBaseManager()) {
            MaxIouAssigner a = new MaxIouAssigner(new MaxIouAssigner.Config(0.5, 0.5, 0, 0, true, -1, true, true));
            AssignResult r = a.assign(boxes(m, 0, 0, 10, 10, 10, 10, 20, 20), boxes(m, 0, 0, 10, 9), m.create(new long[] {0}), null);
            assertArrayEquals(new long[] {1, 0}, r.gtInds().toLongArray());
            assertArrayEquals(new long[] {0, -1}, r.labels().toLongArray());
        }
    }

    @Test
    void noGroundTruthMeansAllBackground() {
        try (NDManager m = NDManager.newBaseManager()) {
            MaxIouAssigner a = new MaxIouAssigner(MaxIouAssigner.Config.defaults());
            AssignResult r = a.assign(boxes(m, 0, 0, 10, 10, 5, 5, 8, 8), m.zeros(new Shape(0, 4)), m.create(new long[0]), null);
            assertArrayEquals(new long[] {0, 0}, r.gtInds().toLongArray());
            assertArrayEquals(new long[] {-1, -1}, r.labels().toLongArray());
            assertArrayEquals(new float[] {0, 0}, r.maxOverlaps().toFloatArray());
            AssignResult none = a.assign(m.zeros(new Shape(0, 4)), boxes(m, 0, 0, 1, 1), m.create(new long[] {3}), null);
            assertEquals(0, none.numPriors());
        }
    }

    @Test
    void lowQualityMatchOverwritesAndLastGtWins() {
        try (NDManager m = NDManager.newBaseManager()) {
            // prior 0 overlaps gt 0 (IoU 0.81) and gt 1 (IoU 0.64); it is the best prior of both gts.
            NDArray priors = boxes(m, 0, 0, 10, 10, 100, 100, 110, 110);
            NDArray gts = boxes(m, 0, 0, 9, 9, 0, 0, 8, 8);
            MaxIouAssigner a = new MaxIouAssigner(new MaxIouAssigner.Config(0.7, 0.3, 0, 0.3, true, -1, true, true));
            AssignResult r = a.assign(priors, gts, m.create(new long[] {4, 7}), null);
            // step 3 gives gt 0 (index 1); the loop over gts then assigns gt 0 and then gt 1 -> 2.
            assertArrayEquals(new long[] {2, 0}, r.gtInds().toLongArray());
            assertArrayEquals(new long[] {7, -1}, r.labels().toLongArray());
            MaxIouAssigner noLowQuality = new MaxIouAssigner(new MaxIouAssigner.Config(0.7, 0.3, 0, 0.3, true, -1, true, false));
            assertArrayEquals(new long[] {1, 0}, noLowQuality.assign(priors, gts, m.create(new long[] {4, 7}), null).gtInds().toLongArray());
        }
    }

    @Test
    void ignoredGroundTruthMarksPriorsIgnored() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray priors = boxes(m, 0, 0, 10, 10, 50, 50, 60, 60, 200, 200, 210, 210);
            NDArray gts = boxes(m, 0, 0, 10, 10);
            NDArray ignore = boxes(m, 48, 48, 62, 62);
            MaxIouAssigner a = new MaxIouAssigner(new MaxIouAssigner.Config(0.5, 0.5, 0, 0, true, 0.5, true, true));
            AssignResult r = a.assign(priors, gts, m.create(new long[] {1}), ignore);
            assertArrayEquals(new long[] {1, -1, 0}, r.gtInds().toLongArray());
            assertArrayEquals(new float[] {1, -1, 0}, r.maxOverlaps().toFloatArray());
        }
    }

    @Test
    void badLabelsAreRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            MaxIouAssigner a = new MaxIouAssigner(MaxIouAssigner.Config.defaults());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> a.assign(boxes(m, 0, 0, 1, 1), boxes(m, 0, 0, 1, 1, 2, 2, 3, 3), m.create(new long[] {1}), null));
            assertEquals(true, e.getMessage().contains("gt_labels"), e.getMessage());
        }
    }

    static Stream<Arguments> randomProblems() {
        List<Arguments> out = new ArrayList<>();
        int seed = 0;
        for (boolean all : new boolean[] {true, false}) {
            for (boolean lowQuality : new boolean[] {true, false}) {
                for (double negLow : new double[] {0.0, 0.1}) {
                    for (double ignoreThr : new double[] {-1, 0.5}) {
                        out.add(Arguments.of(seed++, new MaxIouAssigner.Config(0.6, 0.4, negLow, 0.2, all, ignoreThr, seed % 2 == 0, lowQuality)));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "seed {0}: {1}")
    @MethodSource("randomProblems")
    void matchesTheReferenceLoops(int seed, MaxIouAssigner.Config config) {
        Random rnd = new Random(seed);
        int k = 6;
        int n = 300;
        float[] gt = randomBoxes(rnd, k);
        System.arraycopy(gt, 0, gt, 4, 4); // gt 1 duplicates gt 0: ties between ground truths
        float[] priors = randomBoxes(rnd, n);
        for (int i = 0; i < 20; i++) {
            System.arraycopy(priors, 4 * rnd.nextInt(n), priors, 4 * rnd.nextInt(n), 4); // ties between priors
        }
        System.arraycopy(gt, 8, priors, 12, 4); // a prior equal to a gt
        float[] ignore = randomBoxes(rnd, 2);
        long[] labels = new long[k];
        for (int i = 0; i < k; i++) {
            labels[i] = rnd.nextInt(80);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(priors, new Shape(n, 4));
            NDArray g = m.create(gt, new Shape(k, 4));
            NDArray ign = m.create(ignore, new Shape(2, 4));
            AssignResult r = new MaxIouAssigner(config).assign(p, g, m.create(labels), ign);
            float[] overlaps = BoxOps.overlaps(g, p, BoxOps.Mode.IOU, BoxOps.DEFAULT_EPS).toFloatArray();
            float[] ignoreMax = new float[n];
            if (config.ignoreIofThr() > 0) {
                float[] iof = config.ignoreWrtCandidates()
                        ? BoxOps.overlaps(p, ign, BoxOps.Mode.IOF, BoxOps.DEFAULT_EPS).toFloatArray()
                        : BoxOps.overlaps(ign, p, BoxOps.Mode.IOF, BoxOps.DEFAULT_EPS).toFloatArray();
                for (int j = 0; j < n; j++) {
                    ignoreMax[j] = config.ignoreWrtCandidates() ? Math.max(iof[2 * j], iof[2 * j + 1]) : Math.max(iof[j], iof[n + j]);
                }
            }
            long[][] expected = reference(overlaps, k, n, ignoreMax, labels, config);
            assertArrayEquals(expected[0], r.gtInds().toLongArray(), "gt_inds");
            assertArrayEquals(expected[1], r.labels().toLongArray(), "labels");
        }
    }

    /** mmdetection's {@code assign} + {@code assign_wrt_overlaps} as the loops they describe; [gt_inds, labels]. */
    private static long[][] reference(float[] ov, int k, int n, float[] ignoreMax, long[] gtLabels, MaxIouAssigner.Config c) {
        if (c.ignoreIofThr() > 0) {
            for (int j = 0; j < n; j++) {
                if (ignoreMax[j] > (float) c.ignoreIofThr()) {
                    for (int i = 0; i < k; i++) {
                        ov[i * n + j] = -1;
                    }
                }
            }
        }
        long[] inds = new long[n];
        float[] maxOv = new float[n];
        int[] argmax = new int[n];
        for (int j = 0; j < n; j++) {
            inds[j] = -1;
            maxOv[j] = ov[j];
            for (int i = 1; i < k; i++) {
                if (ov[i * n + j] > maxOv[j]) {
                    maxOv[j] = ov[i * n + j];
                    argmax[j] = i;
                }
            }
        }
        for (int j = 0; j < n; j++) {
            if (maxOv[j] >= (float) c.negIouLow() && maxOv[j] < (float) c.negIouThr()) {
                inds[j] = 0;
            }
            if (maxOv[j] >= (float) c.posIouThr()) {
                inds[j] = argmax[j] + 1;
            }
        }
        if (c.matchLowQuality()) {
            for (int i = 0; i < k; i++) {
                float best = ov[i * n];
                int bestJ = 0;
                for (int j = 1; j < n; j++) {
                    if (ov[i * n + j] > best) {
                        best = ov[i * n + j];
                        bestJ = j;
                    }
                }
                if (best >= (float) c.minPosIou()) {
                    if (c.gtMaxAssignAll()) {
                        for (int j = 0; j < n; j++) {
                            if (ov[i * n + j] == best) {
                                inds[j] = i + 1;
                            }
                        }
                    } else {
                        inds[bestJ] = i + 1;
                    }
                }
            }
        }
        long[] labels = new long[n];
        for (int j = 0; j < n; j++) {
            labels[j] = inds[j] > 0 ? gtLabels[(int) inds[j] - 1] : -1;
        }
        return new long[][] {inds, labels};
    }

    private static float[] randomBoxes(Random rnd, int n) {
        float[] b = new float[4 * n];
        for (int i = 0; i < n; i++) {
            float x = rnd.nextInt(100);
            float y = rnd.nextInt(100);
            b[4 * i] = x;
            b[4 * i + 1] = y;
            b[4 * i + 2] = x + (i % 17 == 0 ? 0 : 4 + rnd.nextInt(40)); // a few zero-width boxes
            b[4 * i + 3] = y + 4 + rnd.nextInt(40);
        }
        return b;
    }

    private static NDArray boxes(NDManager m, float... xyxy) {
        return m.create(xyxy, new Shape(xyxy.length / 4, 4));
    }
}
