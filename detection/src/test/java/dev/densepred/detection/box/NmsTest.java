package dev.densepred.detection.box;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;

import dev.densepred.detection.testing.Golden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@link Nms} against {@code ops/nms.json} (torchvision 0.14.1 {@code nms} and {@code batched_nms}): every case of
 * both lists, kept indices compared exactly, in order. Plus invariants on random boxes: batched NMS equals plain NMS
 * per group merged in score order, and plain NMS leaves no kept pair above the threshold.
 */
class NmsTest {

    static Stream<Arguments> nmsCases() {
        return cases("nms_cases");
    }

    static Stream<Arguments> batchedCases() {
        return cases("batched_nms_cases");
    }

    private static Stream<Arguments> cases(String list) {
        List<Arguments> out = new ArrayList<>();
        for (JsonObject c : Golden.objects(Golden.json("nms.json").getAsJsonArray(list))) {
            out.add(Arguments.of(c.get("name").getAsString(), c));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nmsCases")
    void nmsMatchesTorchvision(String name, JsonObject c) {
        int[] keep = Nms.nms(Golden.floats(c.get("boxes")), Golden.floats(c.get("scores")), c.get("iou_threshold").getAsDouble());
        assertArrayEquals(Golden.ints(c.get("keep")), keep, name + ": kept indices");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("batchedCases")
    void batchedNmsMatchesTorchvision(String name, JsonObject c) {
        int[] keep = Nms.batched(Golden.floats(c.get("boxes")), Golden.floats(c.get("scores")), Golden.ints(c.get("idxs")),
                c.get("iou_threshold").getAsDouble());
        assertArrayEquals(Golden.ints(c.get("keep")), keep, name + ": kept indices");
    }

    @Test
    void deviceOverloadsCopyAndAgree() {
        JsonObject c = Golden.objects(Golden.json("nms.json").getAsJsonArray("batched_nms_cases")).get(0);
        float[] boxes = Golden.floats(c.get("boxes"));
        float[] scores = Golden.floats(c.get("scores"));
        int[] idxs = Golden.ints(c.get("idxs"));
        try (NDManager m = NDManager.newBaseManager()) {
            double thr = c.get("iou_threshold").getAsDouble();
            assertArrayEquals(Nms.nms(boxes, scores, thr), Nms.nms(m.create(boxes, new Shape(scores.length, 4)), m.create(scores), thr));
            assertArrayEquals(Nms.batched(boxes, scores, idxs, thr),
                    Nms.batched(m.create(boxes, new Shape(scores.length, 4)), m.create(scores), m.create(idxs), thr));
        }
    }

    @Test
    void batchedEqualsPerGroupNmsMergedByScore() {
        Random rnd = new Random(3);
        int n = 3000;
        float[] boxes = randomBoxes(rnd, n);
        float[] scores = new float[n];
        int[] groups = new int[n];
        for (int i = 0; i < n; i++) {
            scores[i] = rnd.nextInt(100) / 100f; // many ties
            groups[i] = rnd.nextInt(7) - 2; // negative ids too
        }
        int[] keep = Nms.batched(boxes, scores, groups, 0.5);
        List<Integer> expected = new ArrayList<>();
        for (int g = -2; g < 5; g++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (groups[i] == g) {
                    members.add(i);
                }
            }
            float[] b = new float[4 * members.size()];
            float[] s = new float[members.size()];
            for (int k = 0; k < members.size(); k++) {
                System.arraycopy(boxes, 4 * members.get(k), b, 4 * k, 4);
                s[k] = scores[members.get(k)];
            }
            for (int k : Nms.nms(b, s, 0.5)) {
                expected.add(members.get(k));
            }
        }
        expected.sort((a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), keep);
    }

    @Test
    void keptBoxesNeverOverlapAboveTheThreshold() {
        Random rnd = new Random(5);
        int n = 2000;
        float[] boxes = randomBoxes(rnd, n);
        float[] scores = new float[n];
        for (int i = 0; i < n; i++) {
            scores[i] = rnd.nextFloat();
        }
        int[] keep = Nms.nms(boxes, scores, 0.3);
        for (int a = 0; a < keep.length; a++) {
            for (int b = a + 1; b < keep.length; b++) {
                double iou = iou(boxes, keep[a], keep[b]);
                if (iou > 0.3) {
                    throw new AssertionError("kept " + keep[a] + " and " + keep[b] + " overlap with IoU " + iou + " > 0.3");
                }
            }
            if (a > 0 && scores[keep[a - 1]] < scores[keep[a]]) {
                throw new AssertionError("keep is not in descending score order at position " + a);
            }
        }
        // every suppressed box overlaps a kept box with a higher (or equal, earlier) score
        boolean[] kept = new boolean[n];
        Arrays.stream(keep).forEach(k -> kept[k] = true);
        for (int i = 0; i < n; i++) {
            if (!kept[i]) {
                boolean covered = false;
                for (int k : keep) {
                    covered |= iou(boxes, k, i) > 0.3;
                }
                if (!covered) {
                    throw new AssertionError("box " + i + " was dropped without a kept box overlapping it");
                }
            }
        }
    }

    @Test
    void gridPathEqualsThePlainScan() {
        // Past Nms.GRID_MIN boxes only overlapping pairs are visited; the result must not change. Clustered boxes with
        // ties, zero-area, inverted and very large boxes, at several thresholds.
        Random rnd = new Random(8);
        int n = 3 * Nms.GRID_MIN;
        float[] boxes = new float[4 * n];
        float[] scores = new float[n];
        for (int i = 0; i < n; i++) {
            float cx = (i % 40) * 30 + rnd.nextFloat() * 10;
            float cy = (i / 40 % 30) * 25 + rnd.nextFloat() * 10;
            float w = i % 97 == 0 ? 2000 : i % 13 == 0 ? 0 : 5 + rnd.nextFloat() * 60;
            float h = i % 89 == 0 ? -5 : 5 + rnd.nextFloat() * 60;
            boxes[4 * i] = cx - w / 2;
            boxes[4 * i + 1] = cy - h / 2;
            boxes[4 * i + 2] = cx + w / 2;
            boxes[4 * i + 3] = cy + h / 2;
            scores[i] = rnd.nextInt(50) / 50f;
        }
        for (double thr : new double[] {0.0, 0.3, 0.7}) {
            int[] plain = plainScan(boxes, scores, thr);
            assertArrayEquals(plain, Nms.nms(boxes, scores, thr), "threshold " + thr);
        }
    }

    /** The reference loop, written out: every kept box against every later box. */
    private static int[] plainScan(float[] boxes, float[] scores, double thr) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
        boolean[] suppressed = new boolean[n];
        List<Integer> keep = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            int i = order[a];
            if (suppressed[i]) {
                continue;
            }
            keep.add(i);
            float areaI = (boxes[4 * i + 2] - boxes[4 * i]) * (boxes[4 * i + 3] - boxes[4 * i + 1]);
            for (int b = a + 1; b < n; b++) {
                int j = order[b];
                float w = Math.max(0f, Math.min(boxes[4 * i + 2], boxes[4 * j + 2]) - Math.max(boxes[4 * i], boxes[4 * j]));
                float h = Math.max(0f, Math.min(boxes[4 * i + 3], boxes[4 * j + 3]) - Math.max(boxes[4 * i + 1], boxes[4 * j + 1]));
                float areaJ = (boxes[4 * j + 2] - boxes[4 * j]) * (boxes[4 * j + 3] - boxes[4 * j + 1]);
                float inter = w * h;
                if (inter / (areaI + areaJ - inter) > thr) {
                    suppressed[j] = true;
                }
            }
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void mismatchedLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Nms.nms(new float[8], new float[3], 0.5));
        assertThrows(IllegalArgumentException.class, () -> Nms.batched(new float[8], new float[2], new int[3], 0.5));
    }

    private static float[] randomBoxes(Random rnd, int n) {
        float[] boxes = new float[4 * n];
        for (int i = 0; i < n; i++) {
            float x = rnd.nextFloat() * 300;
            float y = rnd.nextFloat() * 300;
            boxes[4 * i] = x;
            boxes[4 * i + 1] = y;
            boxes[4 * i + 2] = x + 5 + rnd.nextFloat() * 60;
            boxes[4 * i + 3] = y + 5 + rnd.nextFloat() * 60;
        }
        return boxes;
    }

    private static double iou(float[] b, int i, int j) {
        double w = Math.max(0, Math.min(b[4 * i + 2], b[4 * j + 2]) - Math.max(b[4 * i], b[4 * j]));
        double h = Math.max(0, Math.min(b[4 * i + 3], b[4 * j + 3]) - Math.max(b[4 * i + 1], b[4 * j + 1]));
        double ai = (double) (b[4 * i + 2] - b[4 * i]) * (b[4 * i + 3] - b[4 * i + 1]);
        double aj = (double) (b[4 * j + 2] - b[4 * j]) * (b[4 * j + 3] - b[4 * j + 1]);
        return w * h / (ai + aj - w * h);
    }
}
