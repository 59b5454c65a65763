package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;

/**
 * A learned per-channel scale on a residual branch, {@code x * gamma} over the last axis (timm's channels-last
 * {@code LayerScale}, parameter {@code gamma}, initialised to a constant).
 */
public final class LayerScale extends Module {

    private final Parameter gamma;

    public LayerScale(int dim, double initValue) {
        this.gamma = addParameter("gamma", Parameter.Kind.OTHER, Init.constant((float) initValue), dim);
    }

    public Parameter gamma() {
        return gamma;
    }

    /** {@code [..., C] -> [..., C]}. */
    public NDArray forward(NDArray x) {
        return x.mul(gamma.array());
    }
}
