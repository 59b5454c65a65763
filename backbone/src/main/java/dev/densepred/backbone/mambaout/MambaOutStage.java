package dev.densepred.backbone.mambaout;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

import java.util.List;

/** One stage (timm {@code MambaOutStage}): an optional {@link Downsample} at its start, then Gated CNN blocks. */
final class MambaOutStage extends Module {

    private final Downsample downsample;
    private final Sequential<GatedConvBlock> blocks;

    /**
     * @param inDim channels coming in
     * @param dim channels of this stage
     * @param downsample whether the stage starts with a downsample (of the config's kind)
     * @param dropPaths one stochastic-depth rate per block
     * @param config the network's settings the downsample and the blocks follow
     */
    MambaOutStage(int inDim, int dim, boolean downsample, List<Double> dropPaths, MambaOut.Config config) {
        this.downsample = downsample
                ? addChild("downsample", new Downsample(inDim, dim, config.downsample() == MambaOut.Downsampling.CONV_NF)) : null;
        this.blocks = addChild("blocks", new Sequential<>());
        for (double dp : dropPaths) {
            blocks.add(new GatedConvBlock(dim, config.expansionRatio(), config.kernelSize(), config.convRatio(), config.lsInitValue(),
                    config.actLayer(), dp));
        }
    }

    List<GatedConvBlock> blocks() {
        return blocks.items();
    }

    /** {@code [N, H, W, C_in]} to {@code [N, H', W', C]} (H' = H/2 after a downsample); {@code x} is left unchanged. */
    NDArray forward(NDArray x) {
        return forward(x, false);
    }

    /**
     * As {@link #forward(NDArray)}; with {@code consumeInput} (the caller does not need {@code x} afterwards) the
     * first block may reuse its memory when the stage has no downsample.
     */
    NDArray forward(NDArray x, boolean consumeInput) {
        NDArray y = downsample == null ? x : downsample.forward(x);
        for (GatedConvBlock b : blocks.items()) {
            NDArray next = b.forward(y, y != x || consumeInput);
            if (y != x) {
                y.close(); // free each block's output once the next block has read it
            }
            y = next;
        }
        return y;
    }
}
