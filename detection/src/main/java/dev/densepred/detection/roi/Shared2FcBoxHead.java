package dev.densepred.detection.roi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.box.DeltaXywhCoder;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

import java.util.List;

/**
 * The box head of Mask R-CNN, mmdetection's {@code Shared2FCBBoxHead}: RoI features {@code [R, C, 7, 7]} flattened,
 * two shared fully connected layers with ReLU ({@code shared_fcs.0}, {@code shared_fcs.1}), then
 * {@code fc_cls} ({@code num_classes + 1} softmax logits, background last) and {@code fc_reg} (class-specific
 * deltas, {@code 4 * num_classes}). Initialisation as mmdetection's {@code init_cfg}: shared layers Xavier uniform,
 * {@code fc_cls} Normal(0, 0.01), {@code fc_reg} Normal(0, 0.001), zero biases.
 */
public final class Shared2FcBoxHead extends Module {

    /**
     * Settings (mmdetection's {@code roi_head.bbox_head}).
     *
     * @param inChannels channels of the RoI features
     * @param fcOutChannels width of the shared layers
     * @param roiFeatSize side of the RoI features
     * @param numClasses object classes (background excluded)
     * @param bboxCoder delta coder (Mask R-CNN: stds 0.1, 0.1, 0.2, 0.2)
     * @param lossClsWeight weight of the softmax cross-entropy
     * @param lossBboxWeight weight of the L1 delta loss
     */
    public record Config(int inChannels, int fcOutChannels, int roiFeatSize, int numClasses, DeltaXywhCoder.Config bboxCoder,
                         double lossClsWeight, double lossBboxWeight) {

        public Config {
            if (inChannels <= 0 || fcOutChannels <= 0 || roiFeatSize <= 0 || numClasses <= 0) {
                throw new IllegalArgumentException("bbox_head needs in_channels, fc_out_channels, roi_feat_size and num_classes > 0, found "
                        + inChannels + ", " + fcOutChannels + ", " + roiFeatSize + ", " + numClasses);
            }
        }

        /** Mask R-CNN's box head for COCO's 80 classes. */
        public static Config defaults() {
            return new Config(256, 1024, 7, 80, new DeltaXywhCoder.Config(List.of(0.0, 0.0, 0.0, 0.0), List.of(0.1, 0.1, 0.2, 0.2), true,
                    16.0 / 1000.0), 1.0, 1.0);
        }
    }

    /**
     * Outputs for R RoIs.
     *
     * @param clsScores float32 {@code [R, num_classes + 1]} logits
     * @param bboxPreds float32 {@code [R, 4 * num_classes]} deltas
     */
    public record Output(NDArray clsScores, NDArray bboxPreds) {}

    private final Config config;
    private final Sequential<Linear> sharedFcs;
    private final Linear fcCls;
    private final Linear fcReg;

    public Shared2FcBoxHead(Config config) {
        this.config = config;
        int flat = config.inChannels() * config.roiFeatSize() * config.roiFeatSize();
        sharedFcs = addChild("shared_fcs", new Sequential<>());
        sharedFcs.add(new Linear(flat, config.fcOutChannels(), true, Init.xavierUniform(), Init.zeros()));
        sharedFcs.add(new Linear(config.fcOutChannels(), config.fcOutChannels(), true, Init.xavierUniform(), Init.zeros()));
        fcCls = addChild("fc_cls", new Linear(config.fcOutChannels(), config.numClasses() + 1, true, Init.normal(0f, 0.01f), Init.zeros()));
        fcReg = addChild("fc_reg", new Linear(config.fcOutChannels(), 4 * config.numClasses(), true, Init.normal(0f, 0.001f), Init.zeros()));
    }

    public Config config() {
        return config;
    }

    /** {@code [R, C, S, S]} RoI features to class logits and deltas, promoted to float32. */
    public Output forward(NDArray roiFeatures) {
        Shape s = roiFeatures.getShape();
        // [R, C*S*S], channel-major as torch's flatten(1); spelled out because -1 cannot be inferred when R is 0
        NDArray x = roiFeatures.reshape(s.get(0), s.get(1) * s.get(2) * s.get(3));
        for (Linear fc : sharedFcs.items()) {
            x = Functional.relu(fc.forward(x));
        }
        return new Output(Functional.toFloat32(fcCls.forward(x)), Functional.toFloat32(fcReg.forward(x)));
    }
}
