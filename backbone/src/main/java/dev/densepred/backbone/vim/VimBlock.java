package dev.densepred.backbone.vim;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.LocalScope;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Module;

/**
 * Vim's {@code Block} with {@code fused_add_norm}: "add, norm, mix". It takes the previous block's mixer output and
 * the residual stream, adds them ({@code residual = residual + drop_path(hidden)}; the first block starts the stream
 * from its input), normalises ({@code norm}: RMSNorm or LayerNorm) and returns the mixer's output together with the
 * new residual.
 */
final class VimBlock extends Module {

    /** What a block hands to the next: the mixer output and the residual stream, both {@code [B, L, C]}. */
    record State(NDArray hidden, NDArray residual) {}

    private final double dropPath;
    private final RmsNorm rms;
    private final LayerNorm layerNorm;
    private final BiMamba mixer;

    VimBlock(int dim, Vim.Config config, double dropPath) {
        this.dropPath = dropPath;
        mixer = addChild("mixer", new BiMamba(dim, config.dState(), config.dConv(), config.expand(), config.ifDivideOut()));
        if (config.rmsNorm()) {
            rms = addChild("norm", new RmsNorm(dim, config.normEpsilon()));
            layerNorm = null;
        } else {
            layerNorm = addChild("norm", new LayerNorm(dim, config.normEpsilon()));
            rms = null;
        }
    }

    State forward(State in) {
        NDArray residual = in.residual() == null ? in.hidden()
                : in.residual().add(Functional.dropPath(in.hidden(), dropPath, isTraining()));
        // the mixer's temporaries are freed as soon as it returns
        NDArray hidden = LocalScope.run(residual, r -> mixer.forward(rms != null ? rms.forward(r) : layerNorm.forward(r)));
        return new State(hidden, residual);
    }

    long macsPerToken() {
        return mixer.macsPerToken();
    }
}
