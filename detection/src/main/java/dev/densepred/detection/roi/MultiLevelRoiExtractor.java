package dev.densepred.detection.roi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * RoI features from an FPN: mmdetection's {@code SingleRoIExtractor}. Each RoI is pooled from one level,
 * {@code level = clamp(floor(log2(sqrt(w * h) / finest_scale + 1e-6)), 0, L - 1)} (finest_scale 56: RoIs under
 * 112 px go to stride 4, 112-224 to stride 8, ...), at scale 1 / stride, with {@link RoiAlign}. Output rows are in
 * input order. A RoI whose level is undefined (negative area gives NaN) pools to zeros, as in the reference.
 *
 * <p>The level mapping runs on the device with the reference's float32 operations; the levels and the RoIs then
 * cross to the host (two bulk copies of R and 5R numbers) to build one sampling matrix over all levels, so the
 * pooling is one sparse product whose rows are already in input order.
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
            Shape s = features.get(l).getShape();
            if (s.get(1) != config.outChannels() || s.get(0) != features.get(0).getShape().get(0)
                    || features.get(l).getDataType() != features.get(0).getDataType()) {
                throw new IllegalArgumentException("features[" + l + "]: expected " + config.outChannels() + " channels and the batch size and dtype of features[0] "
                        + features.get(0).getDataType() + " " + features.get(0).getShape() + ", found " + features.get(l).getDataType() + " " + s);
            }
        }
        long[] roiLevels = mapRoiLevels(rois).toLongArray();
        int[] levelOf = new int[roiLevels.length];
        for (int i = 0; i < levelOf.length; i++) {
            // NaN levels (negative areas) convert to a huge negative number, which pools to zeros
            levelOf[i] = roiLevels[i] >= 0 && roiLevels[i] < levels ? (int) roiLevels[i] : -1;
        }
        double[] scales = new double[levels];
        for (int l = 0; l < levels; l++) {
            scales[l] = 1.0 / config.featmapStrides().get(l);
        }
        return roiAlign.pool(features, rois.toFloatArray(), levelOf, scales);
    }
}
