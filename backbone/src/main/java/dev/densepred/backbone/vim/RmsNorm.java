package dev.densepred.backbone.vim;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

/** mamba_ssm's {@code RMSNorm} over the last axis: {@code x / sqrt(mean(x^2) + eps) * weight}, no bias. */
final class RmsNorm extends Module {

    private final double eps;
    private final Parameter weight;

    RmsNorm(int dim, double eps) {
        this.eps = eps;
        this.weight = addParameter("weight", Parameter.Kind.NORM, Init.ones(), dim);
    }

    NDArray forward(NDArray x) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
        return x.div(rms).mul(weight.array());
    }
}
