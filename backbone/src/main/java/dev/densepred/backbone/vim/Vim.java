package dev.densepred.backbone.vim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.Checkpoint;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.StageSettings;
import dev.densepred.backbone.StochasticDepth;
import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.ConvTranspose2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.nn.Sequential;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Vision Mamba (hustvl/Vim, {@code vim/models_mamba.py}) under the reference's parameter names, in the dense form of
 * its segmentation backbone {@code VisionMambaSeg} ({@code seg/backbone/vim.py}):
 *
 * <ul>
 *   <li>{@code patch_embed.proj}: 16x16 stride-16 convolution to {@code embed_dim} tokens, plus the absolute
 *       {@code pos_embed} of the {@code img_size} grid, resized bicubically (as {@code interpolate_pos_embed}) when the
 *       input grid differs; no class token ({@code if_cls_token=False});
 *   <li>{@code layers.{i}}: {@code depth} {@link VimBlock}s in sequence, each with a bidirectional ("v2") Mamba mixer;
 *   <li>the outputs of the {@code out_indices} layers (the mixer outputs, {@code use_residual_as_feature=False}) as
 *       maps at stride 16, turned into a pyramid: {@code fpn1} deconv 2x2/2, BatchNorm, GELU, deconv 2x2/2 (stride 4);
 *       {@code fpn2} deconv 2x2/2 (stride 8); {@code fpn3} identity (16); {@code fpn4} max-pool 2x2/2 (32).
 * </ul>
 */
public final class Vim extends Backbone {

    /** The reference's {@code segm_init_weights}/{@code _init_weights}: trunc-normal std 0.02 for linear layers. */
    static final Init WEIGHT_INIT = Init.truncNormal(0.02f);
    static final Init BIAS_INIT = Init.zeros();

    /**
     * Settings; JSON keys are the snake_case names.
     *
     * @param imgSize side of the pretraining image; {@code pos_embed} covers its {@code img_size / patch_size} grid
     * @param patchSize patch side (16; the stride equals it)
     * @param embedDim token channels
     * @param depth number of blocks
     * @param dState SSM state size per channel
     * @param dConv causal convolution width
     * @param expand {@code d_inner = expand * embed_dim}
     * @param rmsNorm RMSNorm (true, every released model) or LayerNorm in the blocks
     * @param normEpsilon the norms' eps
     * @param ifDivideOut halve the sum of the two scan directions before {@code out_proj}
     * @param dropPathRate stochastic depth of the last block; block i gets {@code [0] + linspace(0, rate, depth)} at i
     * @param outIndices blocks whose outputs feed the four pyramid levels, increasing, four of them
     * @param inChans input channels
     * @param pretrained weight file to load after initialisation, or null
     */
    public record Config(int imgSize, int patchSize, int embedDim, int depth, int dState, int dConv, int expand,
                         boolean rmsNorm, double normEpsilon, boolean ifDivideOut, double dropPathRate,
                         List<Integer> outIndices, int inChans, String pretrained) {

        public Config {
            outIndices = StageSettings.checkOutIndices(outIndices, depth);
            if (outIndices.size() != 4) {
                throw new IllegalArgumentException("out_indices " + outIndices + " must name 4 blocks, one per pyramid level");
            }
            if (patchSize != 16) {
                throw new IllegalArgumentException("patch_size " + patchSize + ": only the 16-pixel patches of the released Vim models are supported");
            }
            if (imgSize < patchSize || embedDim < 1 || dState < 1 || dConv < 1 || expand < 1 || inChans < 1 || !(normEpsilon > 0)) {
                throw new IllegalArgumentException("img_size " + imgSize + ", embed_dim " + embedDim + ", d_state " + dState
                        + ", d_conv " + dConv + ", expand " + expand + ", in_chans " + inChans + " and norm_epsilon must be positive");
            }
            StageSettings.checkDropPathRate(dropPathRate);
        }

        /** Vim-T for dense prediction: what a config gets for the keys it leaves out. */
        public static Config defaults() {
            return tiny();
        }

        /** vim_tiny_patch16_224 (7M parameters), with {@code upernet_vim_tiny_24_512}'s out_indices 5, 11, 17, 23. */
        public static Config tiny() {
            return new Config(224, 16, 192, 24, 16, 4, 2, true, 1e-5, true, 0.1, List.of(5, 11, 17, 23), 3, null);
        }

        /** vim_small_patch16_224 (26M parameters). */
        public static Config small() {
            return new Config(224, 16, 384, 24, 16, 4, 2, true, 1e-5, true, 0.1, List.of(5, 11, 17, 23), 3, null);
        }

        public Config withImgSize(int size) {
            return new Config(size, patchSize, embedDim, depth, dState, dConv, expand, rmsNorm, normEpsilon, ifDivideOut,
                    dropPathRate, outIndices, inChans, pretrained);
        }
    }

