package dev.densepred.backbone.vim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.backbone.ssm.DepthwiseConv1d;
import dev.densepred.backbone.ssm.SelectiveScan;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

/**
 * Vim's bidirectional Mamba mixer ({@code mamba_simple.Mamba} with {@code bimamba_type="v2"}): {@code in_proj} to
 * {@code [x | z]} of {@code 2 d_inner}; the forward direction runs {@code conv1d} (causal, bias), SiLU, {@code x_proj}
 * to {@code dt, B, C}, {@code dt_proj} (its bias as the scan's delta bias) and the selective scan with {@code A_log},
 * {@code D}, gated by {@code SiLU(z)}; the backward direction does the same on the token-reversed {@code x, z} with its
 * own {@code conv1d_b, x_proj_b, dt_proj_b, A_b_log, D_b}, and is reversed back. {@code out_proj} takes their sum,
 * halved when {@code if_divide_out}.
 */
final class BiMamba extends Module {

    /** One scan direction's parameters (the backward ones carry the {@code _b} suffix). */
    private record Direction(DepthwiseConv1d conv, Linear xProj, Linear dtProj, Parameter aLog, Parameter d) {}

    private final int dInner;
    private final int dtRank;
    private final int dState;
    private final boolean divideOut;
    private final Linear inProj;
    private final Direction forward;
    private final Direction backward;
    private final Linear outProj;

    BiMamba(int dModel, int dState, int dConv, int expand, boolean divideOut) {
        this.dInner = expand * dModel;
        this.dtRank = (dModel + 15) / 16;
        this.dState = dState;
        this.divideOut = divideOut;
        inProj = addChild("in_proj", new Linear(dModel, 2 * dInner, false, Vim.WEIGHT_INIT, Vim.BIAS_INIT));
        forward = direction("", dConv);
        backward = direction("_b", dConv);
        outProj = addChild("out_proj", new Linear(dInner, dModel, false, Vim.WEIGHT_INIT, Vim.BIAS_INIT));
    }

    private Direction direction(String suffix, int dConv) {
        Parameter aLog = addParameter("A" + suffix + "_log", Parameter.Kind.NORM,
                (m, s) -> m.arange(1f, dState + 1f).log().reshape(1, dState).repeat(0, dInner), dInner, dState);
        DepthwiseConv1d conv = addChild("conv1d" + suffix, new DepthwiseConv1d(dInner, dConv, true));
        Linear xProj = addChild("x_proj" + suffix, new Linear(dInner, dtRank + 2 * dState, false, Vim.WEIGHT_INIT, Vim.BIAS_INIT));
        // Mamba's dt init: weight U(+-dt_rank^-0.5), bias = softplus^-1(dt) for dt log-uniform in [1e-3, 0.1]
        float std = (float) Math.pow(dtRank, -0.5);
        Linear dtProj = addChild("dt_proj" + suffix, new Linear(dtRank, dInner, true, Init.uniform(-std, std), (m, s) -> {
            NDArray dt = m.randomUniform((float) Math.log(1e-3), (float) Math.log(0.1), s).exp().maximum(1e-4f);
            return dt.add(dt.neg().exp().neg().add(1).log()); // dt + log(-expm1(-dt))
        }));
        Parameter d = addParameter("D" + suffix, Parameter.Kind.NORM, Init.ones(), dInner);
        return new Direction(conv, xProj, dtProj, aLog, d);
    }

    /** {@code [B, L, C]} to {@code [B, L, C]}. */
    NDArray forward(NDArray hidden) {
        NDArray xz = inProj.forward(hidden).transpose(0, 2, 1); // [B, 2 d_inner, L]
        NDArray out = scan(forward, xz);
        NDArray outB = scan(backward, xz.flip(2)).flip(2);
        NDArray sum = out.add(outB).transpose(0, 2, 1); // [B, L, d_inner]
        return outProj.forward(divideOut ? Functional.div(sum, 2) : sum);
    }

    /** {@code mamba_inner_fn_no_out_proj}: {@code [B, 2 d_inner, L]} to {@code [B, d_inner, L]}. */
    private NDArray scan(Direction dir, NDArray xz) {
        // torch.split/chunk as the reference: one concatenation in the backward, not a zero-filled tensor per slice
        NDList halves = JniUtils.split((PtNDArray) xz, new long[] {dInner, dInner}, 1);
        NDArray x = Functional.silu(dir.conv().causal(halves.get(0)));
        NDArray z = halves.get(1);
        NDArray xDbl = dir.xProj().forward(x.transpose(0, 2, 1)); // [B, L, R + 2N]
        NDList parts = JniUtils.split((PtNDArray) xDbl, new long[] {dtRank, dState, dState}, 2);
        NDArray delta = Functional.linear(parts.get(0), dir.dtProj().weight().array(), null)
                .transpose(0, 2, 1); // [B, d_inner, L], bias left to the scan
        NDArray b = parts.get(1).transpose(0, 2, 1);
        NDArray c = parts.get(2).transpose(0, 2, 1);
        NDArray a = dir.aLog().array().exp().neg();
        return SelectiveScan.scan(x, delta, a, b, c, dir.d().array(), dir.dtProj().bias().array(), z);
    }

    /** Projections and convolutions per token, both directions (the scan's elementwise recurrence is not counted). */
    long macsPerToken() {
        long perDirection = (long) dInner * forward.conv().kernel() + (long) dInner * (dtRank + 2L * dState) + (long) dtRank * dInner;
        return (long) inProj.inFeatures() * 2 * dInner + 2 * perDirection + (long) dInner * outProj.outFeatures();
    }
}
