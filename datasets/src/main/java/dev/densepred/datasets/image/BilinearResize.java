package dev.densepred.datasets.image;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;

/**
 * Bilinear resize with OpenCV's {@code INTER_LINEAR} geometry (what mmcv {@code imresize} uses by default):
 * destination pixel {@code d} samples source coordinate {@code (d + 0.5) * src / dst - 0.5}, and samples outside
 * the image replicate the edge. The arithmetic follows cv2's floating-point path (horizontal pass per source row,
 * then vertical blend, coefficients rounded to float as cv2 does), so results match {@code cv2.resize} on float32
 * images to float rounding. cv2 on 8-bit images instead uses 11-bit fixed-point weights and rounds the result to
 * integers; see docs/data.md for the size of that difference.
 */
public final class BilinearResize {

    private BilinearResize() {}

    /** Resizes every band of {@code src} into a new image of {@code width x height}. */
    public static Planar<GrayF32> resize(Planar<GrayF32> src, int width, int height) {
        Planar<GrayF32> dst = new Planar<>(GrayF32.class, width, height, src.getNumBands());
        Table t = new Table(src.width, src.height, width, height);
        float[] row0 = new float[width];
        float[] row1 = new float[width];
        for (int b = 0; b < src.getNumBands(); b++) {
            resize(src.getBand(b), dst.getBand(b), t, row0, row1);
        }
        return dst;
    }

    /** Resizes {@code src} into {@code dst}, whose size sets the output size. */
    public static void resize(GrayF32 src, GrayF32 dst) {
        resize(src, dst, new Table(src.width, src.height, dst.width, dst.height), new float[dst.width], new float[dst.width]);
    }

    private static void resize(GrayF32 src, GrayF32 dst, Table t, float[] bufA, float[] bufB) {
        final int dw = dst.width;
        final int dh = dst.height;
        final float[] out = dst.data;
        // Two horizontally resized source rows, kept while consecutive output rows still need them.
        final float[][] rows = {bufA, bufB};
        final int[] rowOf = {-1, -1};
        for (int dy = 0; dy < dh; dy++) {
            final int y0 = t.y0[dy];
            final int y1 = t.y1[dy];
            int i0 = rowOf[0] == y0 ? 0 : rowOf[1] == y0 ? 1 : -1;
            if (i0 < 0) {
                i0 = rowOf[0] == y1 ? 1 : 0;
                horizontal(src, y0, t, rows[i0]);
                rowOf[i0] = y0;
            }
            int i1 = i0;
            if (y1 != y0) {
                i1 = 1 - i0;
                if (rowOf[i1] != y1) {
                    horizontal(src, y1, t, rows[i1]);
                    rowOf[i1] = y1;
                }
            }
            final float b0 = t.by[2 * dy];
            final float b1 = t.by[2 * dy + 1];
            final float[] r0 = rows[i0];
            final float[] r1 = rows[i1];
            final int base = dst.startIndex + dy * dst.stride;
            for (int x = 0; x < dw; x++) {
                out[base + x] = r0[x] * b0 + r1[x] * b1;
            }
        }
    }

    private static void horizontal(GrayF32 src, int sy, Table t, float[] row) {
        final float[] in = src.data;
        final int base = src.startIndex + sy * src.stride;
        final int[] xofs = t.xofs;
        final float[] ax = t.ax;
        final int twoTap = t.twoTapEnd;
        for (int x = 0; x < twoTap; x++) {
            final int i = base + xofs[x];
            row[x] = in[i] * ax[2 * x] + in[i + 1] * ax[2 * x + 1];
        }
        for (int x = twoTap; x < row.length; x++) {
            row[x] = in[base + xofs[x]] * ax[2 * x];
        }
    }

    /** Source offsets and weights for one (source size, destination size) pair, as cv2 computes them. */
    private static final class Table {
        final int[] xofs;
        final float[] ax;
        /** Output columns from here on sample the last source column alone. */
        final int twoTapEnd;
        final int[] y0;
        final int[] y1;
        final float[] by;

        Table(int sw, int sh, int dw, int dh) {
            if (sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0) {
                throw new IllegalArgumentException("resize needs positive sizes, got " + sw + "x" + sh + " -> " + dw + "x" + dh);
            }
            xofs = new int[dw];
            ax = new float[2 * dw];
            // cv2 stores 1/(dst/src) rather than src/dst; the two can differ in the last bit.
            final double scaleX = 1.0 / ((double) dw / sw);
            int end = dw;
            for (int dx = 0; dx < dw; dx++) {
                float fx = (float) ((dx + 0.5) * scaleX - 0.5);
                int sx = (int) Math.floor(fx);
                fx -= sx;
                if (sx < 0) {
                    sx = 0;
                    fx = 0;
                }
                if (sx >= sw - 1) {
                    end = Math.min(end, dx);
                    sx = sw - 1;
                    fx = 0;
                }
                xofs[dx] = sx;
                ax[2 * dx] = 1f - fx;
                ax[2 * dx + 1] = fx;
            }
            twoTapEnd = end;
            y0 = new int[dh];
            y1 = new int[dh];
            by = new float[2 * dh];
            final double scaleY = 1.0 / ((double) dh / sh);
            for (int dy = 0; dy < dh; dy++) {
                float fy = (float) ((dy + 0.5) * scaleY - 0.5);
                int sy = (int) Math.floor(fy);
                fy -= sy;
                // Rows are clamped but the weight is kept, as in cv2: both taps then read the same edge row.
                y0[dy] = Math.min(Math.max(sy, 0), sh - 1);
                y1[dy] = Math.min(Math.max(sy + 1, 0), sh - 1);
                by[2 * dy] = 1f - fy;
                by[2 * dy + 1] = fy;
            }
        }
    }
}
