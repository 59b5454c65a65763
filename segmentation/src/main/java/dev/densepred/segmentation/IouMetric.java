package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * mmsegmentation 1.x's {@code IoUMetric} with {@code iou_metrics=['mIoU']}: for every image, over the pixels whose
 * label is not the ignore index, per-class histograms of intersection ({@code pred == label}), prediction and
 * label; summed over the dataset (not averaged per image); then {@code IoU = I / (P + L - I)},
 * {@code Acc = I / L} per class (0/0 is NaN), {@code aAcc = sum(I) / sum(L)}, and {@code mIoU}, {@code mAcc} as
 * NaN-excluding means. Counts are exact 64-bit integers (mmseg accumulates float32, exact below 2^24 per class).
 *
 * <p>{@link #summary()} reports as mmseg's {@code compute_metrics}: percentages rounded to two decimals
 * ({@code np.round(np.nanmean(v) * 100, 2)}). A label outside {@code [0, C)} other than the ignore index, or a
 * prediction outside {@code [0, C)}, is refused (mmseg's histograms would silently drop it).
 */
public final class IouMetric {

    private final List<String> classNames;
    private final int numClasses;
    private final int ignoreIndex;
    private final long[] intersect;
    private final long[] predLabel;
    private final long[] label;
    private long images;

    /** A metric over {@code classNames.size()} classes with ignore index 255. */
    public IouMetric(List<String> classNames) {
        this(classNames, 255);
    }

    public IouMetric(List<String> classNames, int ignoreIndex) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("need at least one class name");
        }
        this.classNames = List.copyOf(classNames);
        this.numClasses = classNames.size();
        if (ignoreIndex >= 0 && ignoreIndex < numClasses) {
            throw new IllegalArgumentException("ignore_index " + ignoreIndex + " is a class index (0.." + (numClasses - 1) + ")");
        }
        this.ignoreIndex = ignoreIndex;
        this.intersect = new long[numClasses];
        this.predLabel = new long[numClasses];
        this.label = new long[numClasses];
    }

    public int numClasses() {
        return numClasses;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Number of images added. */
    public synchronized long imageCount() {
        return images;
    }

    /**
     * Adds one image: predicted and ground-truth labels of the same pixels in the same order (the ground truth
     * already reduced, ignore index where unlabelled).
     */
    public void add(int[] pred, int[] gt) {
        if (pred.length != gt.length) {
            throw new IllegalArgumentException("prediction has " + pred.length + " pixels, label " + gt.length);
        }
        long[] i = new long[numClasses];
        long[] p = new long[numClasses];
        long[] l = new long[numClasses];
        for (int k = 0; k < pred.length; k++) {
            int g = gt[k];
            if (g == ignoreIndex) {
                continue;
            }
            int q = pred[k];
            if (g < 0 || g >= numClasses) {
                throw new IllegalArgumentException("label " + g + " at pixel " + k + " is neither a class (0.."
                        + (numClasses - 1) + ") nor the ignore index " + ignoreIndex);
            }
            if (q < 0 || q >= numClasses) {
                throw new IllegalArgumentException("prediction " + q + " at pixel " + k + " is not a class (0.." + (numClasses - 1) + ")");
            }
            p[q]++;
            l[g]++;
            if (q == g) {
                i[g]++;
            }
        }
        synchronized (this) {
            for (int c = 0; c < numClasses; c++) {
                intersect[c] += i[c];
                predLabel[c] += p[c];
                label[c] += l[c];
            }
            images++;
        }
    }

    /** Adds one image from {@code [H, W]} integer label maps (any integer dtype; copied to the host). */
    public void add(NDArray pred, NDArray gt) {
        if (!pred.getShape().equals(gt.getShape())) {
            throw new IllegalArgumentException("prediction shape " + pred.getShape() + " differs from label shape " + gt.getShape());
        }
        add(pred.toType(DataType.INT32, false).toIntArray(), gt.toType(DataType.INT32, false).toIntArray());
    }

    public synchronized long[] totalAreaIntersect() {
        return intersect.clone();
    }

    /** {@code P + L - I} per class. */
    public synchronized long[] totalAreaUnion() {
        long[] u = new long[numClasses];
        for (int c = 0; c < numClasses; c++) {
            u[c] = predLabel[c] + label[c] - intersect[c];
        }
        return u;
    }

    public synchronized long[] totalAreaPredLabel() {
        return predLabel.clone();
    }

    public synchronized long[] totalAreaLabel() {
        return label.clone();
    }

    /** Per-class IoU as a fraction, NaN for a class neither predicted nor labelled. */
    public double[] iou() {
        return ratio(totalAreaIntersect(), totalAreaUnion());
    }

    /** Per-class accuracy as a fraction, NaN for a class never labelled. */
    public double[] acc() {
        return ratio(totalAreaIntersect(), totalAreaLabel());
    }

    /** Overall pixel accuracy as a fraction (NaN before any labelled pixel). */
    public double aAcc() {
        long i = 0;
        long l = 0;
        for (long v : totalAreaIntersect()) {
            i += v;
        }
        for (long v : totalAreaLabel()) {
            l += v;
        }
        return (double) i / l;
    }

    /** Mean IoU over the classes whose IoU is not NaN, as a fraction. */
    public double mIoU() {
        return nanMean(iou());
    }

    /** Mean accuracy over the classes whose accuracy is not NaN, as a fraction. */
    public double mAcc() {
        return nanMean(acc());
    }

    /**
     * mmseg's returned metrics: {@code aAcc}, {@code mIoU}, {@code mAcc} in percent rounded to two decimals (half to
     * even, as {@code np.round}).
     */
    public Map<String, Double> summary() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("aAcc", percent(aAcc()));
        out.put("mIoU", percent(mIoU()));
        out.put("mAcc", percent(mAcc()));
        return out;
    }

    /** The per-class table mmseg logs: class name, IoU and Acc in percent (two decimals, {@code nan} when NaN). */
    public String table() {
        double[] iou = iou();
        double[] acc = acc();
        int width = "Class".length();
        for (String n : classNames) {
            width = Math.max(width, n.length());
        }
        String rowFormat = "| %-" + width + "s | %6s | %6s |%n";
        StringBuilder sb = new StringBuilder();
        String rule = "+" + "-".repeat(width + 2) + "+--------+--------+" + System.lineSeparator();
        sb.append(rule).append(String.format(Locale.ROOT, rowFormat, "Class", "IoU", "Acc")).append(rule);
        for (int c = 0; c < numClasses; c++) {
            sb.append(String.format(Locale.ROOT, rowFormat, classNames.get(c), format(iou[c]), format(acc[c])));
        }
        return sb.append(rule).toString();
    }

    /** {@code np.round(x * 100, 2)}: numpy scales by 10^2, rounds half to even and scales back. */
    static double percent(double fraction) {
        return Math.rint(fraction * 100 * 100) / 100;
    }

    private static String format(double fraction) {
        return Double.isNaN(fraction) ? "nan" : String.format(Locale.ROOT, "%.2f", percent(fraction));
    }

    private static double[] ratio(long[] num, long[] den) {
        double[] r = new double[num.length];
        for (int c = 0; c < num.length; c++) {
            r[c] = (double) num[c] / den[c];
        }
        return r;
    }

    private static double nanMean(double[] v) {
        double sum = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                sum += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
