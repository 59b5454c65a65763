package dev.densepred.detection.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;

/**
 * Non-maximum suppression on the host, with {@code torchvision.ops.nms} / {@code batched_nms} semantics: boxes are
 * visited in descending score order by a stable sort (equal scores: lower index first), and a kept box suppresses
 * every later box whose IoU with it is strictly greater than the threshold. IoU is computed in float32 exactly as
 * torchvision's CPU kernel does, so two zero-area boxes give 0/0 = NaN, which never suppresses.
 *
 * <p>Why the host: the JNI has no NMS kernel, the loop is sequential by nature, and a detector runs it on a few
 * thousand boxes per image after one bulk copy. The NDArray overloads make that copy.
 *
 * <p>{@link #batched} runs NMS independently per group id (class or level). torchvision offsets each group's boxes
 * by {@code id * (max coordinate + 1)} below 4,000 coordinates and loops over groups above; the offset changes IoUs
 * by float rounding and makes every box visit every other. Here each group is suppressed on its own (exact IoUs, and
 * work proportional to the sum of squared group sizes, cheaper than the offset trick's plain NMS over all boxes at
 * every size measured; see {@code docs/ops.md}), then the kept boxes are merged in the global visiting order.
 */
public final class Nms {

    private Nms() {}

    /**
     * Indices of the kept boxes in descending score order.
     *
     * @param boxes {@code [N, 4]} xyxy, flattened row by row (length 4N)
     * @param scores {@code [N]}
     * @param iouThreshold suppress when IoU {@code >} this
     */
    public static int[] nms(float[] boxes, float[] scores, double iouThreshold) {
        int n = checkLengths(boxes, scores);
        int[] order = descendingOrder(scores);
        boolean[] kept = suppress(boxes, order, n, iouThreshold);
        return keptInOrder(order, kept);
    }

    /**
     * Class-aware (or level-aware) NMS: boxes only suppress boxes with the same {@code groups} value. The result is
     * in descending score order over all groups (ties: lower index first), as torchvision's {@code batched_nms}.
     */
    public static int[] batched(float[] boxes, float[] scores, int[] groups, double iouThreshold) {
        int n = checkLengths(boxes, scores);
        if (groups.length != n) {
            throw new IllegalArgumentException("batched nms: " + n + " boxes but " + groups.length + " group ids");
        }
        int[] order = descendingOrder(scores);
        // Stable partition of the visiting order by group: sort (group, position in order) pairs.
        long[] keyed = new long[n];
        for (int p = 0; p < n; p++) {
            keyed[p] = ((long) groups[order[p]] << 32) | p;
        }
        Arrays.sort(keyed);
        boolean[] kept = new boolean[n]; // by box index
        int[] member = new int[n];
        int start = 0;
        while (start < n) {
            int group = (int) (keyed[start] >> 32);
            int end = start;
            while (end < n && (int) (keyed[end] >> 32) == group) {
                member[end - start] = order[(int) keyed[end]];
                end++;
            }
            int size = end - start;
            boolean[] groupKept = suppress(boxes, member, size, iouThreshold);
            for (int i = 0; i < size; i++) {
                kept[member[i]] = groupKept[i];
            }
            start = end;
        }
        int[] out = new int[n];
        int count = 0;
        for (int p = 0; p < n; p++) {
            if (kept[order[p]]) {
                out[count++] = order[p];
            }
        }
        return Arrays.copyOf(out, count);
    }

    /** {@link #nms(float[], float[], double)} on device arrays, after one bulk copy of each to the host. */
    public static int[] nms(NDArray boxes, NDArray scores, double iouThreshold) {
        return nms(hostBoxes(boxes), hostScores(scores, boxes), iouThreshold);
    }

    /** {@link #batched(float[], float[], int[], double)} on device arrays (groups: any integer type). */
    public static int[] batched(NDArray boxes, NDArray scores, NDArray groups, double iouThreshold) {
        return batched(hostBoxes(boxes), hostScores(scores, boxes), groups.toType(DataType.INT32, false).toIntArray(), iouThreshold);
    }

