package dev.densepred.backbone.mambavision;

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
 * The MambaVision mixer ({@code MambaVisionMixer}, d_state 8, d_conv 3, expand 1 as its {@code Block} builds it):
 * {@code in_proj} to {@code d_inner}, split into {@code x} and {@code z} halves; each half goes through its own
 * depthwise conv1d ({@code conv1d_x}, {@code conv1d_z}, {@code padding='same'}, no bias) and SiLU; {@code x} is
 * scanned (S6: {@code x_proj} to {@code dt, B, C}, {@code dt_proj}, {@code A = -exp(A_log)}, {@code D}); the scan
 * output and the non-SSM {@code z} branch are concatenated, then {@code out_proj}.
 *
 * <p>As in the reference, {@code dt_proj}'s bias is applied twice: once by {@code self.dt_proj(dt)} and again as the
 * scan's {@code delta_bias}.
 */
final class MambaVisionMixer extends Module {

    static final int D_STATE = 8;
    static final int D_CONV = 3;

    private final int dInner;
    private final int dtRank;
    private final Linear inProj;
    private final Linear xProj;
    private final Linear dtProj;
    private final Parameter aLog;
    private final Parameter d;
    private final Linear outProj;
    private final DepthwiseConv1d conv1dX;
    private final DepthwiseConv1d conv1dZ;

    MambaVisionMixer(int dModel) {
        dInner = dModel; // expand 1
        dtRank = (dModel + 15) / 16; // ceil(d_model / 16)
        int half = dInner / 2;
        inProj = addChild("in_proj", new Linear(dModel, dInner, false, MambaVision.WEIGHT_INIT, MambaVision.BIAS_INIT));
        xProj = addChild("x_proj", new Linear(half, dtRank + 2 * D_STATE, false, MambaVision.WEIGHT_INIT, MambaVision.BIAS_INIT));
        // MambaVision's _init_weights re-initialises every Linear after the Mamba-style dt init, bias included
        dtProj = addChild("dt_proj", new Linear(dtRank, half, true, MambaVision.WEIGHT_INIT, MambaVision.BIAS_INIT));
        // A_log = log(1..N) per channel and D = 1; kept float32 and not decayed (Kind.NORM), as mamba_ssm keeps them
        aLog = addParameter("A_log", Parameter.Kind.NORM,
                (m, s) -> m.arange(1f, D_STATE + 1f).log().reshape(1, D_STATE).repeat(0, half), half, D_STATE);
        d = addParameter("D", Parameter.Kind.NORM, Init.ones(), half);
        outProj = addChild("out_proj", new Linear(dInner, dModel, false, MambaVision.WEIGHT_INIT, MambaVision.BIAS_INIT));
        conv1dX = addChild("conv1d_x", new DepthwiseConv1d(half, D_CONV, false));
        conv1dZ = addChild("conv1d_z", new DepthwiseConv1d(half, D_CONV, false));
    }

    /** {@code [B, L, C]} to {@code [B, L, C]}. */
    NDArray forward(NDArray hidden) {
        int half = dInner / 2;
        NDArray xz = inProj.forward(hidden).transpose(0, 2, 1); // [B, d_inner, L]
        // torch.split as the reference: one concatenation in the backward, not a zero-filled tensor per slice
        NDList halves = JniUtils.split((PtNDArray) xz, new long[] {half, half}, 1);
        NDArray x = Functional.silu(conv1dX.same(halves.get(0)));
        NDArray z = Functional.silu(conv1dZ.same(halves.get(1)));
        NDArray xDbl = xProj.forward(x.transpose(0, 2, 1)); // [B, L, R + 2N]
        NDList parts = JniUtils.split((PtNDArray) xDbl, new long[] {dtRank, D_STATE, D_STATE}, 2);
        NDArray dt = dtProj.forward(parts.get(0)).transpose(0, 2, 1); // [B, d/2, L]
        NDArray bm = parts.get(1).transpose(0, 2, 1); // [B, N, L]
        NDArray cm = parts.get(2).transpose(0, 2, 1);
        NDArray a = aLog.array().exp().neg();
        NDArray y = SelectiveScan.scan(x, dt, a, bm, cm, d.array(), dtProj.bias().array(), null);
        NDArray cat = y.concat(z, 1).transpose(0, 2, 1); // [B, L, d_inner]
        return outProj.forward(cat);
    }

    /** Multiply-accumulates per token of the projections and convolutions (the scan itself is not counted). */
    long macsPerToken() {
        long half = dInner / 2;
        return (long) inProj.inFeatures() * dInner + 2 * half * D_CONV + half * (dtRank + 2L * D_STATE) + (long) dtRank * half
                + (long) dInner * outProj.outFeatures();
    }
}
