package dev.densepred.backbone.mambaout;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;

/**
 * The Gated CNN block of MambaOut (timm {@code GatedConvBlock}, official {@code GatedCNNBlock}): LayerNorm, fc1 to
 * {@code 2 * hidden}, split into gate {@code g}, identity {@code i} and conv part {@code c}, a depthwise 7x7
 * convolution on {@code c}, {@code fc2(GELU(g) * cat(i, c))}, stochastic depth, residual.
 */
final class GatedConvBlock extends Module {

    private final int hidden;
    private final int convChannels;
    private final double dropPath;
    private final LayerNorm norm;
    private final Linear fc1;
    private final Conv2d conv;
    private final Linear fc2;

    GatedConvBlock(int dim, double expansionRatio, int kernelSize, double convRatio, double dropPath) {
        this.hidden = (int) (expansionRatio * dim); // truncated in double precision, as Python's int()
        this.convChannels = (int) (convRatio * dim);
        this.dropPath = dropPath;
        norm = addChild("norm", new LayerNorm(dim, MambaOut.NORM_EPS));
        fc1 = addChild("fc1", new Linear(dim, 2 * hidden, true, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        conv = addChild("conv", new Conv2d(convChannels, convChannels, kernelSize,
                Conv2d.Options.defaults().withPadding(kernelSize / 2).withGroups(convChannels), MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        fc2 = addChild("fc2", new Linear(hidden, dim, true, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
    }

    int hidden() {
        return hidden;
    }

    int convChannels() {
        return convChannels;
    }

    /** {@code [N, H, W, C]} to {@code [N, H, W, C]}. */
    NDArray forward(NDArray x) {
        NDArray y = fc1.forward(norm.forward(x)); // [N, H, W, 2 * hidden]
        PtNDArray py = (PtNDArray) y;
        NDArray g = JniUtils.slice(py, 3, 0, hidden, 1); // [N, H, W, hidden]
        NDArray i = JniUtils.slice(py, 3, hidden, 2L * hidden - convChannels, 1); // [N, H, W, hidden - cc]
        NDArray c = JniUtils.slice(py, 3, 2L * hidden - convChannels, 2L * hidden, 1); // [N, H, W, cc]
        c = conv.forward(c.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1); // NCHW view for the conv, back to [N, H, W, cc]
        NDArray out = fc2.forward(Functional.gelu(g).mul(NDArrays.concat(new ai.djl.ndarray.NDList(i, c), 3)));
        out = Functional.dropPath(out, dropPath, isTraining());
        return out.add(x);
    }
}
