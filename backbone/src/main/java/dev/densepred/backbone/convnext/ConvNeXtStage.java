package dev.densepred.backbone.convnext;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

import java.util.List;

/**
 * One stage (timm {@code ConvNeXtStage}): an optional downsample ({@code downsample.0} LayerNorm over channels,
 * {@code downsample.1} conv 2x2/2), then blocks.
 */
final class ConvNeXtStage extends Module {

    private final LayerNorm downNorm;
    private final Conv2d downConv;
    private final Sequential<ConvNeXtBlock> blocks;

    ConvNeXtStage(int inDim, int dim, boolean downsample, List<Double> dropPaths, double layerScaleInit) {
        if (downsample) {
            Sequential<Module> ds = addChild("downsample", new Sequential<>());
            downNorm = (LayerNorm) ds.add(new LayerNorm(inDim, ConvNeXt.NORM_EPS));
            downConv = (Conv2d) ds.add(new Conv2d(inDim, dim, 2, Conv2d.Options.defaults().withStride(2), ConvNeXt.WEIGHT_INIT, ConvNeXt.BIAS_INIT));
        } else {
            downNorm = null;
            downConv = null;
        }
        blocks = addChild("blocks", new Sequential<>());
        for (double dp : dropPaths) {
            blocks.add(new ConvNeXtBlock(dim, layerScaleInit, dp));
        }
    }

    List<ConvNeXtBlock> blocks() {
        return blocks.items();
    }

    /** {@code [N, C_in, H, W]} to {@code [N, C, H', W']}; the input is left unchanged. */
    NDArray forward(NDArray x) {
        NDArray y = downConv == null ? x : downConv.forward(downNorm.forwardNchw(x));
        for (ConvNeXtBlock b : blocks.items()) {
            NDArray next = b.forward(y);
            if (y != x) {
                y.close();
            }
            y = next;
        }
        return y;
    }
}

