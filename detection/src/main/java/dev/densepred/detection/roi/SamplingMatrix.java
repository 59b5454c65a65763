package dev.densepred.detection.roi;

import java.util.Arrays;
import java.util.List;

/**
 * The bilinear sampling weights of RoIAlign for a set of RoIs, as a sparse matrix from feature pixels to output bins:
 * row {@code (roi * P + ph) * P + pw}, column {@code offset(level) + (batch * H + y) * W + x}, value = the pixel's
 * total weight in that bin divided by the bin's sample count. Output = matrix x stacked pixels, the reference's
 * average of bilinear samples up to float summation order. Several FPN levels stack into one matrix, so RoIs on
 * different levels come out in input order from one product.
 *
 * <p>The weights are separable: a sample's weight on pixel (y, x) is its y weight times its x weight, and a sample
 * outside {@code [-1, H] x [-1, W]} has y or x weight 0. So each bin's weights are the outer product of per-axis tap
 * lists (rows touched by the bin's y samples with summed weights, likewise columns); a grid of {@code g x g} samples
 * touches at most {@code (g + 1)^2} pixels instead of {@code 4 g^2}. Coordinates follow the torchvision / mmcv CPU
 * kernel in float32: {@code start = coord * scale - (aligned ? 0.5 : 0)}, size clamped to >= 1 only when not aligned,
 * {@code grid = ratio > 0 ? ratio : ceil(size / out)}, sample {@code start + p * bin + (i + 0.5) * bin / grid},
 * samples outside the map dropped, coordinates clamped to 0 and to the last row/column.
 *
 * <p>Built on the host from the RoI coordinates (a few KB); each RoI's grid is exact, so there is no padding to the
 * largest grid and no grouping by grid size.
 */
final class SamplingMatrix {

    /** COO indices, row indices first then column indices ({@code [2, nnz]} row-major). */
    final long[] indices;
    /** Weights, {@code [nnz]}. */
    final float[] values;
    final int nnz;

    private SamplingMatrix(long[] indices, float[] values, int nnz) {
        this.indices = indices;
        this.values = values;
        this.nnz = nnz;
    }

    /**
     * One feature level as the matrix sees it: a {@code [batch, C, height, width]} map sampled at
     * {@code spatialScale}, whose pixels start at column {@code pixelOffset} of the stacked pixel matrix.
     */
    record Level(int batch, int height, int width, double spatialScale, long pixelOffset) {}

    /**
     * Builds the matrix for {@code rois} ({@code [R, 5]} rows {@code batch, x1, y1, x2, y2}, flattened): RoI
     * {@code r} samples level {@code levelOf[r]} ({@code levelOf} null: level 0); a level outside the list leaves
     * the RoI's rows empty, so it pools to zeros.
     */
    static SamplingMatrix build(float[] rois, int[] levelOf, List<Level> levels, RoiAlign.Config config) {
        int count = rois.length / 5;
        int pooled = config.outputSize();
        Axis[] ys = new Axis[levels.size()];
        Axis[] xs = new Axis[levels.size()];
        for (int l = 0; l < levels.size(); l++) {
            ys[l] = new Axis(pooled, levels.get(l).height());
            xs[l] = new Axis(pooled, levels.get(l).width());
        }
        long total = 0;
        for (int r = 0; r < count; r++) {
            int l = levelOf == null ? 0 : levelOf[r];
            if (l >= 0 && l < levels.size()) {
                Geometry g = Geometry.of(rois, r, levels.get(l).spatialScale(), config);
                ys[l].taps(g.startH, g.binH, g.gridH);
                xs[l].taps(g.startW, g.binW, g.gridW);
                total += (long) ys[l].size() * xs[l].size();
            }
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("RoIAlign: " + count + " RoIs need " + total
                    + " sampling weights, more than one sparse matrix holds; pass fewer or smaller RoIs");
        }
        int nnz = (int) total;
        long[] indices = new long[2 * nnz];
        float[] values = new float[nnz];
        int e = 0;
        long rowsPerRoi = (long) pooled * pooled;
        for (int r = 0; r < count; r++) {
            int l = levelOf == null ? 0 : levelOf[r];
            if (l < 0 || l >= levels.size()) {
                continue;
            }
            Level level = levels.get(l);
            int b = (int) rois[5 * r];
            if (b < 0 || b >= level.batch()) {
                throw new IllegalArgumentException("rois[" + r + ", 0]: batch index " + rois[5 * r] + " is outside the "
                        + level.batch() + " images of the feature map");
            }
            Geometry g = Geometry.of(rois, r, level.spatialScale(), config);
            Axis y = ys[l];
            Axis x = xs[l];
            y.taps(g.startH, g.binH, g.gridH);
            x.taps(g.startW, g.binW, g.gridW);
            double invCount = 1.0 / g.count;
            long pixelBase = level.pixelOffset() + (long) b * level.height() * level.width();
            for (int ph = 0; ph < pooled; ph++) {
                for (int pw = 0; pw < pooled; pw++) {
                    long row = r * rowsPerRoi + (long) ph * pooled + pw;
                    for (int i = y.end[ph] - y.binSize(ph); i < y.end[ph]; i++) {
                        long rowPixel = pixelBase + (long) y.index[i] * level.width();
                        double wy = y.weight[i] * invCount;
                        for (int j = x.end[pw] - x.binSize(pw); j < x.end[pw]; j++) {
                            indices[e] = row;
                            indices[nnz + e] = rowPixel + x.index[j];
                            values[e] = (float) (wy * x.weight[j]);
                            e++;
                        }
                    }
                }
            }
        }
        return new SamplingMatrix(indices, values, nnz);
    }

