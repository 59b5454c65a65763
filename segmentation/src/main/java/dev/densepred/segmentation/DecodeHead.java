package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.train.Losses;

import java.util.List;

/**
 * What mmsegmentation's {@code BaseDecodeHead} gives every head: the classifier {@code conv_seg} (1x1, weights
 * Normal(0, 0.01), zero bias) after {@code Dropout2d}, and the training loss: logits resized to the label size
 * (bilinear), cross-entropy with the ignore index, and the top-1 pixel accuracy.
 */
public abstract class DecodeHead extends Module {

    private final int numClasses;
    private final double dropoutRatio;
    private final boolean alignCorners;
    private final int ignoreIndex;
    private final CrossEntropyLoss loss;
    private final Conv2d convSeg;

    protected DecodeHead(int channels, int numClasses, double dropoutRatio, boolean alignCorners,
            CrossEntropyLoss.Config lossDecode, int ignoreIndex) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("num_classes must be >= 1, got " + numClasses);
        }
        if (!(dropoutRatio >= 0 && dropoutRatio < 1)) {
            throw new IllegalArgumentException("dropout_ratio must be in [0, 1), got " + dropoutRatio);
        }
        this.numClasses = numClasses;
        this.dropoutRatio = dropoutRatio;
        this.alignCorners = alignCorners;
        this.ignoreIndex = ignoreIndex;
        this.loss = new CrossEntropyLoss(lossDecode);
        // Declared first, as BaseDecodeHead.__init__ does, so the state-dict order is mmseg's.
        this.convSeg = addChild("conv_seg",
                new Conv2d(channels, numClasses, 1, Conv2d.Options.defaults(), Init.normal(0f, 0.01f), Init.zeros()));
    }

    public final int numClasses() {
        return numClasses;
    }

    public final boolean alignCorners() {
        return alignCorners;
    }

    public final int ignoreIndex() {
        return ignoreIndex;
    }

    /** Class logits {@code [N, num_classes, h, w]} at the resolution of the head's finest input. */
    public abstract NDArray forward(List<NDArray> features);

    /** {@code cls_seg}: dropout, then the 1x1 classifier. */
    protected final NDArray classify(NDArray feat) {
        return convSeg.forward(Dropout2d.apply(feat, dropoutRatio, isTraining()));
    }

    /**
     * The head's loss entries, {@code prefix.loss_ce} and {@code prefix.acc_seg}.
     *
     * @param labels {@code [N, H, W]} integer labels, {@code ignore_index} where unlabelled
     */
    public final Losses loss(List<NDArray> features, NDArray labels, String prefix) {
        NDArray logits = forward(features);
        long h = labels.getShape().get(1);
        long w = labels.getShape().get(2);
        logits = Resize2d.resize(logits, h, w, alignCorners);
        Losses out = new Losses();
        out.add(prefix + "." + loss.config().lossName(), loss.forward(logits, labels, ignoreIndex));
        out.add(prefix + ".acc_seg", CrossEntropyLoss.accuracy(logits, labels, ignoreIndex));
        return out;
    }

    /** Picks {@code features[index]}; a negative index counts from the end, as in Python. */
    protected static NDArray select(List<NDArray> features, int index, String head) {
        return features.get(resolveIndex(index, features.size(), head));
    }

    /** {@code index} made non-negative against {@code count} maps, or an error naming the head. */
    static int resolveIndex(int index, int count, String head) {
        int i = index < 0 ? count + index : index;
        if (i < 0 || i >= count) {
            throw new IllegalArgumentException(head + ": in_index " + index + " but the backbone returns " + count + " maps");
        }
        return i;
    }
}
