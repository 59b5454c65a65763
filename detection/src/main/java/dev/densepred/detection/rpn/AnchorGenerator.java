package dev.densepred.detection.rpn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.box.ImageSize;

import java.util.ArrayList;
import java.util.List;

/**
 * Anchors over FPN levels, mmdetection's {@code AnchorGenerator} ({@code grid_priors}, {@code valid_flags}).
 *
 * <p>Each level has {@code A = ratios x scales} base anchors centred at {@code center_offset * base_size}, with
 * {@code w = base_size * (1 / sqrt(ratio)) * scale} and {@code h = base_size * sqrt(ratio) * scale} in float32
 * (ratio-major order when {@code scale_major}). They are computed once, on the host, in the reference's float32
 * operation order. A level's anchors are the base anchors plus one broadcast shift {@code (x*stride, y*stride)};
 * rows are ordered location by location, row-major over (y, x), and the A anchors of one location are
 * consecutive: row {@code (y * W + x) * A + a}.
 */
public final class AnchorGenerator {

    /**
     * Settings, named as mmdetection's arguments.
     *
     * @param strides one stride per level (square)
     * @param ratios height / width ratios
     * @param scales anchor sizes in units of the base size
     * @param baseSizes one base size per level; empty means the strides
     * @param scaleMajor whether anchors are ordered ratio-major (mmdetection's default)
     * @param centerOffset anchor centre within a cell, in units of the base size (mmdetection: 0)
     */
    public record Config(
            List<Integer> strides, List<Double> ratios, List<Double> scales, List<Integer> baseSizes, boolean scaleMajor, double centerOffset) {

        public Config {
            strides = List.copyOf(strides);
            ratios = List.copyOf(ratios);
            scales = List.copyOf(scales);
            baseSizes = List.copyOf(baseSizes);
            if (strides.isEmpty() || ratios.isEmpty() || scales.isEmpty()) {
                throw new IllegalArgumentException("anchor generator needs strides, ratios and scales, found " + strides + ", "
                        + ratios + ", " + scales);
            }
            if (!baseSizes.isEmpty() && baseSizes.size() != strides.size()) {
                throw new IllegalArgumentException("base_sizes " + baseSizes + " must have one value per stride " + strides);
            }
        }

        /** Mask R-CNN's RPN anchors: strides 4-64, ratios 0.5/1/2, scale 8, centre offset 0. */
        public static Config defaults() {
            return new Config(List.of(4, 8, 16, 32, 64), List.of(0.5, 1.0, 2.0), List.of(8.0), List.of(), true, 0.0);
        }
    }

    private final Config config;
    private final float[][] baseAnchors;

    public AnchorGenerator(Config config) {
        this.config = config;
        int levels = config.strides().size();
        this.baseAnchors = new float[levels][];
        for (int l = 0; l < levels; l++) {
            int baseSize = config.baseSizes().isEmpty() ? config.strides().get(l) : config.baseSizes().get(l);
            baseAnchors[l] = computeBaseAnchors(baseSize);
        }
    }

    public Config config() {
        return config;
    }

    public int numLevels() {
        return baseAnchors.length;
    }

    /** Anchors per location, A. */
    public int numBaseAnchors() {
        return config.ratios().size() * config.scales().size();
    }

    /** The zero-shift anchors of {@code level}, {@code [A * 4]} xyxy. */
    public float[] baseAnchors(int level) {
        return baseAnchors[level].clone();
    }

    /**
     * Anchors of every level for feature maps of the given {@code (height, width)} sizes, each {@code [H*W*A, 4]}.
     */
    public List<NDArray> gridPriors(NDManager manager, List<int[]> featmapSizes) {
        checkLevels(featmapSizes);
        List<NDArray> out = new ArrayList<>(featmapSizes.size());
        for (int l = 0; l < featmapSizes.size(); l++) {
            out.add(levelPriors(manager, l, featmapSizes.get(l)[0], featmapSizes.get(l)[1]));
        }
        return out;
    }