    /** The per-RoI quantities of the reference kernel, in its float32 arithmetic. */
    static final class Geometry {
        final float startH;
        final float startW;
        final float binH;
        final float binW;
        final int gridH;
        final int gridW;
        final int count;

        private Geometry(float startH, float startW, float binH, float binW, int gridH, int gridW) {
            this.startH = startH;
            this.startW = startW;
            this.binH = binH;
            this.binW = binW;
            this.gridH = gridH;
            this.gridW = gridW;
            this.count = Math.max(gridH * gridW, 1);
        }

        static Geometry of(float[] rois, int r, double spatialScale, RoiAlign.Config config) {
            float scale = (float) spatialScale;
            float offset = config.aligned() ? 0.5f : 0f;
            float startW = rois[5 * r + 1] * scale - offset;
            float startH = rois[5 * r + 2] * scale - offset;
            float roiW = rois[5 * r + 3] * scale - offset - startW;
            float roiH = rois[5 * r + 4] * scale - offset - startH;
            if (!config.aligned()) {
                roiW = Math.max(roiW, 1f);
                roiH = Math.max(roiH, 1f);
            }
            int pooled = config.outputSize();
            int ratio = config.samplingRatio();
            int gridH = ratio > 0 ? ratio : (int) Math.ceil(roiH / pooled);
            int gridW = ratio > 0 ? ratio : (int) Math.ceil(roiW / pooled);
            return new Geometry(startH, startW, roiH / pooled, roiW / pooled, gridH, gridW);
        }
    }

    /**
     * One axis of one RoI: for each output bin, the pixels its samples touch, in ascending order, with summed
     * linear-interpolation weights. Buffers are reused from RoI to RoI.
     */
    static final class Axis {
        private final int pooled;
        private final int extent;
        private final double[] accumulator;
        private final Lerp lerp = new Lerp();
        int[] index = new int[64];
        double[] weight = new double[64];
        /** Exclusive end of each bin's taps in {@link #index}. */
        final int[] end;

        Axis(int pooled, int extent) {
            this.pooled = pooled;
            this.extent = extent;
            this.accumulator = new double[extent];
            this.end = new int[pooled];
        }

        int size() {
            return pooled == 0 ? 0 : end[pooled - 1];
        }

        int binSize(int p) {
            return p == 0 ? end[0] : end[p] - end[p - 1];
        }

        void taps(float start, float bin, int grid) {
            int n = 0;
            for (int p = 0; p < pooled; p++) {
                int lo = Integer.MAX_VALUE;
                int hi = -1;
                for (int i = 0; i < grid; i++) {
                    if (!lerp.at(position(start, p, bin, i, grid), extent)) {
                        continue;
                    }
                    accumulator[lerp.low] += lerp.h;
                    accumulator[lerp.high] += lerp.l;
                    lo = Math.min(lo, lerp.low);
                    hi = Math.max(hi, lerp.high);
                }
                for (int k = lo; k <= hi; k++) {
                    if (accumulator[k] != 0) {
                        if (n == index.length) {
                            index = Arrays.copyOf(index, 2 * n);
                            weight = Arrays.copyOf(weight, 2 * n);
                        }
                        index[n] = k;
                        weight[n] = accumulator[k];
                        n++;
                        accumulator[k] = 0;
                    }
                }
                end[p] = n;
            }
        }
    }

    /** The {@code i}-th of {@code grid} sample coordinates in bin {@code p}, in the reference's float32 order. */
    static float position(float start, int p, float bin, int i, int grid) {
        return start + p * bin + (i + .5f) * bin / grid;
    }

    /** The reference's bilinear interpolation along one axis: the two neighbours and their weights. */
    static final class Lerp {
        int low;
        int high;
        /** Weight of {@link #high}. */
        float l;
        /** Weight of {@link #low}. */
        float h;

        /**
         * Sets the neighbours of coordinate {@code v} on an axis of {@code extent} pixels; false (weight 0) when
         * {@code v} is outside {@code [-1, extent]}, NaN included.
         */
        boolean at(float v, int extent) {
            if (!(v >= -1.0 && v <= extent)) {
                return false;
            }
            float c = v <= 0 ? 0 : v;
            low = (int) c;
            if (low >= extent - 1) {
                high = low = extent - 1;
                c = low;
            } else {
                high = low + 1;
            }
            l = c - low;
            h = (float) (1. - l);
            return true;
        }
    }
}