    /** {@code fpn1}: deconv, BatchNorm, GELU, deconv, children {@code 0, 1, 3} as in {@code nn.Sequential}. */
    static final class Fpn1 extends Module {
        final ConvTranspose2d up1;
        final BatchNorm2d norm;
        final ConvTranspose2d up2;

        Fpn1(int dim) {
            up1 = addChild("0", new ConvTranspose2d(dim, dim, 2, 2, 0));
            norm = addChild("1", new BatchNorm2d(dim));
            up2 = addChild("3", new ConvTranspose2d(dim, dim, 2, 2, 0));
        }

        NDArray forward(NDArray x) {
            return up2.forward(Functional.gelu(norm.forward(up1.forward(x))));
        }
    }

    private final Config config;
    private final int grid;
    private final Conv2d proj;
    private final Parameter posEmbed;
    private final Sequential<VimBlock> layers;
    private final Fpn1 fpn1;
    private final ConvTranspose2d fpn2;

    public Vim(Config config) {
        super(config.pretrained());
        this.config = config;
        int dim = config.embedDim();
        grid = config.imgSize() / config.patchSize();
        proj = addChild("patch_embed", new PatchEmbed(config.inChans(), dim, config.patchSize())).proj();
        posEmbed = addParameter("pos_embed", Parameter.Kind.OTHER, Init.truncNormal(0.02f), 1, (long) grid * grid, dim);
        layers = addChild("layers", new Sequential<>());
        // inter_dpr = [0.0] + linspace(0, rate, depth): block i gets entry i
        List<Double> dpr = StochasticDepth.perStage(List.of(config.depth()), config.dropPathRate()).get(0);
        for (int i = 0; i < config.depth(); i++) {
            layers.add(new VimBlock(dim, config, i == 0 ? 0.0 : dpr.get(i - 1)));
        }
        fpn1 = addChild("fpn1", new Fpn1(dim));
        Sequential<ConvTranspose2d> f2 = addChild("fpn2", new Sequential<>());
        fpn2 = f2.add(new ConvTranspose2d(dim, dim, 2, 2, 0));
        List<FeatureInfo> info = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            info.add(new FeatureInfo(dim, 4 << k, "fpn" + (k + 1)));
        }
        declareFeatures(info);
    }

    public Config config() {
        return config;
    }

    /**
     * {@code [N, C_in, H, W]} (H, W multiples of 16) to four {@code [N, embed_dim, H/s, W/s]} maps for strides 4, 8,
     * 16, 32. Blocks after the last out index are not run.
     */
    @Override
    public List<NDArray> forward(NDArray images) {
        long p = config.patchSize();
        if (images.getShape().dimension() != 4 || images.getShape().get(1) != config.inChans()
                || images.getShape().get(2) % p != 0 || images.getShape().get(3) % p != 0) {
            throw new IllegalArgumentException("Vim expects images [N, " + config.inChans() + ", H, W] with H and W multiples of "
                    + p + ", got " + images.getShape());
        }
        long n = images.getShape().get(0);
        int dim = config.embedDim();
        long hp = images.getShape().get(2) / p;
        long wp = images.getShape().get(3) / p;
        NDArray tokens = proj.forward(images).reshape(n, dim, hp * wp).transpose(0, 2, 1); // [N, L, C]
        VimBlock.State state = new VimBlock.State(tokens.add(positions(tokens.getManager(), hp, wp)), null);
        List<NDArray> maps = new ArrayList<>();
        int last = config.outIndices().get(3);
        for (int i = 0; i <= last; i++) {
            state = layers.get(i).forward(state);
            if (config.outIndices().contains(i)) {
                maps.add(state.hidden().transpose(0, 2, 1).reshape(n, dim, hp, wp)); // [N, L, C] -> [N, C, Hp, Wp]
            }
        }
        return List.of(fpn1.forward(maps.get(0)), fpn2.forward(maps.get(1)), maps.get(2), Functional.maxPool2d(maps.get(3), 2, 2, 0, false));
    }

    /**
     * {@code pos_embed} for an {@code hp x wp} grid, {@code [1, hp * wp, C]}. Another grid than the stored one gets
     * {@code F.interpolate(mode='bicubic', align_corners=False)} of the stored grid, composed as two interpolation
     * matrices ({@code Ry @ P @ Rx^T}: exact, differentiable, and made in the activations' manager).
     */
    private NDArray positions(NDManager scope, long hp, long wp) {
        NDArray pe = posEmbed.array();
        if (hp == grid && wp == grid) {
            return pe;
        }
        int dim = config.embedDim();
        NDArray ry = scope.create(cubicMatrix(grid, (int) hp)).toType(pe.getDataType(), false); // [hp, g]
        NDArray rx = scope.create(cubicMatrix(grid, (int) wp)).toType(pe.getDataType(), false); // [wp, g]
        NDArray rows = ry.matMul(pe.reshape(grid, (long) grid * dim)).reshape(hp, grid, dim); // [hp, g, C]
        NDArray both = rows.transpose(0, 2, 1).matMul(rx.transpose()); // [hp, C, wp]
        return both.transpose(0, 2, 1).reshape(1, hp * wp, dim);
    }

    /**
     * PyTorch's bicubic resampling along one axis as an {@code [out, in]} matrix: source {@code (o + 0.5) in/out - 0.5},
     * cubic convolution with A = -0.75 on the four neighbours, indices clamped to the border, no antialiasing.
     */
    static double[][] cubicMatrix(int in, int out) {
        double[][] m = new double[out][in];
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double src = (o + 0.5) * scale - 0.5;
            int i0 = (int) Math.floor(src);
            double t = src - i0;
            for (int off = -1; off <= 2; off++) {
                int idx = Math.min(Math.max(i0 + off, 0), in - 1);
                m[o][idx] += cubic(Math.abs(off - t));
            }
        }
        return m;
    }

    private static double cubic(double t) {
        double a = -0.75;
        if (t <= 1) {
            return ((a + 2) * t - (a + 3)) * t * t + 1;
        }
        return t < 2 ? ((a * t - 5 * a) * t + 8 * a) * t - 4 * a : 0;
    }

    /**
     * Loads weights under the reference's names (the released {@code vim_t_midclstok_*.pth} {@code model} dict, as
     * safetensors or {@code .pth}). The classifier {@code head.*}, the final {@code norm_f} (unused by the dense
     * backbone) and {@code cls_token} are dropped; {@code fpn1/fpn2} keep their initialisation. A {@code pos_embed} with
     * one token more than the grid is a middle-class-token model's ({@code use_middle_cls_token}): the token at index
     * {@code grid^2 / 2} (where the class token sat) is removed.
     */
    @Override
    public LoadReport loadPretrained(Path file) throws IOException {
        String fileKey = "pos_embed (as stored)";
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            LoadReport r = loadStateDict(ckpt, "official", k -> k.equals("pos_embed") ? fileKey : k,
                    name -> name.startsWith("head.") || name.startsWith("norm_f.") || name.equals("cls_token")
                            || name.startsWith("fpn") || name.equals("pos_embed") || name.equals(fileKey));
            List<String> dropped = new ArrayList<>(r.dropped());
            List<String> fresh = new ArrayList<>(r.fresh());
            int loaded = r.loaded();
            long[] shape = ckpt.shapes().get("pos_embed");
            if (shape != null) {
                long tokens = (long) grid * grid;
                NDArray current = posEmbed.array();
                NDArray stored = ckpt.load("pos_embed", current.getManager());
                if (shape.length == 3 && shape[1] == tokens + 1 && shape[2] == config.embedDim()) {
                    long mid = tokens / 2;
                    stored = stored.get(new NDIndex(":, :{}", mid)).concat(stored.get(new NDIndex(":, {}:", mid + 1)), 1);
                } else if (!(shape.length == 3 && shape[0] == 1 && shape[1] == tokens && shape[2] == config.embedDim())) {
                    throw new IllegalArgumentException(file + ": pos_embed " + java.util.Arrays.toString(shape) + " fits neither the "
                            + grid + "x" + grid + " grid of img_size " + config.imgSize() + " nor that grid plus a class token");
                }
                posEmbed.replace(stored.toType(current.getDataType(), false));
                dropped.remove("pos_embed");
                fresh.remove("pos_embed");
                loaded++;
            }
            return new LoadReport(r.file(), r.naming(), loaded, dropped, fresh);
        }
    }

    /** Multiply-accumulates on a {@code height x width} image: patch embedding, block projections/convolutions, fpn. */
    public long macs(long height, long width) {
        long p = config.patchSize();
        long tokens = (height / p) * (width / p);
        long dim = config.embedDim();
        long macs = tokens * dim * config.inChans() * p * p;
        for (int i = 0; i <= config.outIndices().get(3); i++) {
            macs += tokens * layers.get(i).macsPerToken();
        }
        // deconv 2x2/2 costs 4 C^2 per input pixel: fpn1 two (at 1/16 and 1/8), fpn2 one
        macs += tokens * 4 * dim * dim + tokens * 4 * 4 * dim * dim + tokens * 4 * dim * dim;
        return macs;
    }
}
