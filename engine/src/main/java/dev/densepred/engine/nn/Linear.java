package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;

/** Fully connected layer over the last axis with PyTorch's layout: {@code weight (out, in)}, {@code bias (out)}. */
public final class Linear extends Module {

    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /** A layer with PyTorch's default initialisation. */
    public Linear(int in, int out, boolean bias) {
        this(in, out, bias, Init.torchDefaultWeight(), Init.torchDefaultBias(in));
    }

    /** A layer with explicit initialisations. */
    public Linear(int in, int out, boolean bias, Init weightInit, Init biasInit) {
        this.inFeatures = in;
        this.outFeatures = out;
        this.weight = addParameter("weight", Parameter.Kind.WEIGHT, weightInit, out, in);
        this.bias = bias ? addParameter("bias", Parameter.Kind.BIAS, biasInit, out) : null;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or null. */
    public Parameter bias() {
        return bias;
    }

    /** {@code [..., in] -> [..., out]}. */
    public NDArray forward(NDArray x) {
        return Functional.linear(x, weight.array(), bias == null ? null : bias.array());
    }
}
