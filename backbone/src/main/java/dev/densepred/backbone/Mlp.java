package dev.densepred.backbone;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;

/**
 * timm's {@code layers.Mlp} as ConvNeXt and MambaVision use it: {@code fc2(GELU(fc1(x)))} over the last axis,
 * exact (erf) GELU, no dropout (every released configuration has drop 0).
 */
public final class Mlp extends Module {

    private final Linear fc1;
    private final Linear fc2;

    public Mlp(int in, int hidden, Init weightInit, Init biasInit) {
        fc1 = addChild("fc1", new Linear(in, hidden, true, weightInit, biasInit));
        fc2 = addChild("fc2", new Linear(hidden, in, true, weightInit, biasInit));
    }

    /** {@code [..., in]} to {@code [..., in]}. */
    public NDArray forward(NDArray x) {
        return fc2.forward(Functional.gelu(fc1.forward(x)));
    }

    /** Multiply-accumulates per token. */
    public long macsPerToken() {
        return 2L * fc1.inFeatures() * fc1.outFeatures();
    }
}
