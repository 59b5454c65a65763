package dev.densepred.detection.eval;

import dev.densepred.datasets.coco.CocoCategories;
import dev.densepred.datasets.coco.CocoInstances;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link CocoEvaluator} computes: pycocotools' {@code eval['precision']} ({@code [T][R][K][A][M]}) and
 * {@code eval['recall']} ({@code [T][K][A][M]}), with categories in ascending id order, the 12 numbers of
 * {@code COCOeval.stats} and mmdetection's class-wise AP. Means use numpy's pairwise summation (see
 * {@link NumpyMath}), so they are bit-identical to pycocotools'.
 */
public final class CocoEvalResult {

    private static final String[] STAT_NAMES = {"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};

    private final IouType type;
    private final CocoEvalParams params;
    private final long[] categoryIds;
    private final String[] categoryNames;
    private final double[] precision;
    private final double[] recall;
    private final int nT;
    private final int nR;
    private final int nK;
    private final int nA;
    private final int nM;
    private final double[] stats;

    CocoEvalResult(CocoInstances gt, IouType type, CocoEvalParams params, double[] precision, double[] recall) {
        this.type = type;
        this.params = params;
        CocoCategories cats = gt.categories();
        this.nK = cats.size();
        this.categoryIds = cats.sortedIds();
        this.categoryNames = new String[nK];
        for (int k = 0; k < nK; k++) {
            categoryNames[k] = cats.name(cats.indexOfLabel(k));
        }
        this.precision = precision;
        this.recall = recall;
        this.nT = params.iouThrs().length;
        this.nR = params.recThrs().length;
        this.nA = params.areaRanges().length;
        this.nM = params.maxDets().length;
        this.stats = computeStats();
    }

    public IouType iouType() {
        return type;
    }

    public CocoEvalParams params() {
        return params;
    }

    /** Category ids in evaluation order (ascending), index {@code k} of the arrays. */
    public long[] categoryIds() {
        return categoryIds.clone();
    }

    /** The name of category {@code k} (evaluation order). */
    public String categoryName(int k) {
        return categoryNames[k];
    }

    /** {@code eval['precision'][t, r, k, a, m]}; -1 where the category has no non-ignored ground truth. */
    public double precision(int t, int r, int k, int a, int m) {
        return precision[(((t * nR + r) * nK + k) * nA + a) * nM + m];
    }

    /** {@code eval['recall'][t, k, a, m]}. */
    public double recall(int t, int k, int a, int m) {
        return recall[((t * nK + k) * nA + a) * nM + m];
    }

    /**
     * {@code COCOeval.stats}: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl; -1 where nothing is
     * valid.
     */
    public double[] stats() {
        return stats.clone();
    }

    /**
     * mmdetection's class-wise AP of category {@code k}: the mean of {@code precision[:, :, k, area, -1]} over the
     * entries &gt; -1, at IoU threshold index {@code t} (or all thresholds when {@code t < 0}); NaN when no entry is
     * valid (a category without non-ignored ground truth).
     */
    public double categoryAp(int k, int t, int area) {
        double[] v = new double[nT * nR];
        int n = 0;
        for (int ti = t < 0 ? 0 : t; ti < (t < 0 ? nT : t + 1); ti++) {
            for (int r = 0; r < nR; r++) {
                double p = precision(ti, r, k, area, nM - 1);
                if (p > -1) {
                    v[n++] = p;
                }
            }
        }
        return n == 0 ? Double.NaN : NumpyMath.mean(v, n);
    }

    /** {@link #categoryAp} over all IoU thresholds and area {@code all}: the value of mmdetection's table. */
    public double categoryAp(int k) {
        return categoryAp(k, -1, 0);
    }

    /** The 12 lines {@code COCOeval.summarize()} prints, formatted exactly as pycocotools formats them. */
    public List<String> summaryLines() {
        int[] maxDets = params.maxDets();
        int last = maxDets[maxDets.length - 1];
        List<String> lines = new ArrayList<>(12);
        lines.add(line(true, null, "all", 100, stats[0]));
        lines.add(line(true, .5, "all", last, stats[1]));
        lines.add(line(true, .75, "all", last, stats[2]));
        lines.add(line(true, null, "small", last, stats[3]));
        lines.add(line(true, null, "medium", last, stats[4]));
        lines.add(line(true, null, "large", last, stats[5]));
        lines.add(line(false, null, "all", maxDets[0], stats[6]));
        lines.add(line(false, null, "all", maxDets[Math.min(1, maxDets.length - 1)], stats[7]));
        lines.add(line(false, null, "all", last, stats[8]));
        lines.add(line(false, null, "small", last, stats[9]));
        lines.add(line(false, null, "medium", last, stats[10]));
        lines.add(line(false, null, "large", last, stats[11]));
        return lines;
    }

    /**
     * mmdetection's class-wise table: per category its AP, AP50, AP75, APs, APm, APl to 3 decimals, {@code nan}
     * where a value has no valid entry.
     */
    public List<String> categoryTable() {
        int t50 = indexOf(params.iouThrs(), .5);
        int t75 = indexOf(params.iouThrs(), .75);
        String[] labels = params.areaLabels();
        int width = "category".length();
        for (String name : categoryNames) {
            width = Math.max(width, name.length());
        }
        List<String> out = new ArrayList<>(nK + 1);
        String fmt = "%-" + width + "s %7s %7s %7s %7s %7s %7s";
        out.add(String.format(Locale.ROOT, fmt, "category", "mAP", "mAP_50", "mAP_75", "mAP_s", "mAP_m", "mAP_l"));
        for (int k = 0; k < nK; k++) {
            out.add(String.format(Locale.ROOT, fmt, categoryNames[k], fixed3(categoryAp(k)),
                    t50 < 0 ? "nan" : fixed3(categoryAp(k, t50, 0)), t75 < 0 ? "nan" : fixed3(categoryAp(k, t75, 0)),
                    areaAp(k, labels, "small"), areaAp(k, labels, "medium"), areaAp(k, labels, "large")));
        }
        return out;
    }

    /** Names of the 12 stats, in order. */
    public static List<String> statNames() {
        return List.of(STAT_NAMES);
    }

    /**
     * Python's {@code '{:0.3f}'.format(v)}: the exact binary value rounded half-even to 3 decimals ({@code -1}
     * prints as {@code -1.000}); {@code nan} for NaN.
     */
    public static String fixed3(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        return new BigDecimal(v).setScale(3, RoundingMode.HALF_EVEN).toPlainString();
    }

    private String areaAp(int k, String[] labels, String label) {
        int a = indexOf(labels, label);
        return a < 0 ? "nan" : fixed3(categoryAp(k, -1, a));
    }

    private String line(boolean ap, Double iouThr, String area, int maxDet, double value) {
        double[] thrs = params.iouThrs();
        String iou = iouThr == null ? String.format(Locale.ROOT, "%s:%s", fixed2(thrs[0]), fixed2(thrs[thrs.length - 1])) : fixed2(iouThr);
        return String.format(Locale.ROOT, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %s",
                ap ? "Average Precision" : "Average Recall", ap ? "(AP)" : "(AR)", iou, area, maxDet, fixed3(value));
    }

    private static String fixed2(double v) {
        return new BigDecimal(v).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }

    private double[] computeStats() {
        int[] maxDets = params.maxDets();
        int last = maxDets[maxDets.length - 1];
        double[] s = new double[12];
        s[0] = summarize(true, null, "all", 100);
        s[1] = summarize(true, .5, "all", last);
        s[2] = summarize(true, .75, "all", last);
        s[3] = summarize(true, null, "small", last);
        s[4] = summarize(true, null, "medium", last);
        s[5] = summarize(true, null, "large", last);
        s[6] = summarize(false, null, "all", maxDets[0]);
        s[7] = summarize(false, null, "all", maxDets[Math.min(1, maxDets.length - 1)]);
        s[8] = summarize(false, null, "all", last);
        s[9] = summarize(false, null, "small", last);
        s[10] = summarize(false, null, "medium", last);
        s[11] = summarize(false, null, "large", last);
        return s;
    }

    /**
     * {@code COCOeval.summarize._summarize}: the mean of the selected precision (or recall) entries &gt; -1, taken
     * in numpy's C order ({@code t, r, k} or {@code t, k}); -1 when there is none.
     */
    private double summarize(boolean ap, Double iouThr, String areaLabel, int maxDet) {
        int a = indexOf(params.areaLabels(), areaLabel);
        int m = -1;
        int[] maxDets = params.maxDets();
        for (int i = 0; i < maxDets.length; i++) {
            if (maxDets[i] == maxDet) {
                m = i;
                break;
            }
        }
        int t0 = 0;
        int t1 = nT;
        if (iouThr != null) {
            int t = indexOf(params.iouThrs(), iouThr);
            t0 = t < 0 ? 0 : t;
            t1 = t < 0 ? 0 : t + 1;
        }
        if (a < 0 || m < 0) {
            return -1;
        }
        double[] v = new double[(t1 - t0) * (ap ? nR : 1) * nK];
        int n = 0;
        for (int t = t0; t < t1; t++) {
            for (int r = 0; r < (ap ? nR : 1); r++) {
                for (int k = 0; k < nK; k++) {
                    double x = ap ? precision(t, r, k, a, m) : recall(t, k, a, m);
                    if (x > -1) {
                        v[n++] = x;
                    }
                }
            }
        }
        return n == 0 ? -1 : NumpyMath.mean(v, n);
    }

    private static int indexOf(double[] values, double v) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(String[] values, String v) {
        for (int i = 0; i < values.length; i++) {
            if (values[i].equals(v)) {
                return i;
            }
        }
        return -1;
    }
}
