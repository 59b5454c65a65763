package dev.densepred.backbone.mambaout;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.backbone.LocalScope;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.LayerScale;
import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.runtime.Autograd;

/**
 * The Gated CNN block of MambaOut (timm {@code GatedConvBlock}, official {@code GatedCNNBlock}): LayerNorm, fc1 to
 * {@code 2 * hidden}, split into gate {@code g}, identity {@code i} and conv part {@code c} (the last
 * {@code conv_channels}), a depthwise 7x7 convolution on {@code c}, {@code fc2(act(g) * cat(i, c))} (act: GELU, or
 * SiLU in two of timm's {@code _rw} models), LayerScale {@code ls} where the network has one, stochastic depth,
 * residual.
 *
 * <p>Two evaluation orders give the same numbers. While autograd records, the block runs timm's ops. Otherwise it
 * avoids the concatenation: the product is written into {@code act(g)} in place, one slice against {@code i} and
 * one against the convolution output, and the linear layers take 2-D input so that PyTorch fuses their bias into
 * the matrix product.
 */
final class GatedConvBlock extends Module {

    /**
     * Elements of the per-chunk temporaries (gate and identity, product, fc2 output): 16 MiB in float32. Measured on
     * tiny at 800x1216, one thread: 2^18 to 2^22 run alike, 2^24 is slower (the temporaries leave the cache). The
     * largest of those keeps a 224x224 image in one chunk: fewer, larger operations for the threads to share.
     */
    private static final long CHUNK_ELEMENTS = 1L << 22;

    private final int dim;
    private final int hidden;
    private final int convChannels;
    private final double dropPath;
    private final LayerNorm norm;
    private final Linear fc1;
    private final Conv2d conv;
    private final Linear fc2;
    private final LayerScale ls;
    private final MambaOut.Activation act;

