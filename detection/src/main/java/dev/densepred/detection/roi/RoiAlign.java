package dev.densepred.detection.roi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.List;

/**
 * RoIAlign, average mode: {@code torchvision.ops.roi_align} and mmcv's {@code RoIAlign} (the layer mmdetection's
 * RoI extractors use), aligned or not, with a fixed or adaptive ({@code sampling_ratio = 0}) sampling grid.
 *
 * <p>The JNI has no roi_align kernel, so the layer is one sparse matrix product: the RoIs' bilinear sampling
 * weights form a {@code [R*P*P, B*H*W]} matrix (built on the host from the RoI coordinates, see
 * {@link SamplingMatrix}), multiplied by the channels-last feature map {@code [B*H*W, C]}. The product is PyTorch's
 * sparse-dense matmul, so gradients flow to the features (the backward is the transposed product) and not to the
 * RoIs, as in the reference. Float16 features give float16 weights and a float16 result.
 *
 * <p>The RoI coordinates cross to the host once per call (one bulk copy of {@code R x 5} floats).
 */
public final class RoiAlign {

    /**
     * Settings, named as mmcv's {@code RoIAlign} arguments (mmdetection's {@code roi_layer}); the spatial scale is
     * given per call because an FPN extractor uses one per level.
     *
     * @param outputSize output bins per side (7 for boxes, 14 for masks)
     * @param samplingRatio samples per bin and axis; 0 means {@code ceil(roi_size / output_size)} per RoI
     * @param aligned whether pixel centres sit at +0.5 (mmdetection's default; torchvision's default is false)
     */
    public record Config(int outputSize, int samplingRatio, boolean aligned) {

        public Config {
            if (outputSize <= 0 || samplingRatio < 0) {
                throw new IllegalArgumentException("RoIAlign needs output_size > 0 and sampling_ratio >= 0, found "
                        + outputSize + " and " + samplingRatio);
            }
        }

        /** mmdetection's box-head layer: 7 x 7, adaptive sampling, aligned. */
        public static Config defaults() {
            return new Config(7, 0, true);
        }
    }

    private final Config config;

    public RoiAlign(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Pools {@code rois} ({@code [R, 5]} rows {@code batch, x1, y1, x2, y2} in image pixels) from {@code features}
     * ({@code [B, C, H, W]}, float32 or float16) at {@code spatialScale} (1 / stride): {@code [R, C, out, out]}.
     */
    public NDArray forward(NDArray features, NDArray rois, double spatialScale) {
        checkRois(rois);
        return forward(features, rois.toFloatArray(), spatialScale);
    }

    /** As {@link #forward(NDArray, NDArray, double)} with the RoIs already on the host, flattened {@code [R * 5]}. */
    public NDArray forward(NDArray features, float[] rois, double spatialScale) {
        checkFeatures("features", features);
        return pool(List.of(features), rois, null, new double[] {spatialScale});
    }

    /**
     * Pools RoI {@code r} from {@code levels.get(levelOf[r])} at {@code scales[level]} ({@code levelOf} null: all
     * from level 0; a level outside the list pools to zeros) with one sparse product over the levels' stacked
     * pixels, so the rows come out in input order. All levels share batch size, channels and dtype.
     */
    NDArray pool(List<NDArray> levels, float[] rois, int[] levelOf, double[] scales) {
        if (rois.length % 5 != 0) {
            throw new IllegalArgumentException("rois: expected 5 values per RoI (batch, x1, y1, x2, y2), found " + rois.length + " values");
        }
        NDArray first = levels.get(0);
        Shape fs = first.getShape();
        int batch = Math.toIntExact(fs.get(0));
        long channels = fs.get(1);
        int count = rois.length / 5;
        int out = config.outputSize();
        NDManager manager = first.getManager();
        if (count == 0) {
            return manager.zeros(new Shape(0, channels, out, out), first.getDataType());
        }
        List<SamplingMatrix.Level> geometry = new ArrayList<>(levels.size());
        NDList pixels = new NDList(levels.size());
        long offset = 0;
        for (int l = 0; l < levels.size(); l++) {
            Shape s = levels.get(l).getShape();
            int height = Math.toIntExact(s.get(2));
            int width = Math.toIntExact(s.get(3));
            geometry.add(new SamplingMatrix.Level(batch, height, width, scales[l], offset));
            // Per image [1, C, H, W] -> [1, H, W, C] -> [H*W, C], one pixel per row as the sparse product reads it: a
            // view, so the only copy is the concatenation below (none for one image and one level).
            NDList images = batch == 1 ? new NDList(levels.get(l)) : levels.get(l).split(batch, 0);
            for (NDArray image : images) {
                pixels.add(image.transpose(0, 2, 3, 1).reshape((long) height * width, channels));
            }
            offset += (long) batch * height * width;
        }
        SamplingMatrix s = SamplingMatrix.build(rois, levelOf, geometry, config);
        NDArray indices = manager.create(s.indices, new Shape(2, s.nnz));
        NDArray values = manager.create(s.values);
        if (first.getDataType() != DataType.FLOAT32) {
            values = values.toType(first.getDataType(), false);
        }
        PtNDArray weights = JniUtils.createSparseCoo((PtNDArray) indices, (PtNDArray) values, new Shape((long) count * out * out, offset));
        NDArray stacked = pixels.size() == 1 ? pixels.get(0) : NDArrays.concat(pixels, 0);
        NDArray pooled = JniUtils.matmul(weights, (PtNDArray) stacked); // [R*out*out, C]
        return pooled.reshape(count, out, out, channels).transpose(0, 3, 1, 2); // [R, C, out, out]
    }

    /** Checks a float32 {@code [R, 5]} RoI array; the message names the tensor and its shape. */
    static void checkRois(NDArray rois) {
        Shape rs = rois.getShape();
        if (rs.dimension() != 2 || rs.get(1) != 5 || rois.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("rois: expected float32 [R, 5] rows (batch, x1, y1, x2, y2), found "
                    + rois.getDataType() + " " + rs);
        }
    }

    /** Checks a float32 or float16 {@code [B, C, H, W]} map; the message names the tensor and its shape. */
    static void checkFeatures(String name, NDArray features) {
        Shape fs = features.getShape();
        DataType t = features.getDataType();
        if (fs.dimension() != 4 || (t != DataType.FLOAT32 && t != DataType.FLOAT16) || fs.size() == 0) {
            throw new IllegalArgumentException(name + ": expected a non-empty float32 or float16 [B, C, H, W] feature map, found "
                    + t + " " + fs);
        }
    }
}
