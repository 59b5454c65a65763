package dev.densepred.backbone.mambaout;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;

/**
 * The ImageNet classifier of MambaOut (timm {@code mambaout.MlpHead}): spatial mean, LayerNorm, then
 * Linear(C, 4C), GELU, LayerNorm(4C), Linear(4C, classes). The pooling comes before the first norm. Names follow
 * timm ({@code norm}, {@code pre_logits.fc}, {@code pre_logits.norm}, {@code fc}); the official code calls them
 * {@code norm} (outside the head), {@code head.fc1}, {@code head.norm}, {@code head.fc2}. Without the second norm it
 * is timm's {@code ClNormMlpClassifierHead}, the head of the {@code _rw} family ({@code head_fn='norm_mlp'}).
 */
final class MlpHead extends Module {

    /** timm's {@code nn.Sequential(fc, act[, norm])} before the classifier. */
    static final class PreLogits extends Module {
        private final Linear fc;
        private final LayerNorm norm;

        PreLogits(int in, int hidden, boolean withNorm) {
            fc = addChild("fc", new Linear(in, hidden, true, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
            norm = withNorm ? addChild("norm", new LayerNorm(hidden, MambaOut.NORM_EPS)) : null;
        }

        NDArray forward(NDArray x) {
            NDArray y = Functional.gelu(fc.forward(x));
            return norm == null ? y : norm.forward(y);
        }
    }

    private final LayerNorm norm;
    private final PreLogits preLogits;
    private final Linear fc;

    /** @param preLogitsNorm the LayerNorm after the GELU: MambaOut's head; without it timm's norm-MLP head */
    MlpHead(int dim, int numClasses, int mlpRatio, boolean preLogitsNorm) {
        norm = addChild("norm", new LayerNorm(dim, MambaOut.NORM_EPS));
        preLogits = addChild("pre_logits", new PreLogits(dim, mlpRatio * dim, preLogitsNorm));
        fc = addChild("fc", new Linear(mlpRatio * dim, numClasses, true, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
    }

    /** {@code [N, H, W, C]} to the spatial mean {@code [N, C]}. */
    static NDArray pool(NDArray x) {
        ai.djl.ndarray.types.Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1) * s.get(2), s.get(3)).mean(new int[] {1}); // [N, H*W, C] -> [N, C]
    }

    /** Pooled {@code [N, C]} to the features before the classifier, {@code [N, 4C]}. */
    NDArray preLogits(NDArray pooled) {
        return preLogits.forward(norm.forward(pooled));
    }

    /** {@code [N, H, W, C]} to logits {@code [N, classes]} (head dropout is 0 in every released recipe). */
    NDArray forward(NDArray x) {
        return fc.forward(preLogits(pool(x)));
    }
}
