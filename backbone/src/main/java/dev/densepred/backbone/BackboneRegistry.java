package dev.densepred.backbone;

import dev.densepred.backbone.convnext.ConvNeXt;
import dev.densepred.backbone.mambaout.MambaOut;
import dev.densepred.backbone.mambavision.MambaVision;
import dev.densepred.backbone.resnet.ResNet;
import dev.densepred.backbone.vim.Vim;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.Registry;

/**
 * The backbones a config can name with {@code type}, registered here and only here. A config subtree such as
 *
 * <pre>{@code
 * "backbone": {"type": "MambaOut", "depths": [3, 3, 9, 3], "dims": [96, 192, 384, 576], "drop_path_rate": 0.3}
 * }</pre>
 *
 * binds its other keys to the type's settings record ({@link MambaOut.Config}, {@link ResNet.Config},
 * {@link ResNet.V1cConfig}, {@link ConvNeXt.Config}, {@link MambaVision.Config}, {@link Vim.Config}), keys left
 * out taking the record's {@code defaults()}.
 */
public final class BackboneRegistry {

    private static final Registry<Backbone> REGISTRY = new Registry<Backbone>("backbone")
            .register("MambaOut", MambaOut.Config.class, MambaOut::new)
            .register("ResNet", ResNet.Config.class, ResNet::new)
            .register("ResNetV1c", ResNet.V1cConfig.class, c -> new ResNet(c.resnet()))
            .register("ConvNeXt", ConvNeXt.Config.class, ConvNeXt::new)
            .register("MambaVision", MambaVision.Config.class, MambaVision::new)
            .register("Vim", Vim.Config.class, Vim::new);

    private BackboneRegistry() {}

    /**
     * The registry (types {@code MambaOut}, {@code ResNet}, {@code ResNetV1c}, {@code ConvNeXt}, {@code MambaVision},
     * {@code Vim}).
     */
    public static Registry<Backbone> registry() {
        return REGISTRY;
    }

    /** Builds the backbone a config subtree describes; call {@link Backbone#initialize} next. */
    public static Backbone build(Config cfg) {
        return REGISTRY.build(cfg);
    }
}
