package dev.densepred.datasets.mask;

import java.util.Arrays;
import java.util.List;

/**
 * The COCO mask API, a port of pycocotools' {@code common/maskApi.c} that gives the same integers and the same
 * doubles: polygon rasterisation ({@code rleFrPoly}: upsample by 5, round, walk the edges, keep the y-boundary
 * crossings at pixel centres), box to mask ({@code rleFrBbox}), merge ({@code rleMerge}), IoU between mask sets
 * ({@code rleIou}) and between boxes ({@code bbIou}), with pycocotools' crowd rule: against a crowd region the
 * denominator is the detection's area alone.
 *
 * <p>Area, bounding box, compression and decoding live on {@link RleMask}. Every method is pure Java over primitive
 * arrays and safe to call from many threads.
 */
public final class MaskApi {

    private static final double SCALE = 5;

    private MaskApi() {}

    /**
     * pycocotools' {@code frPoly} for one polygon {@code [x0, y0, x1, y1, ...]} in pixel coordinates, as
     * {@code rleFrPoly}. Points outside the image are allowed and clipped by the rasterisation itself.
     *
     * @throws IllegalArgumentException when the polygon has an odd number of values or fewer than 2, or a value
     *     that is not finite, or the image has no pixels
     */
    public static RleMask frPoly(double[] xy, int h, int w) {
        RleMask.checkSize(h, w, "polygon");
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("polygon: image size [" + h + ", " + w + "] has no pixels");
        }
        if (xy.length < 2 || xy.length % 2 != 0) {
            throw new IllegalArgumentException("polygon: expected an even number of coordinates, found " + xy.length);
        }
        for (int i = 0; i < xy.length; i++) {
            if (!Double.isFinite(xy[i])) {
                throw new IllegalArgumentException("polygon: coordinate #" + i + " is " + xy[i]);
            }
        }
        int k = xy.length / 2;
        int[] x = new int[k + 1];
        int[] y = new int[k + 1];
        for (int j = 0; j < k; j++) {
            x[j] = (int) (SCALE * xy[j * 2] + .5);
            y[j] = (int) (SCALE * xy[j * 2 + 1] + .5);
        }
        x[k] = x[0];
        y[k] = y[0];
        long total = 0;
        for (int j = 0; j < k; j++) {
            total += Math.max(Math.abs((long) x[j] - x[j + 1]), Math.abs((long) y[j] - y[j + 1])) + 1;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("polygon: outline of " + total + " upsampled points is too long to rasterise");
        }
        // Upsampled outline: dense integer points along every edge, from its start to its end.
        int[] u = new int[(int) total];
        int[] v = new int[(int) total];
        int m = 0;
        for (int j = 0; j < k; j++) {
            int xs = x[j];
            int xe = x[j + 1];
            int ys = y[j];
            int ye = y[j + 1];
            int dx = Math.abs(xe - xs);
            int dy = Math.abs(ys - ye);
            boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) {
                int t = xs;
                xs = xe;
                xe = t;
                t = ys;
                ys = ye;
                ye = t;
            }
            double s = dx >= dy ? (double) (ye - ys) / dx : (double) (xe - xs) / dy;
            if (dx >= dy) {
                for (int d = 0; d <= dx; d++) {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    // For a zero-length edge s is NaN; the point repeats its neighbours' x and is never read below.
                    v[m] = (int) (ys + s * t + .5);
                    m++;
                }
            } else {
                for (int d = 0; d <= dy; d++) {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = (int) (xs + s * t + .5);
                    m++;
                }
            }
        }
        // Where the outline crosses a column centre, record the first covered row, back at the original scale.
        int n = m;
        // Positions fit an int: checkSize bounds h * w.
        int[] a = new int[n + 1];
        int na = 0;
        for (int j = 1; j < n; j++) {
            if (u[j] == u[j - 1]) {
                continue;
            }
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / SCALE - .5;
            if (Math.floor(xd) != xd || xd < 0 || xd > w - 1) {
                continue;
            }
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / SCALE - .5;
            if (yd < 0) {
                yd = 0;
            } else if (yd > h) {
                yd = h;
            }
            yd = Math.ceil(yd);
            a[na++] = (int) xd * h + (int) yd;
        }
        a[na++] = h * w;
        sortPositions(a, na, h, w);
        // Boundary positions -> run lengths; a zero-length run merges its neighbours.
        int p = 0;
        for (int j = 0; j < na; j++) {
            int t = a[j];
            a[j] -= p;
            p = t;
        }
        int[] b = new int[na];
        int j = 0;
        int mb = 0;
        b[mb++] = a[j++];
        while (j < na) {
            if (a[j] > 0) {
                b[mb++] = a[j++];
            } else {
                j++;
                if (j < na) {
                    b[mb - 1] += a[j++];
                }
            }
        }
        return RleMask.trusted(h, w, Arrays.copyOf(b, mb));
    }

    /**
     * Sorts column-major pixel positions {@code a[0, n)} (values {@code 0..h*w}). Long outlines are bucketed by
     * column first (a column holds a handful of crossings), which beats a comparison sort there.
     */
    static void sortPositions(int[] a, int n, int h, int w) {
        if (n < 256) {
            Arrays.sort(a, 0, n);
            return;
        }
        int[] start = new int[w + 2];
        for (int i = 0; i < n; i++) {
            start[a[i] / h + 1]++;
        }
        for (int c = 1; c < start.length; c++) {
            start[c] += start[c - 1];
        }
        int[] sorted = new int[n];
        int[] fill = Arrays.copyOf(start, w + 1);
        for (int i = 0; i < n; i++) {
            sorted[fill[a[i] / h]++] = a[i];
        }
        for (int c = 0; c <= w; c++) {
            // Insertion sort within the column.
            for (int i = start[c] + 1; i < start[c + 1]; i++) {
                int v = sorted[i];
                int j = i - 1;
                while (j >= start[c] && sorted[j] > v) {
                    sorted[j + 1] = sorted[j];
                    j--;
                }
                sorted[j + 1] = v;
            }
        }
        System.arraycopy(sorted, 0, a, 0, n);
    }

    /** pycocotools' {@code annToRLE} for polygons: each polygon rasterised by {@link #frPoly}, then merged. */
    public static RleMask frPolygons(List<double[]> polygons, int h, int w) {
        RleMask[] parts = new RleMask[polygons.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = frPoly(polygons.get(i), h, w);
        }
        return merge(parts, false);
    }

    /** pycocotools' {@code frBbox}: the box {@code [x, y, w, h]} rasterised as the polygon of its corners. */
    public static RleMask frBbox(double[] xywh, int h, int w) {
        double xs = xywh[0];
        double xe = xs + xywh[2];
        double ys = xywh[1];
        double ye = ys + xywh[3];
        return frPoly(new double[] {xs, ys, xs, ye, xe, ye, xe, ys}, h, w);
    }

    /**
     * pycocotools' {@code merge}: union ({@code intersect == false}) or intersection of masks of one size. One mask
     * is returned as it is.
     *
     * @throws IllegalArgumentException when the list is empty or the sizes differ (pycocotools returns an empty
     *     0x0 mask there)
     */
    public static RleMask merge(RleMask[] masks, boolean intersect) {
        if (masks.length == 0) {
            throw new IllegalArgumentException("merge: no masks given");
        }
        RleMask first = masks[0];
        int h = first.height();
        int w = first.width();
        if (masks.length == 1) {
            return first;
        }
        // A result run ends only where a run of either input ends, so the inputs' run counts bound the output
        // (pycocotools allocates h * w + 1 counts instead).
        int[] a0 = first.countsView();
        int m = a0.length;
        int[] cnts = a0;
        for (int i = 1; i < masks.length; i++) {
            RleMask bMask = masks[i];
            if (bMask.height() != h || bMask.width() != w) {
                throw new IllegalArgumentException("merge: mask #" + i + " is " + bMask.height() + "x" + bMask.width()
                        + ", mask #0 is " + h + "x" + w);
            }
            int[] aC = cnts;
            int aM = m;
            int[] bC = bMask.countsView();
            int bM = bC.length;
            int[] out = new int[aM + bM + 1];
            // The two run lists are walked together; a run of the result ends where its value changes.
            long ca = aM > 0 ? aC[0] : 0;
            long cb = bM > 0 ? bC[0] : 0;
            boolean v = false;
            boolean va = false;
            boolean vb = false;
            m = 0;
            int ia = 1;
            int ib = 1;
            long cc = 0;
            long ct = 1;
            while (ct > 0) {
                long c = Math.min(ca, cb);
                cc += c;
                ct = 0;
                ca -= c;
                if (ca == 0 && ia < aM) {
                    ca = aC[ia++];
                    va = !va;
                }
                ct += ca;
                cb -= c;
                if (cb == 0 && ib < bM) {
                    cb = bC[ib++];
                    vb = !vb;
                }
                ct += cb;
                boolean vp = v;
                v = intersect ? va && vb : va || vb;
                if (v != vp || ct == 0) {
                    out[m++] = (int) cc;
                    cc = 0;
                }
            }
            cnts = out;
        }
        return RleMask.trusted(h, w, Arrays.copyOf(cnts, m));
    }

    /**
     * pycocotools' {@code iou} between masks: {@code out[d * gt.length + g]} for detection {@code d} and ground
     * truth {@code g}. Pairs whose bounding boxes do not overlap get 0 without walking the runs; pairs of different
     * sizes get -1, as in pycocotools.
     *
     * @param crowd per ground truth, whether it is a crowd region (IoU = intersection / detection area)
     */
    public static void iou(RleMask[] dt, RleMask[] gt, boolean[] crowd, double[] out) {
        int nd = dt.length;
        int ng = gt.length;
        double[] db = new double[nd * 4];
        double[] gb = new double[ng * 4];
        for (int d = 0; d < nd; d++) {
            dt[d].toBbox(db, d * 4);
        }
        for (int g = 0; g < ng; g++) {
            gt[g].toBbox(gb, g * 4);
        }
        bboxIou(db, nd, gb, ng, crowd, out);
        for (int d = 0; d < nd; d++) {
            for (int g = 0; g < ng; g++) {
                int o = d * ng + g;
                if (out[o] > 0) {
                    out[o] = rleIou(dt[d], gt[g], crowd != null && crowd[g]);
                }
            }
        }
    }

    /** {@link #iou(RleMask[], RleMask[], boolean[], double[])} as a new {@code [dt][gt]} array. */
    public static double[][] iou(RleMask[] dt, RleMask[] gt, boolean[] crowd) {
        double[] flat = new double[dt.length * gt.length];
        iou(dt, gt, crowd, flat);
        return unflatten(flat, dt.length, gt.length);
    }

    /** Exact IoU of two masks by walking both run lists ({@code rleIou} without the box pre-check). */
    public static double rleIou(RleMask dt, RleMask gt, boolean crowd) {
        if (dt.height() != gt.height() || dt.width() != gt.width()) {
            return -1;
        }
        int[] a = dt.countsView();
        int[] b = gt.countsView();
        int ka = a.length;
        int kb = b.length;
        long ca = ka > 0 ? a[0] : 0;
        long cb = kb > 0 ? b[0] : 0;
        boolean va = false;
        boolean vb = false;
        int ia = 1;
        int ib = 1;
        long inter = 0;
        long union = 0;
        long ct = 1;
        while (ct > 0) {
            long c = Math.min(ca, cb);
            if (va || vb) {
                union += c;
                if (va && vb) {
                    inter += c;
                }
            }
            ct = 0;
            ca -= c;
            if (ca == 0 && ia < ka) {
                ca = a[ia++];
                va = !va;
            }
            ct += ca;
            cb -= c;
            if (cb == 0 && ib < kb) {
                cb = b[ib++];
                vb = !vb;
            }
            ct += cb;
        }
        if (inter == 0) {
            union = 1;
        } else if (crowd) {
            union = dt.area();
        }
        return (double) inter / (double) union;
    }

    /**
     * pycocotools' {@code bbIou} for boxes {@code [x, y, w, h]} packed 4 per box: {@code out[d * ng + g]}.
     *
     * @param crowd per ground truth (may be {@code null}: none is a crowd)
     */
    public static void bboxIou(double[] dt, int nd, double[] gt, int ng, boolean[] crowd, double[] out) {
        for (int g = 0; g < ng; g++) {
            int gi = g * 4;
            double gx = gt[gi];
            double gy = gt[gi + 1];
            double gw = gt[gi + 2];
            double gh = gt[gi + 3];
            double ga = gw * gh;
            boolean isCrowd = crowd != null && crowd[g];
            for (int d = 0; d < nd; d++) {
                int di = d * 4;
                double dx = dt[di];
                double dy = dt[di + 1];
                double dw = dt[di + 2];
                double dh = dt[di + 3];
                double da = dw * dh;
                int o = d * ng + g;
                out[o] = 0;
                double iw = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
                if (iw <= 0) {
                    continue;
                }
                double ih = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
                if (ih <= 0) {
                    continue;
                }
                double i = iw * ih;
                double u = isCrowd ? da : da + ga - i;
                out[o] = i / u;
            }
        }
    }

    /** {@link #bboxIou(double[], int, double[], int, boolean[], double[])} over {@code [n][4]} boxes. */
    public static double[][] bboxIou(double[][] dt, double[][] gt, boolean[] crowd) {
        double[] d = pack(dt);
        double[] g = pack(gt);
        double[] flat = new double[dt.length * gt.length];
        bboxIou(d, dt.length, g, gt.length, crowd, flat);
        return unflatten(flat, dt.length, gt.length);
    }

    private static double[] pack(double[][] boxes) {
        double[] p = new double[boxes.length * 4];
        for (int i = 0; i < boxes.length; i++) {
            if (boxes[i].length != 4) {
                throw new IllegalArgumentException("box #" + i + ": expected 4 values [x, y, w, h], found " + boxes[i].length);
            }
            System.arraycopy(boxes[i], 0, p, i * 4, 4);
        }
        return p;
    }

    private static double[][] unflatten(double[] flat, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }
}
