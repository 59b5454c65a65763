package dev.densepred.datasets.transform;

import dev.densepred.engine.config.Registry;

/**
 * The transform registry: config {@code type} names (mmcv's, where we have a twin) to builders. Filled here, in
 * one place; a dataset module may build its own registry on top with {@link #register(Registry)}.
 */
public final class Transforms {

    private static final Registry<Transform> REGISTRY = register(new Registry<>("transform"));

    private Transforms() {}

    /** The shared registry of this module's transforms. */
    public static Registry<Transform> registry() {
        return REGISTRY;
    }

    /** Adds this module's transforms to {@code registry} and returns it. */
    public static Registry<Transform> register(Registry<Transform> registry) {
        return registry
                .register("Resize", Resize.Config.class, Resize::new)
                .register("RandomResize", RandomResize.Config.class, RandomResize::new)
                .register("RandomFlip", RandomFlip.Config.class, RandomFlip::new)
                .register("RandomCrop", RandomCrop.Config.class, RandomCrop::new)
                .register("PhotoMetricDistortion", PhotoMetricDistortion.Config.class, PhotoMetricDistortion::new)
                .register("Normalize", Normalize.Config.class, Normalize::new)
                .register("Pad", Pad.Config.class, Pad::new);
    }
}
