package dev.densepred.backbone.mambavision;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.backbone.LocalScope;
import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

/**
 * The CNN block of levels 0 and 1 ({@code ConvBlock}): conv 3x3 (bias), BatchNorm, GELU (tanh approximation, as
 * the reference's {@code nn.GELU(approximate='tanh')}), conv 3x3, BatchNorm, optional layer scale {@code gamma},
 * stochastic depth, residual.
 */
final class ConvBlock extends Module {

    private final double dropPath;
    private final Conv2d conv1;
    private final BatchNorm2d norm1;
    private final Conv2d conv2;
    private final BatchNorm2d norm2;
    private final Parameter gamma;

    ConvBlock(int dim, double dropPath, double layerScale) {
        this.dropPath = dropPath;
        Conv2d.Options o = Conv2d.Options.defaults().withPadding(1);
        conv1 = addChild("conv1", new Conv2d(dim, dim, 3, o));
        norm1 = addChild("norm1", new BatchNorm2d(dim));
        conv2 = addChild("conv2", new Conv2d(dim, dim, 3, o));
        norm2 = addChild("norm2", new BatchNorm2d(dim));
        gamma = layerScale > 0 ? addParameter("gamma", Parameter.Kind.OTHER, Init.constant((float) layerScale), dim) : null;
    }

    /** {@code [N, C, H, W]} to the same shape; the input is left unchanged. */
    NDArray forward(NDArray x) {
        return LocalScope.run(x, in -> {
            NDArray y = norm2.forward(conv2.forward(geluTanh(norm1.forward(conv1.forward(in)))));
            if (gamma != null) {
                y = y.mul(gamma.array().reshape(1, -1, 1, 1));
            }
            return Functional.dropPath(y, dropPath, isTraining()).add(in);
        });
    }

    long macsPerPixel() {
        return 2L * conv1.outChannels() * conv1.inChannels() * 9L;
    }

    /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    static NDArray geluTanh(NDArray x) {
        NDArray inner = Functional.mul(Functional.mul(Functional.pow(x, 3), 0.044715).add(x), Math.sqrt(2 / Math.PI));
        return Functional.mul(JniUtils.tanh((PtNDArray) inner).add(1).mul(x), 0.5);
    }
}
