package dev.densepred.detection.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * Encodes ground-truth boxes as deltas from proposals and decodes them back: mmdetection's
 * {@code DeltaXYWHBBoxCoder} ({@code bbox2delta} / {@code delta2bbox}), with the same float32 operation order.
 *
 * <p>Deltas are {@code ((dx, dy, dw, dh) - means) / stds} with {@code dx = (gx - px) / pw},
 * {@code dw = log(gw / pw)}, centres {@code (x1 + x2) * 0.5}. Decoding clamps {@code dw, dh} to
 * {@code [-log(1000/16), +log(1000/16)]} on both sides, as mmdetection does; torchvision's {@code BoxCoder} clamps
 * only the upper side, so very negative size deltas decode to larger boxes here than there. With an image size
 * and {@code clip_border}, decoded boxes are clamped to the image (mmdetection's {@code max_shape}).
 */
public final class DeltaXywhCoder {

    /**
     * Settings, named as mmdetection's constructor arguments.
     *
     * @param targetMeans four means subtracted from the raw deltas
     * @param targetStds four (positive) standard deviations the deltas are divided by
     * @param clipBorder whether {@link #decode} clamps to the image when given one
     * @param whRatioClip the size-delta clamp is {@code |log(wh_ratio_clip)|}; 16/1000 gives log(1000/16)
     */
    public record Config(List<Double> targetMeans, List<Double> targetStds, boolean clipBorder, double whRatioClip) {

        public Config {
            targetMeans = List.copyOf(targetMeans);
            targetStds = List.copyOf(targetStds);
            if (targetMeans.size() != 4 || targetStds.size() != 4) {
                throw new IllegalArgumentException("target_means and target_stds need 4 values each, found "
                        + targetMeans.size() + " and " + targetStds.size());
            }
            for (double s : targetStds) {
                if (!(s > 0)) {
                    throw new IllegalArgumentException("target_stds must be positive, found " + targetStds);
                }
            }
            if (!(whRatioClip > 0 && whRatioClip < 1)) {
                throw new IllegalArgumentException("wh_ratio_clip must be in (0, 1), found " + whRatioClip);
            }
        }

        /** mmdetection's defaults: means 0, stds 1, clip to the border, ratio clip 16/1000. */
        public static Config defaults() {
            return new Config(List.of(0.0, 0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0, 1.0), true, 16.0 / 1000.0);
        }
    }

    private final Config config;
    private final float[] means;
    private final float[] stds;
    private final double maxRatio;

    public DeltaXywhCoder(Config config) {
        this.config = config;
        this.means = toFloats(config.targetMeans());
        this.stds = toFloats(config.targetStds());
        this.maxRatio = Math.abs(Math.log(config.whRatioClip()));
    }

    public Config config() {
        return config;
    }

    /** The clamp applied to decoded {@code dw, dh} (log(1000/16) = 4.1352 by default). */
    public double maxRatio() {
        return maxRatio;
    }

    /**
     * Deltas that turn {@code proposals} into {@code gt}, row by row: {@code [N, 4]} and {@code [N, 4]} to
     * {@code [N, 4]}.
     */
    public NDArray encode(NDArray proposals, NDArray gt) {
        BoxOps.checkBoxes("proposals", proposals);
        BoxOps.checkBoxes("gt", gt);
        if (proposals.getShape().get(0) != gt.getShape().get(0)) {
            throw new IllegalArgumentException("encode: proposals " + proposals.getShape() + " and gt " + gt.getShape()
                    + " must have the same number of rows");
        }
        NDArray px = proposals.get(":, 0").add(proposals.get(":, 2")).mul(0.5f);
        NDArray py = proposals.get(":, 1").add(proposals.get(":, 3")).mul(0.5f);
        NDArray pw = proposals.get(":, 2").sub(proposals.get(":, 0"));
        NDArray ph = proposals.get(":, 3").sub(proposals.get(":, 1"));
        NDArray gx = gt.get(":, 0").add(gt.get(":, 2")).mul(0.5f);
        NDArray gy = gt.get(":, 1").add(gt.get(":, 3")).mul(0.5f);
        NDArray gw = gt.get(":, 2").sub(gt.get(":, 0"));
        NDArray gh = gt.get(":, 3").sub(gt.get(":, 1"));
        NDArray deltas = NDArrays.stack(new NDList(
                gx.sub(px).div(pw), gy.sub(py).div(ph), gw.div(pw).log(), gh.div(ph).log()), 1);
        NDManager m = deltas.getManager();
        return deltas.sub(row(m, means)).div(row(m, stds));
    }

    /**
     * Boxes from {@code rois} ({@code [N, 4]}) and {@code deltas} ({@code [N, 4k]}, k boxes per roi, e.g. one per
     * class), as {@code [N, 4k]}. With a non-null {@code maxShape} and {@code clip_border}, x is clamped to
     * {@code [0, width]} and y to {@code [0, height]}.
     */
    public NDArray decode(NDArray rois, NDArray deltas, ImageSize maxShape) {
        BoxOps.checkBoxes("rois", rois);
        Shape ds = deltas.getShape();
        long n = rois.getShape().get(0);
        if (ds.dimension() != 2 || ds.get(0) != n || ds.get(1) % 4 != 0 || ds.get(1) == 0) {
            throw new IllegalArgumentException("decode: deltas must be [N, 4k] with N = " + n + " rois, found " + ds);
        }
        if (n == 0) {
            return deltas.duplicate();
        }
        long k = ds.get(1) / 4;
        NDManager m = deltas.getManager();
        // [N, 4k] -> [N*k, 4]; rois repeated per class in the same order.
        NDArray denorm = deltas.reshape(n * k, 4).mul(row(m, stds)).add(row(m, means));
        NDArray r = k == 1 ? rois : rois.tile(new long[] {1, k}).reshape(n * k, 4);
        NDArray pxy = r.get(":, :2").add(r.get(":, 2:")).mul(0.5f);
        NDArray pwh = r.get(":, 2:").sub(r.get(":, :2"));
        NDArray dxyWh = denorm.get(":, :2").mul(pwh);
        NDArray dwh = denorm.get(":, 2:").clip(-maxRatio, maxRatio);
        NDArray gxy = dxyWh.add(pxy);
        NDArray half = dwh.exp().mul(pwh).mul(0.5f);
        NDArray boxes = gxy.sub(half).concat(gxy.add(half), 1);
        if (config.clipBorder() && maxShape != null) {
            boxes = BoxOps.clip(boxes, maxShape);
        }
        return boxes.reshape(n, 4 * k);
    }

    private static NDArray row(NDManager m, float[] values) {
        return m.create(values, new Shape(1, 4));
    }

    private static float[] toFloats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }
}
