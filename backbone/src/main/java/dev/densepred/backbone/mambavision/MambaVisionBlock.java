package dev.densepred.backbone.mambavision;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.LocalScope;
import dev.densepred.backbone.Mlp;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

/**
 * The hybrid block of levels 2 and 3 (reference {@code Block}): {@code x + gamma_1 * mixer(norm1(x))}, then
 * {@code x + gamma_2 * mlp(norm2(x))}, with stochastic depth on both branches; the mixer is a {@link MambaVisionMixer}
 * or, for the later blocks of a level, an {@link Attention}. LayerNorms use PyTorch's default eps 1e-5.
 */
final class MambaVisionBlock extends Module {

    static final double NORM_EPS = 1e-5;

    private final double dropPath;
    private final LayerNorm norm1;
    private final MambaVisionMixer mamba;
    private final Attention attention;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final Parameter gamma1;
    private final Parameter gamma2;

    MambaVisionBlock(int dim, int heads, boolean isAttention, double mlpRatio, double dropPath, double layerScale) {
        this.dropPath = dropPath;
        norm1 = addChild("norm1", new LayerNorm(dim, NORM_EPS));
        if (isAttention) {
            attention = addChild("mixer", new Attention(dim, heads));
            mamba = null;
        } else {
            mamba = addChild("mixer", new MambaVisionMixer(dim));
            attention = null;
        }
        norm2 = addChild("norm2", new LayerNorm(dim, NORM_EPS));
        mlp = addChild("mlp", new Mlp(dim, (int) (dim * mlpRatio), MambaVision.WEIGHT_INIT, MambaVision.BIAS_INIT));
        gamma1 = layerScale > 0 ? addParameter("gamma_1", Parameter.Kind.OTHER, Init.constant((float) layerScale), dim) : null;
        gamma2 = layerScale > 0 ? addParameter("gamma_2", Parameter.Kind.OTHER, Init.constant((float) layerScale), dim) : null;
    }

    boolean isAttention() {
        return attention != null;
    }

    /** {@code [B, L, C]} to {@code [B, L, C]}; the input is left unchanged. */
    NDArray forward(NDArray x) {
        return LocalScope.run(x, in -> {
            NDArray normed = norm1.forward(in);
            NDArray y = attention != null ? attention.forward(normed) : mamba.forward(normed);
            NDArray h = in.add(Functional.dropPath(gamma1 == null ? y : y.mul(gamma1.array()), dropPath, isTraining()));
            NDArray m = mlp.forward(norm2.forward(h));
            return h.add(Functional.dropPath(gamma2 == null ? m : m.mul(gamma2.array()), dropPath, isTraining()));
        });
    }

    /** Multiply-accumulates per token when the block sees windows of {@code n} tokens. */
    long macsPerToken(long n) {
        return (attention != null ? attention.macsPerToken(n) : mamba.macsPerToken()) + mlp.macsPerToken();
    }
}
