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
 * thousand boxes per image after one bulk copy. The NDArray overloads make that copy. The result is the reference
 * loop's, but from {@link #GRID_MIN} boxes on, a kept box only visits boxes that share a cell of a spatial grid with
 * it: disjoint boxes have IoU 0 and cannot be suppressed by a threshold {@code >= 0}.
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
    private static int[] descendingOrder(float[] scores) {
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
        boolean finite = true;
        for (int p = 0; p < size; p++) {
            int b = 4 * order[p];
            x1[p] = boxes[b];
            y1[p] = boxes[b + 1];
            x2[p] = boxes[b + 2];
            y2[p] = boxes[b + 3];
            area[p] = (x2[p] - x1[p]) * (y2[p] - y1[p]);
            finite &= Float.isFinite(area[p]) && Float.isFinite(x1[p]) && Float.isFinite(y1[p]);
        }
        Candidates c = new Candidates(x1, y1, x2, y2, area, iouThreshold);
        boolean[] kept = new boolean[size];
        // Disjoint boxes have IoU 0 (or 0/0), which exceeds no threshold >= 0, so only overlapping pairs need a
        // look: past GRID_MIN boxes a spatial grid finds them. A negative threshold suppresses disjoint boxes too.
        Grid grid = iouThreshold >= 0 && size >= GRID_MIN && finite ? Grid.of(x1, y1, x2, y2) : null;
        for (int i = 0; i < size; i++) {
            if (c.suppressed[i]) {
                continue;
            }
            kept[i] = true;
            if (grid == null || grid.large(i)) {
                for (int j = i + 1; j < size; j++) {
                    c.visit(i, j);
                }
            } else {
                grid.visitNeighbours(i, c);
            }
        }
        return kept;
    }

    /** Boxes at or above this count use the grid (measured: at 512 boxes both take the same time, at 1,024 the grid halves it). */
    static final int GRID_MIN = 1024;

    /** The boxes of one suppression pass, in visiting order, and which are suppressed so far. */
    private static final class Candidates {
        final float[] x1;
        final float[] y1;
        final float[] x2;
        final float[] y2;
        final float[] area;
        final double threshold;
        final boolean skipDisjoint;
        final boolean[] suppressed;

        Candidates(float[] x1, float[] y1, float[] x2, float[] y2, float[] area, double threshold) {
            this.x1 = x1;
            this.y1 = y1;
            this.x2 = x2;
            this.y2 = y2;
            this.area = area;
            this.threshold = threshold;
            this.skipDisjoint = threshold >= 0;
            this.suppressed = new boolean[x1.length];
        }

        /** Kept box {@code i} suppresses later box {@code j} if their IoU exceeds the threshold. */
        void visit(int i, int j) {
            if (suppressed[j]) {
                return;
            }
            // std::max / std::min as the reference writes them: (a < b) ? b : a.
            float xx1 = x1[i] < x1[j] ? x1[j] : x1[i];
            float yy1 = y1[i] < y1[j] ? y1[j] : y1[i];
            float xx2 = x2[j] < x2[i] ? x2[j] : x2[i];
            float yy2 = y2[j] < y2[i] ? y2[j] : y2[i];
            float w = xx2 - xx1;
            float h = yy2 - yy1;
            w = 0f < w ? w : 0f;
            h = 0f < h ? h : 0f;
            if (skipDisjoint && (w == 0f || h == 0f)) {
                return;
            }
            float inter = w * h;
            float iou = inter / (area[i] + area[j] - inter);
            if (iou > threshold) {
                suppressed[j] = true;
            }
        }
    }

    /**
     * Buckets boxes by the grid cells they cover, so a kept box visits only boxes sharing a cell with it (boxes with
     * a positive intersection always do). Cells are about the mean box side; boxes spanning more than
     * {@link #LARGE_SPAN} cells on an axis are "large": they scan every later box themselves and are visited by
     * every kept box.
     */
    private static final class Grid {
        private static final int LARGE_SPAN = 16;

        private final double minX;
        private final double minY;
        private final double cell;
        private final int cols;
        private final int rows;
        private final int[] cx0;
        private final int[] cx1;
        private final int[] cy0;
        private final int[] cy1;
        private final boolean[] large;
        private final int[] cellStart;
        private final int[] cellBoxes;
        private final int[] largeBoxes;
        private final int[] stamp;

        private Grid(float[] x1, float[] y1, float[] x2, float[] y2, double minX, double minY, double cell, int cols, int rows) {
            int n = x1.length;
            this.minX = minX;
            this.minY = minY;
            this.cell = cell;
            this.cols = cols;
            this.rows = rows;
            cx0 = new int[n];
            cx1 = new int[n];
            cy0 = new int[n];
            cy1 = new int[n];
            large = new boolean[n];
            int[] count = new int[cols * rows + 1];
            int largeCount = 0;
            for (int p = 0; p < n; p++) {
                cx0[p] = column(x1[p]);
                cx1[p] = column(x2[p]);
                cy0[p] = row(y1[p]);
                cy1[p] = row(y2[p]);
                large[p] = cx1[p] - cx0[p] >= LARGE_SPAN || cy1[p] - cy0[p] >= LARGE_SPAN;
                if (large[p]) {
                    largeCount++;
                    continue;
                }
                for (int y = cy0[p]; y <= cy1[p]; y++) {
                    for (int x = cx0[p]; x <= cx1[p]; x++) {
                        count[y * cols + x + 1]++;
                    }
                }
            }
            for (int k = 1; k < count.length; k++) {
                count[k] += count[k - 1];
            }
            cellStart = count.clone();
            cellBoxes = new int[count[count.length - 1]];
            largeBoxes = new int[largeCount];
            int l = 0;
            for (int p = 0; p < n; p++) {
                if (large[p]) {
                    largeBoxes[l++] = p;
                    continue;
                }
                for (int y = cy0[p]; y <= cy1[p]; y++) {
                    for (int x = cx0[p]; x <= cx1[p]; x++) {
                        cellBoxes[count[y * cols + x]++] = p;
                    }
                }
            }
            stamp = new int[n];
            Arrays.fill(stamp, -1);
        }

        static Grid of(float[] x1, float[] y1, float[] x2, float[] y2) {
            int n = x1.length;
            double minX = Double.POSITIVE_INFINITY;
            double minY = Double.POSITIVE_INFINITY;
            double maxX = Double.NEGATIVE_INFINITY;
            double maxY = Double.NEGATIVE_INFINITY;
            double sides = 0;
            for (int p = 0; p < n; p++) {
                minX = Math.min(minX, Math.min(x1[p], x2[p]));
                minY = Math.min(minY, Math.min(y1[p], y2[p]));
                maxX = Math.max(maxX, Math.max(x1[p], x2[p]));
                maxY = Math.max(maxY, Math.max(y1[p], y2[p]));
                sides += Math.abs((double) x2[p] - x1[p]) + Math.abs((double) y2[p] - y1[p]);
            }
            // Mean box side, but at most 256 cells per axis.
            double cell = Math.max(sides / (2.0 * n), Math.max(maxX - minX, maxY - minY) / 256);
            if (!(cell > 0) || Double.isInfinite(cell)) {
                return null;
            }
            int cols = (int) ((maxX - minX) / cell) + 1;
            int rows = (int) ((maxY - minY) / cell) + 1;
            return new Grid(x1, y1, x2, y2, minX, minY, cell, cols, rows);
        }

        boolean large(int p) {
            return large[p];
        }

        private int column(float x) {
            return Math.min(cols - 1, Math.max(0, (int) ((x - minX) / cell)));
        }

        private int row(float y) {
            return Math.min(rows - 1, Math.max(0, (int) ((y - minY) / cell)));
        }

        /** Visits every later box that shares a cell with (small) box {@code i}, and every later large box. */
        void visitNeighbours(int i, Candidates c) {
            for (int y = cy0[i]; y <= cy1[i]; y++) {
                for (int x = cx0[i]; x <= cx1[i]; x++) {
                    int cellIndex = y * cols + x;
                    for (int k = cellStart[cellIndex]; k < cellStart[cellIndex + 1]; k++) {
                        int j = cellBoxes[k];
                        if (j > i && stamp[j] != i) {
                            stamp[j] = i;
                            c.visit(i, j);
                        }
                    }
                }
            }
            for (int j : largeBoxes) {
                if (j > i) {
                    c.visit(i, j);
                }
            }
        }
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
