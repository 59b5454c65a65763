package dev.densepred.backbone.ssm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.engine.nn.Functional;

/**
 * Mamba's selective scan ({@code mamba_ssm.ops.selective_scan_interface.selective_scan_fn} with
 * {@code delta_softplus=True}), the recurrence
 *
 * <pre>
 * delta = softplus(delta + delta_bias)
 * h_t   = exp(delta_t * A) * h_{t-1} + delta_t * B_t * u_t        (per channel d and state n)
 * y_t   = sum_n C_t[n] * h_t[n] + D * u_t,   then y * silu(z) when z is given
 * </pre>
 *
 * <p>Evaluated as a blocked recurrence, not a loop over every token: the sequence is cut into {@code nC} chunks of
 * {@code T} tokens. (1) A loop over the {@code T} positions runs all chunks at once from a zero state (each step an
 * op on {@code [B, nC, D, N]}). (2) A loop over the chunks carries the state across chunk boundaries, using each
 * chunk's total decay. (3) The carried state's contribution to every position is added in one vectorised step:
 * {@code C_t . (exp(cumsum(delta A))_t * H_chunk)}. Only decays {@code exp(x <= 0)} are ever formed, so nothing
 * overflows. With {@code T ~ sqrt(L)} that is about {@code 2 sqrt(L)} small ops instead of {@code L}; everything is
 * plain autograd-recorded tensor arithmetic, so gradients flow to every input.
 */
public final class SelectiveScan {

    /** Chunk lengths are kept within these bounds (about sqrt(L) in between). */
    static final int MIN_CHUNK = 16;
    static final int MAX_CHUNK = 256;

    private SelectiveScan() {}

    /** The chunk length used for a sequence of {@code length} tokens. */
    public static int chunkLength(long length) {
        return (int) Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, (long) Math.ceil(Math.sqrt(length))));
    }

    /**
     * @param u input {@code [B, D, L]}
     * @param delta time steps before softplus {@code [B, D, L]}
     * @param a state matrix {@code A = -exp(A_log)}, {@code [D, N]}
     * @param b input-dependent {@code B}, {@code [B, N, L]}
     * @param c input-dependent {@code C}, {@code [B, N, L]}
     * @param d skip {@code [D]}
     * @param deltaBias added to {@code delta} before the softplus, {@code [D]}, or null
     * @param z gate {@code [B, D, L]}, or null
     * @return {@code y [B, D, L]}
     */
    public static NDArray scan(NDArray u, NDArray delta, NDArray a, NDArray b, NDArray c, NDArray d, NDArray deltaBias, NDArray z) {
        return scan(u, delta, a, b, c, d, deltaBias, z, chunkLength(u.getShape().get(2)));
    }

    /** As {@link #scan(NDArray, NDArray, NDArray, NDArray, NDArray, NDArray, NDArray, NDArray)} with chunk length {@code t}. */
    public static NDArray scan(NDArray u, NDArray delta, NDArray a, NDArray b, NDArray c, NDArray d, NDArray deltaBias, NDArray z, int t) {
        long batch = u.getShape().get(0);
        long dim = u.getShape().get(1);
        long len = u.getShape().get(2);
        long n = a.getShape().get(1);
        if (!delta.getShape().equals(u.getShape()) || a.getShape().get(0) != dim || b.getShape().get(1) != n
                || c.getShape().get(1) != n || b.getShape().get(2) != len || c.getShape().get(2) != len) {
            throw new IllegalArgumentException("selective scan: u " + u.getShape() + ", delta " + delta.getShape() + ", A "
                    + a.getShape() + ", B " + b.getShape() + ", C " + c.getShape() + " do not fit [B, D, L], [D, N], [B, N, L]");
        }
        NDArray dt = deltaBias == null ? delta : delta.add(deltaBias.reshape(1, dim, 1));
        dt = JniUtils.softPlus((PtNDArray) dt);
        long chunks = (len + t - 1) / t;
        long padded = chunks * t;
        // [B, D, L] -> [B, L, D], zero-padded at the end: delta 0 keeps the state, u 0 adds nothing
        NDArray dtT = padTokens(dt.transpose(0, 2, 1), padded);
        NDArray uT = padTokens(u.transpose(0, 2, 1), padded);
        NDArray bT = padTokens(b.transpose(0, 2, 1), padded).reshape(batch, chunks, t, 1, n); // [B, nC, T, 1, N]
        NDArray cT = padTokens(c.transpose(0, 2, 1), padded).reshape(batch, chunks, t, 1, n);
        NDArray logDecay = dtT.reshape(batch, chunks, t, dim, 1).mul(a); // [B, nC, T, D, N], <= 0
        NDArray decay = logDecay.exp();
        NDArray input = dtT.mul(uT).reshape(batch, chunks, t, dim, 1).mul(bT); // delta * B * u, [B, nC, T, D, N]

        // (1) every chunk from a zero state, all chunks at once. The positions are taken apart with split, whose
        // gradient is one concatenation (indexing one position at a time would scatter into a full-size zero tensor
        // per position in the backward pass).
        NDList decays = decay.split(t, 2); // t x [B, nC, 1, D, N]
        NDList inputs = input.split(t, 2);
        NDList cs = cT.split(t, 2); // t x [B, nC, 1, 1, N]
        NDList ys = new NDList();
        NDArray h = null;
        for (int i = 0; i < t; i++) {
            h = h == null ? inputs.get(i) : decays.get(i).mul(h).add(inputs.get(i)); // [B, nC, 1, D, N]
            ys.add(h.mul(cs.get(i)).sum(new int[] {4})); // [B, nC, 1, D]
        }
        NDArray y = NDArrays.concat(ys, 2); // [B, nC, T, D]
        if (chunks > 1) {
            // (2) the state entering each chunk
            NDArray total = logDecay.cumSum(2); // log of the decay from the chunk start through position t
            NDList chunkDecay = total.get(new NDIndex(":, :, -1")).exp().split(chunks, 1); // nC x [B, 1, D, N]
            NDList ends = h.squeeze(2).split(chunks, 1); // nC x [B, 1, D, N], each chunk's final state from zero
            NDList carried = new NDList();
            NDArray state = null;
            for (int k = 0; k < chunks; k++) {
                carried.add(state == null ? ends.get(0).zerosLike() : state);
                if (k + 1 < chunks) {
                    state = state == null ? ends.get(k) : chunkDecay.get(k).mul(state).add(ends.get(k));
                }
            }
            NDArray entering = NDArrays.concat(carried, 1).expandDims(2); // [B, nC, 1, D, N]
            // (3) its contribution at every position
            y = y.add(total.exp().mul(entering).mul(cT).sum(new int[] {4}));
        }
        y = y.reshape(batch, padded, dim);
        if (padded != len) {
            y = y.get(new NDIndex(":, :{}", len));
        }
        y = y.transpose(0, 2, 1).add(u.mul(d.reshape(1, dim, 1))); // [B, D, L]
        if (z != null) {
            y = y.mul(Functional.silu(z));
        }
        return y;
    }

    /** {@code [B, L, X]} zero-padded to {@code [B, padded, X]}. */
    private static NDArray padTokens(NDArray x, long padded) {
        long len = x.getShape().get(1);
        if (padded == len) {
            return x;
        }
        NDArray zeros = x.getManager().zeros(new ai.djl.ndarray.types.Shape(x.getShape().get(0), padded - len, x.getShape().get(2)), x.getDataType());
        return x.concat(zeros, 1);
    }
}
