package dev.densepred.backbone.vim;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;

/**
 * Vim's {@code patch_embed}: the patchifying convolution {@code proj} (kernel = stride = patch), lecun-normal weight
 * and zero bias as the reference's {@code segm_init_weights}.
 */
final class PatchEmbed extends Module {

    private final Conv2d proj;

    PatchEmbed(int inChans, int dim, int patch) {
        // lecun_normal_: truncated normal with std sqrt(1 / fan_in), corrected for the truncation at 2 std
        float std = (float) (Math.sqrt(1.0 / (inChans * patch * patch)) / .87962566103423978);
        proj = addChild("proj", new Conv2d(inChans, dim, patch, Conv2d.Options.defaults().withStride(patch),
                Init.truncNormal(0f, std, -2f * std, 2f * std), Vim.BIAS_INIT));
    }

    Conv2d proj() {
        return proj;
    }
}
