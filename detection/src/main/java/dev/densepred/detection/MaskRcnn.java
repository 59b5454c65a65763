package dev.densepred.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.densepred.backbone.Backbone;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.train.Losses;

import java.util.List;

/** Mask R-CNN with FPN (work in progress: the public contract only). */
public final class MaskRcnn extends Module {

    private final Backbone backbone;
    private final int numClasses;

    private MaskRcnn(Backbone backbone, int numClasses) {
        this.backbone = addChild("backbone", backbone);
        this.numClasses = numClasses;
    }

    /** Builds and initialises the model the config's {@code model} node describes. */
    public static MaskRcnn build(Config model, NDManager manager) {
        throw new UnsupportedOperationException("MaskRcnn.build: not implemented yet");
    }

    public int numClasses() {
        return numClasses;
    }

    public Backbone backbone() {
        return backbone;
    }

    /** Training losses of a batch. */
    public Losses forwardTrain(NDArray images, List<ImageMeta> metas, List<InstanceTargets> targets) {
        throw new UnsupportedOperationException("MaskRcnn.forwardTrain: not implemented yet");
    }

    /** Final detections of a batch. */
    public List<Detections> predict(NDArray images, List<ImageMeta> metas) {
        throw new UnsupportedOperationException("MaskRcnn.predict: not implemented yet");
    }
}
