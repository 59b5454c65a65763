package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;

import dev.densepred.engine.nn.Functional;

/**
 * mmsegmentation 1.x's softmax {@code CrossEntropyLoss} for dense labels: per-pixel
 * {@code F.cross_entropy(reduction='none', ignore_index=255)}, where ignored pixels contribute 0, then
 * {@code weight_reduce_loss}: by default the <em>mean over all pixels, ignored ones included</em>
 * ({@code avg_non_ignore=False}); with {@code avg_non_ignore} the sum over the non-ignored count (+ float32 eps).
 * Times {@code loss_weight}. Computed in float32 whatever the logits' dtype.
 */
public final class CrossEntropyLoss {

    /** float32 machine epsilon, mmseg's guard against an all-ignored batch. */
    static final double FLOAT32_EPS = Math.ulp(1.0f);

    /**
     * The {@code loss_decode} entry of a decode head.
     *
     * @param type must be {@code CrossEntropyLoss}
     * @param useSigmoid must be false (the sigmoid form is for binary segmentation)
     * @param lossWeight factor on the loss (1.0 for the decode head, 0.4 for the auxiliary head)
     * @param avgNonIgnore average over non-ignored pixels only (mmseg's default is false)
     * @param lossName key of the loss in the loss dict, {@code loss_ce}
     */
    public record Config(String type, boolean useSigmoid, double lossWeight, boolean avgNonIgnore, String lossName) {
        public Config {
            if (!"CrossEntropyLoss".equals(type)) {
                throw new IllegalArgumentException("unknown loss type '" + type + "'; supported: CrossEntropyLoss");
            }
            if (useSigmoid) {
                throw new IllegalArgumentException("use_sigmoid=true (binary segmentation) is not supported");
            }
            if (!(lossWeight >= 0)) {
                throw new IllegalArgumentException("loss_weight must be >= 0, got " + lossWeight);
            }
            if (lossName == null || !lossName.startsWith("loss_")) {
                throw new IllegalArgumentException("loss_name must start with 'loss_' (mmseg sums only those), got " + lossName);
            }
        }

        public static Config defaults() {
            return new Config("CrossEntropyLoss", false, 1.0, false, "loss_ce");
        }
    }

    private final Config config;

    public CrossEntropyLoss(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * The weighted loss, a float32 scalar.
     *
     * @param logits {@code [N, C, H, W]} class scores
     * @param labels {@code [N, H, W]} integer labels in {@code [0, C)} or {@code ignoreIndex}
     */
    public NDArray forward(NDArray logits, NDArray labels, int ignoreIndex) {
        NDArray valid = labels.neq(ignoreIndex);
        NDArray safe = labels.toType(DataType.INT64, false).mul(valid.toType(DataType.INT64, false)).expandDims(1);
        NDArray logp = Functional.toFloat32(logits).logSoftmax(1);
        NDArray nll = logp.gather(safe, 1).squeeze(1).neg().mul(valid.toType(DataType.FLOAT32, false));
        NDArray loss;
        if (config.avgNonIgnore()) {
            loss = nll.sum().div(valid.toType(DataType.FLOAT32, false).sum().add((float) FLOAT32_EPS));
        } else {
            loss = nll.mean();
        }
        return Functional.mul(loss, config.lossWeight());
    }

    /**
     * mmseg's {@code accuracy} (top-1): percentage of non-ignored pixels whose arg-max class is the label, over
     * {@code count + eps}; not differentiable.
     */
    public static NDArray accuracy(NDArray logits, NDArray labels, int ignoreIndex) {
        NDArray valid = labels.neq(ignoreIndex);
        NDArray pred = logits.argMax(1);
        NDArray correct = pred.eq(labels.toType(pred.getDataType(), false)).logicalAnd(valid);
        NDArray total = valid.toType(DataType.FLOAT32, false).sum().add((float) FLOAT32_EPS);
        return correct.toType(DataType.FLOAT32, false).sum().mul(NDArrays.div(100f, total));
    }
}
