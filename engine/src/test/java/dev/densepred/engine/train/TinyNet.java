package dev.densepred.engine.train;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

/**
 * A few-layer conv net with every parameter kind the training engine treats differently: convolution and linear
 * weights and biases, a depthwise convolution, a normalisation layer (batch norm, with running statistics, or layer
 * norm, without) and a one-dimensional {@code OTHER} parameter (a layer scale); optionally a parameter that the
 * forward never reads, so it never gets a gradient. Input {@code [N, 3, 8, 8]}, output {@code [N, 2]}.
 */
public final class TinyNet extends Module {

    /** Which normalisation follows the first convolution. */
    public enum Norm { BATCH, LAYER }

    private final Conv2d stem;
    private final BatchNorm2d bn;
    private final LayerNorm ln;
    private final Conv2d dw;
    private final Parameter gamma;
    private final Linear head;

    public TinyNet(Norm norm) {
        this(norm, false);
    }

    /** With {@code idle}, a parameter {@code idle} of shape [2, 2] that no output depends on. */
    public TinyNet(Norm norm, boolean idle) {
        stem = addChild("stem", new Conv2d(3, 8, 3, Conv2d.Options.defaults().withPadding(1)));
        bn = norm == Norm.BATCH ? addChild("norm", new BatchNorm2d(8)) : null;
        ln = norm == Norm.LAYER ? addChild("norm", new LayerNorm(8, 1e-6)) : null;
        dw = addChild("dw", new Conv2d(8, 8, 3, Conv2d.Options.defaults().withPadding(1).withGroups(8)));
        gamma = addParameter("gamma", Parameter.Kind.OTHER, Init.uniform(0.5f, 1.5f), 8);
        head = addChild("head", new Linear(8, 2, true));
        if (idle) {
            addParameter("idle", Parameter.Kind.WEIGHT, Init.uniform(-1f, 1f), 2, 2);
        }
    }

    /** {@code [N, 3, 8, 8] -> [N, 2]}. */
    public NDArray forward(NDArray x) {
        NDArray y = stem.forward(x);
        y = bn != null ? bn.forward(y) : ln.forwardNchw(y);
        y = Functional.relu(y);
        // [N, 8, H, W] -> [N, H, W, 8] * gamma -> [N, 8, H, W]; the activation goes first so results stay in its scope
        y = dw.forward(y).transpose(0, 2, 3, 1).mul(gamma.array()).transpose(0, 3, 1, 2);
        y = Functional.relu(y);
        y = Functional.adaptiveAvgPool2d(y, 1, 1).reshape(-1, 8);
        return head.forward(y);
    }
}
