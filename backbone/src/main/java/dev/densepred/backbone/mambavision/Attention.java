package dev.densepred.backbone.mambavision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Functional;

/**
 * Multi-head self-attention of the later blocks of levels 2 and 3 ({@code Attention}, timm's ViT attention):
 * {@code qkv} (with bias), {@code softmax(q k^T / sqrt(head_dim)) v}, {@code proj}; no q/k norm.
 */
final class Attention extends Module {

    private final int heads;
    private final int headDim;
    private final Linear qkv;
    private final Linear proj;

    Attention(int dim, int heads) {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not divisible by num_heads " + heads);
        }
        this.heads = heads;
        this.headDim = dim / heads;
        qkv = addChild("qkv", new Linear(dim, 3 * dim, true, MambaVision.WEIGHT_INIT, MambaVision.BIAS_INIT));
        proj = addChild("proj", new Linear(dim, dim, true, MambaVision.WEIGHT_INIT, MambaVision.BIAS_INIT));
    }

    /** {@code [B, N, C]} to {@code [B, N, C]}. */
    NDArray forward(NDArray x) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long c = x.getShape().get(2);
        // [B, N, 3C] -> [B, N, 3, heads, hd] -> [3, B, heads, N, hd]
        NDArray qkvs = qkv.forward(x).reshape(b, n, 3, heads, headDim).transpose(2, 0, 3, 1, 4);
        NDArray q = Functional.mul(qkvs.get(new NDIndex("0")), 1.0 / Math.sqrt(headDim));
        NDArray k = qkvs.get(new NDIndex("1"));
        NDArray v = qkvs.get(new NDIndex("2"));
        NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1); // [B, heads, N, N]
        NDArray out = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, c);
        return proj.forward(out);
    }

    /** Projections per token plus the two attention products over {@code n} tokens. */
    long macsPerToken(long n) {
        long dim = (long) heads * headDim;
        return dim * 3 * dim + dim * dim + 2 * n * dim;
    }
}