    /** Anchors of one level, {@code [H*W*A, 4]}. */
    public NDArray levelPriors(NDManager manager, int level, int height, int width) {
        float stride = config.strides().get(level);
        int a = numBaseAnchors();
        NDArray shiftX = manager.arange(0f, width, 1f, DataType.FLOAT32).mul(stride); // [W]
        NDArray shiftY = manager.arange(0f, height, 1f, DataType.FLOAT32).mul(stride); // [H]
        NDArray xx = shiftX.expandDims(0).broadcast(new Shape(height, width));
        NDArray yy = shiftY.expandDims(1).broadcast(new Shape(height, width));
        NDArray shifts = NDArrays.stack(new NDList(xx, yy, xx, yy), 2).expandDims(2); // [H, W, 1, 4]
        NDArray base = manager.create(baseAnchors[level], new Shape(1, 1, a, 4));
        return shifts.add(base).reshape((long) height * width * a, 4); // [H, W, A, 4] -> [H*W*A, 4]
    }

    /**
     * Per level, whether each anchor's location lies inside the image's padded area {@code padShape} (the rest of
     * the batch padding is invalid): boolean {@code [H*W*A]}.
     */
    public List<NDArray> validFlags(NDManager manager, List<int[]> featmapSizes, ImageSize padShape) {
        checkLevels(featmapSizes);
        List<NDArray> out = new ArrayList<>(featmapSizes.size());
        for (int l = 0; l < featmapSizes.size(); l++) {
            out.add(levelValidFlags(manager, l, featmapSizes.get(l)[0], featmapSizes.get(l)[1], padShape));
        }
        return out;
    }

    /** Valid flags of one level, boolean {@code [H*W*A]}. */
    public NDArray levelValidFlags(NDManager manager, int level, int height, int width, ImageSize padShape) {
        double stride = config.strides().get(level);
        int validH = (int) Math.min(Math.ceil(padShape.height() / stride), height);
        int validW = (int) Math.min(Math.ceil(padShape.width() / stride), width);
        NDArray vx = manager.arange(0, width, 1, DataType.INT32).lt(validW).expandDims(0); // [1, W]
        NDArray vy = manager.arange(0, height, 1, DataType.INT32).lt(validH).expandDims(1); // [H, 1]
        NDArray valid = vy.logicalAnd(vx).expandDims(2); // [H, W, 1]
        return valid.broadcast(new Shape(height, width, numBaseAnchors())).reshape((long) height * width * numBaseAnchors());
    }

    private void checkLevels(List<int[]> featmapSizes) {
        if (featmapSizes.size() != numLevels()) {
            throw new IllegalArgumentException("anchor generator has " + numLevels() + " levels (strides " + config.strides()
                    + "), found " + featmapSizes.size() + " feature map sizes");
        }
    }

    /** mmdetection's {@code gen_single_level_base_anchors}, in its float32 operation order. */
    private float[] computeBaseAnchors(int baseSize) {
        List<Double> ratios = config.ratios();
        List<Double> scales = config.scales();
        float w = baseSize;
        float xCenter = (float) (config.centerOffset() * baseSize);
        float yCenter = xCenter;
        float[] out = new float[4 * ratios.size() * scales.size()];
        int i = 0;
        int outer = config.scaleMajor() ? ratios.size() : scales.size();
        int inner = config.scaleMajor() ? scales.size() : ratios.size();
        for (int o = 0; o < outer; o++) {
            for (int n = 0; n < inner; n++) {
                float ratio = (config.scaleMajor() ? ratios.get(o) : ratios.get(n)).floatValue();
                float scale = (config.scaleMajor() ? scales.get(n) : scales.get(o)).floatValue();
                float hRatio = (float) Math.sqrt(ratio);
                float wRatio = 1f / hRatio;
                // ws = w * w_ratios[:, None] * scales[None, :] (scale-major) or w * scales[:, None] * w_ratios[None, :]
                float ws = config.scaleMajor() ? w * wRatio * scale : w * scale * wRatio;
                float hs = config.scaleMajor() ? w * hRatio * scale : w * scale * hRatio;
                out[i++] = xCenter - 0.5f * ws;
                out[i++] = yCenter - 0.5f * hs;
                out[i++] = xCenter + 0.5f * ws;
                out[i++] = yCenter + 0.5f * hs;
            }
        }
        return out;
    }
}