    /** @param lsInitValue initial LayerScale gamma, or null for none */
    GatedConvBlock(int dim, double expansionRatio, int kernelSize, double convRatio, Double lsInitValue, MambaOut.Activation act,
                   double dropPath) {
        this.dim = dim;
        this.hidden = (int) (expansionRatio * dim); // truncated in double precision, as Python's int()
        this.convChannels = (int) (convRatio * dim);
        this.dropPath = dropPath;
        norm = addChild("norm", new LayerNorm(dim, MambaOut.NORM_EPS));
        fc1 = addChild("fc1", new Linear(dim, 2 * hidden, true, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        conv = addChild("conv", new Conv2d(convChannels, convChannels, kernelSize,
                Conv2d.Options.defaults().withPadding(kernelSize / 2).withGroups(convChannels), MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        fc2 = addChild("fc2", new Linear(hidden, dim, true, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        ls = lsInitValue == null ? null : addChild("ls", new LayerScale(dim, lsInitValue));
        this.act = act;
    }

    int hidden() {
        return hidden;
    }

    int convChannels() {
        return convChannels;
    }

    /**
     * {@code [N, H, W, C]} to {@code [N, H, W, C]}. With {@code reuseInput} (its owner does not need it any more and
     * autograd is off) the result is accumulated into the input's memory; otherwise the input is left unchanged.
     */
    NDArray forward(NDArray x, boolean reuseInput) {
        boolean inPlace = !Autograd.isRecording() && (!isTraining() || dropPath == 0);
        return LocalScope.run(x, in -> inPlace ? forwardInPlace(in, reuseInput) : forwardRecorded(in));
    }

    /** timm's order of operations, safe for autograd. */
    private NDArray forwardRecorded(NDArray x) {
        long n = x.getShape().get(0);
        long h = x.getShape().get(1);
        long w = x.getShape().get(2);
        // 2-D input for the linear layers: PyTorch then fuses the bias into the matrix product (addmm), forward and back
        NDArray y = fc1.forward(norm.forward(x).reshape(n * h * w, dim)).reshape(n, h, w, 2L * hidden);
        // One split (timm's torch.split): its backward is one concatenation, where three slices would each fill a
        // zero tensor of y's size and the three would then be summed.
        NDList gic = JniUtils.split(pt(y), new long[] {hidden, hidden - convChannels, convChannels}, 3);
        NDArray g = gic.get(0); // [N, H, W, hidden]
        NDArray i = gic.get(1); // [N, H, W, hidden - cc]
        NDArray c = gic.get(2); // [N, H, W, cc]
        c = conv.forward(c.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1); // NCHW view for the conv, back to [N, H, W, cc]
        NDArray gated = act.apply(g).mul(NDArrays.concat(new NDList(i, c), 3)); // [N, H, W, hidden], contiguous
        NDArray out = fc2.forward(gated.reshape(n * h * w, hidden)).reshape(n, h, w, dim);
        if (ls != null) {
            out = ls.forward(out);
        }
        return Functional.dropPath(out, dropPath, isTraining()).add(x);
    }

    /**
     * Without autograd. The conv part of fc1 is computed first, as its own matrix product (a row slice of the
     * weight), so that it is contiguous for the convolution. Everything else works on one pixel at a time, so it
     * runs over chunks of rows small enough to stay in cache: the gate and identity part of fc1, the activation, the
     * product written into its output in place (no concatenation), fc2, the layer scale and the residual added in
     * place. Linear layers take 2-D input, for which PyTorch fuses the bias into the matrix product.
     */
    private NDArray forwardInPlace(NDArray x, boolean reuseInput) {
        long n = x.getShape().get(0);
        long h = x.getShape().get(1);
        long w = x.getShape().get(2);
        long rows = n * h * w;
        long split = 2L * hidden - convChannels;
        NDManager scope = x.getManager();
        NDArray w1 = fc1.weight().array();
        NDArray b1 = fc1.bias().array();
        NDArray normed = norm.forward(x).reshape(rows, dim); // [NHW, C]
        NDArray c = Functional.linear(normed, view(w1, split, 2L * hidden, scope), view(b1, split, 2L * hidden, scope)); // [NHW, cc]
        // [NHW, cc] -> [N, H, W, cc] -> NCHW view of channels-last memory -> conv -> back to [NHW, cc] rows
        NDArray mixed = conv.forward(c.reshape(n, h, w, convChannels).transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1).reshape(rows, convChannels);
        c.close();
        NDArray wGateId = view(w1, 0, split, scope);
        NDArray bGateId = view(b1, 0, split, scope);
        NDArray out = reuseInput ? x.reshape(rows, dim) : x.reshape(rows, dim).duplicate(); // [NHW, C], the residual
        // Chunks keep a CPU's cache warm; a GPU gains nothing from them and would pay a launch per kernel and chunk.
        long chunk = x.getDevice().isGpu() ? rows : Math.max(1, CHUNK_ELEMENTS / (split + hidden + dim));
        for (long r0 = 0; r0 < rows; r0 += chunk) {
            long r1 = Math.min(rows, r0 + chunk);
            NDArray gi = Functional.linear(slice(normed, 0, r0, r1), wGateId, bGateId); // [R, hidden + hidden - cc] = [g | i]
            NDArray gated = act.apply(slice(gi, 1, 0, hidden)); // [R, hidden]
            if (split > hidden) {
                JniUtils.muli(pt(slice(gated, 1, 0, split - hidden)), pt(slice(gi, 1, hidden, split))); // *= i
            }
            JniUtils.muli(pt(slice(gated, 1, split - hidden, hidden)), pt(slice(mixed, 0, r0, r1))); // *= conv(c)
            NDArray projected = fc2.forward(gated); // [R, C]
            if (ls != null) {
                JniUtils.muli(pt(projected), pt(ls.gamma().array())); // *= gamma
            }
            JniUtils.addi(pt(slice(out, 0, r0, r1)), pt(projected)); // residual += fc2(...)
            gi.close();
            gated.close();
            projected.close();
        }
        return out.reshape(n, h, w, dim); // [NHW, C] -> [N, H, W, C]
    }

    /**
     * Rows {@code [from, to)} of a parameter as a view made directly in the forward pass's {@code scope}: never in
     * the model's manager, which may be capped.
     */
    private static NDArray view(NDArray param, long from, long to, NDManager scope) {
        long[] shape = param.getShape().getShape();
        long[] min = new long[shape.length];
        long[] max = shape.clone();
        long[] step = new long[shape.length];
        java.util.Arrays.fill(step, 1);
        min[0] = from;
        max[0] = to;
        return JniUtils.index(pt(param), min, max, step, (PtNDManager) scope);
    }

    private static NDArray slice(NDArray a, int axis, long from, long to) {
        return JniUtils.slice(pt(a), axis, from, to, 1);
    }

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }
}