    private static float[] hostBoxes(NDArray boxes) {
        return BoxOps.checkBoxes("boxes", boxes).toFloatArray();
    }

    private static float[] hostScores(NDArray scores, NDArray boxes) {
        if (scores.getShape().dimension() != 1 || scores.getShape().get(0) != boxes.getShape().get(0)) {
            throw new IllegalArgumentException("scores: expected [" + boxes.getShape().get(0) + "] (one per box), found " + scores.getShape());
        }
        return scores.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private static int checkLengths(float[] boxes, float[] scores) {
        if (boxes.length != 4 * scores.length) {
            throw new IllegalArgumentException("nms: boxes must hold 4 values per score, found " + boxes.length + " values for "
                    + scores.length + " scores");
        }
        return scores.length;
    }

    /**
     * Indices by descending score, equal scores by ascending index: PyTorch's stable descending sort (NaN first,
     * -0.0 equal to 0.0). One primitive sort of packed (score, index) keys.
     */
    static int[] descendingOrder(float[] scores) {
        int n = scores.length;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            // + 0.0f turns -0.0 into 0.0; floatToIntBits makes every NaN the same NaN, which sorts above +inf.
            int bits = Float.floatToIntBits(scores[i] + 0.0f);
            int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // signed-int order == float order
            keys[i] = ((long) ~ordered << 32) | i; // ~ reverses the order: high scores first
        }
        Arrays.sort(keys);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }

    /**
     * Greedy suppression over {@code boxes[order[0..size)]}, visited in that order; returns, per visited position,
     * whether the box was kept. Coordinates are copied into visiting order first so the inner loop streams.
     */
    private static boolean[] suppress(float[] boxes, int[] order, int size, double iouThreshold) {
        float[] x1 = new float[size];
        float[] y1 = new float[size];
        float[] x2 = new float[size];
        float[] y2 = new float[size];
        float[] area = new float[size];
        for (int p = 0; p < size; p++) {
            int b = 4 * order[p];
            x1[p] = boxes[b];
            y1[p] = boxes[b + 1];
            x2[p] = boxes[b + 2];
            y2[p] = boxes[b + 3];
            area[p] = (x2[p] - x1[p]) * (y2[p] - y1[p]);
        }
        boolean[] suppressed = new boolean[size];
        boolean[] kept = new boolean[size];
        for (int i = 0; i < size; i++) {
            if (suppressed[i]) {
                continue;
            }
            kept[i] = true;
            float ix1 = x1[i];
            float iy1 = y1[i];
            float ix2 = x2[i];
            float iy2 = y2[i];
            float iarea = area[i];
            for (int j = i + 1; j < size; j++) {
                if (suppressed[j]) {
                    continue;
                }
                // std::max / std::min as the reference writes them: (a < b) ? b : a.
                float xx1 = ix1 < x1[j] ? x1[j] : ix1;
                float yy1 = iy1 < y1[j] ? y1[j] : iy1;
                float xx2 = x2[j] < ix2 ? x2[j] : ix2;
                float yy2 = y2[j] < iy2 ? y2[j] : iy2;
                float w = xx2 - xx1;
                float h = yy2 - yy1;
                w = 0f < w ? w : 0f;
                h = 0f < h ? h : 0f;
                float inter = w * h;
                float iou = inter / (iarea + area[j] - inter);
                if (iou > iouThreshold) {
                    suppressed[j] = true;
                }
            }
        }
        return kept;
    }

    private static int[] keptInOrder(int[] order, boolean[] keptAtPosition) {
        int count = 0;
        for (boolean k : keptAtPosition) {
            if (k) {
                count++;
            }
        }
        int[] out = new int[count];
        int j = 0;
        for (int p = 0; p < order.length; p++) {
            if (keptAtPosition[p]) {
                out[j++] = order[p];
            }
        }
        return out;
    }
}
