package dev.densepred.detection.roi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * RoI features from an FPN: mmdetection's {@code SingleRoIExtractor}. Each RoI is pooled from one level,
 * {@code level = clamp(floor(log2(sqrt(w * h) / finest_scale + 1e-6)), 0, L - 1)} (finest_scale 56: RoIs under
 * 112 px go to stride 4, 112-224 to stride 8, ...), at scale 1 / stride, with {@link RoiAlign}. Output rows are in
 * input order. A RoI whose level is undefined (negative area gives NaN) pools to zeros, as in the reference.
 *
 * <p>The level mapping runs on the device with the reference's float32 operations, then the levels and the RoIs
 * cross to the host once (two bulk copies of R and 5R numbers) to build each level's sampling matrix.
 */
public final class MultiLevelRoiExtractor {

    /**
     * Settings, named as mmdetection's arguments.
     *
     * @param roiLayer the RoIAlign of every level
     * @param outChannels channels of every feature level
     * @param featmapStrides one stride per level, finest first
     * @param finestScale the RoI size mapped to the first level's upper bound / 2
     */
    public record Config(RoiAlign.Config roiLayer, int outChannels, List<Integer> featmapStrides, int finestScale) {

        public Config {
            featmapStrides = List.copyOf(featmapStrides);
            if (featmapStrides.isEmpty() || outChannels <= 0 || finestScale <= 0) {
                throw new IllegalArgumentException("RoI extractor needs strides, out_channels > 0 and finest_scale > 0, found "
                        + featmapStrides + ", " + outChannels + ", " + finestScale);
            }
        }

        /** Mask R-CNN's box extractor: RoIAlign 7x7 adaptive aligned, 256 channels, strides 4-32, finest scale 56. */
        public static Config defaults() {
            return new Config(RoiAlign.Config.defaults(), 256, List.of(4, 8, 16, 32), 56);
        }
    }

    private final Config config;
    private final RoiAlign roiAlign;

    public MultiLevelRoiExtractor(Config config) {
        this.config = config;
        this.roiAlign = new RoiAlign(config.roiLayer());
    }

    public Config config() {
        return config;
    }

    /** The level of each RoI ({@code [R, 5]}), int64 {@code [R]}, mmdetection's {@code map_roi_levels}. */
    public NDArray mapRoiLevels(NDArray rois) {
        RoiAlign.checkRois(rois);
        NDArray scale = rois.get(":, 3").sub(rois.get(":, 1")).mul(rois.get(":, 4").sub(rois.get(":, 2"))).sqrt();
        NDArray level = scale.div((float) config.finestScale()).add(1e-6f).log2().floor();
        return level.clip(0, config.featmapStrides().size() - 1).toType(DataType.INT64, false);
    }

    /**
     * Pools {@code rois} ({@code [R, 5]} rows {@code batch, x1, y1, x2, y2}) from {@code features} (one
     * {@code [B, C, H_l, W_l]} map per stride): {@code [R, C, out, out]} in the features' dtype.
     */
    public NDArray forward(List<NDArray> features, NDArray rois) {
        int levels = config.featmapStrides().size();
        if (features.size() != levels) {
            throw new IllegalArgumentException("RoI extractor has " + levels + " levels (strides " + config.featmapStrides()
                    + "), found " + features.size() + " feature maps");
        }
        for (int l = 0; l < levels; l++) {
            RoiAlign.checkFeatures("features[" + l + "]", features.get(l));
            long c = features.get(l).getShape().get(1);
            if (c != config.outChannels()) {
                throw new IllegalArgumentException("features[" + l + "]: expected " + config.outChannels() + " channels, found "
                        + c + " in " + features.get(l).getShape());
            }
        }
        long[] roiLevels = mapRoiLevels(rois).toLongArray();
        float[] host = rois.toFloatArray();
        int count = roiLevels.length;
        int out = config.roiLayer().outputSize();
        NDArray first = features.get(0);
        if (count == 0) {
            return first.getManager().zeros(new Shape(0, config.outChannels(), out, out), first.getDataType());
        }
        // Pool level by level, then put the rows back in input order with one gather.
        NDList parts = new NDList();
        long[] sourceRow = new long[count];
        int done = 0;
        for (int l = -1; l < levels; l++) {
            int n = 0;
            for (long v : roiLevels) {
                n += matches(v, l, levels) ? 1 : 0;
            }
            if (n == 0) {
                continue;
            }
            float[] subset = new float[5 * n];
            int j = 0;
            for (int i = 0; i < count; i++) {
                if (matches(roiLevels[i], l, levels)) {
                    System.arraycopy(host, 5 * i, subset, 5 * j, 5);
                    sourceRow[i] = done + j;
                    j++;
                }
            }
            parts.add(l < 0
                    ? first.getManager().zeros(new Shape(n, config.outChannels(), out, out), first.getDataType())
                    : roiAlign.forward(features.get(l), subset, 1.0 / config.featmapStrides().get(l)));
            done += n;
        }
        NDArray pooled = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
        NDManager m = pooled.getManager();
        return pooled.get(m.create(sourceRow));
    }

    /** Level {@code l} of the loop, where -1 collects RoIs whose level is outside {@code [0, levels)}. */
    private static boolean matches(long level, int l, int levels) {
        return l < 0 ? (level < 0 || level >= levels) : level == l;
    }
}
