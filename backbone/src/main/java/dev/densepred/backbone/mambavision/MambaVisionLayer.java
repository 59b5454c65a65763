package dev.densepred.backbone.mambavision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

import java.util.List;

/**
 * One level ({@code MambaVisionLayer}): {@code blocks} ({@link ConvBlock}s in levels 0 and 1, {@link MambaVisionBlock}s
 * in levels 2 and 3), then an optional {@code downsample} ({@code reduction.0}: conv 3x3/2 to twice the channels, no
 * bias). Hybrid levels run on non-overlapping {@code window_size x window_size} windows: the map is zero-padded on the
 * right and bottom to a multiple of the window, cut into windows of {@code ws^2} tokens, and cropped back after the
 * blocks, as the reference's {@code window_partition} / {@code window_reverse}.
 */
final class MambaVisionLayer extends Module {

    private final boolean conv;
    private final int windowSize;
    private final Sequential<Module> blocks;
    private final Downsample downsample;

    MambaVisionLayer(int dim, int depth, int heads, int windowSize, boolean conv, boolean downsample, double mlpRatio,
                     List<Double> dropPaths, double layerScale, double layerScaleConv) {
        this.conv = conv;
        this.windowSize = windowSize;
        blocks = addChild("blocks", new Sequential<>());
        // the later half of a hybrid level is attention: blocks d/2+1.. for odd depth d, d/2.. for even
        int firstAttention = depth % 2 != 0 ? depth / 2 + 1 : depth / 2;
        for (int i = 0; i < depth; i++) {
            blocks.add(conv ? new ConvBlock(dim, dropPaths.get(i), layerScaleConv)
                    : new MambaVisionBlock(dim, heads, i >= firstAttention, mlpRatio, dropPaths.get(i), layerScale));
        }
        this.downsample = downsample ? addChild("downsample", new Downsample(dim)) : null;
    }

    /** {@code [N, C, H, W]} to the level output before the downsample, same shape. */
    NDArray blocks(NDArray x) {
        if (conv) {
            NDArray y = x;
            for (Module b : blocks.items()) {
                NDArray next = ((ConvBlock) b).forward(y);
                if (y != x) {
                    y.close();
                }
                y = next;
            }
            return y;
        }
        long n = x.getShape().get(0);
        long c = x.getShape().get(1);
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        int ws = windowSize;
        long padB = (ws - h % ws) % ws;
        long padR = (ws - w % ws) % ws;
        NDArray padded = padB > 0 || padR > 0 ? JniUtils.pad((PtNDArray) x, new long[] {0, padR, 0, padB}, 0) : x;
        long hn = (h + padB) / ws;
        long wn = (w + padR) / ws;
        // [N, C, Hn, ws, Wn, ws] -> [N, Hn, Wn, ws, ws, C] -> [N * Hn * Wn, ws * ws, C]
        NDArray y = padded.reshape(n, c, hn, ws, wn, ws).transpose(0, 2, 4, 3, 5, 1).reshape(n * hn * wn, (long) ws * ws, c);
        for (Module b : blocks.items()) {
            NDArray next = ((MambaVisionBlock) b).forward(y);
            y.close();
            y = next;
        }
        // [N * Hn * Wn, ws * ws, C] -> [N, Hn, Wn, ws, ws, C] -> [N, C, Hn, ws, Wn, ws] -> [N, C, Hp, Wp]
        NDArray out = y.reshape(n, hn, wn, ws, ws, c).transpose(0, 5, 1, 3, 2, 4).reshape(n, c, hn * ws, wn * ws);
        if (padB > 0 || padR > 0) {
            out = out.get(new NDIndex(":, :, :{}, :{}", h, w));
        }
        return out;
    }

    /** The downsample, for a level that has one. */
    NDArray downsample(NDArray x) {
        return downsample.forward(x);
    }

    boolean hasDownsample() {
        return downsample != null;
    }

    /** Multiply-accumulates of the blocks on an {@code h x w} map (padded to whole windows in hybrid levels). */
    long blockMacs(long h, long w) {
        long macs = 0;
        if (conv) {
            for (Module b : blocks.items()) {
                macs += h * w * ((ConvBlock) b).macsPerPixel();
            }
            return macs;
        }
        long tokens = (h + windowSize - 1) / windowSize * windowSize * ((w + windowSize - 1) / windowSize * windowSize);
        for (Module b : blocks.items()) {
            macs += tokens * ((MambaVisionBlock) b).macsPerToken((long) windowSize * windowSize);
        }
        return macs;
    }

    /** Multiply-accumulates of the downsample on an {@code h x w} input. */
    long downsampleMacs(long h, long w) {
        return downsample == null ? 0 : downsample.macs(h, w);
    }
}
