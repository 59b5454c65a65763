package dev.densepred.datasets.transform;

import dev.densepred.engine.config.Config;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** Transforms applied in order (mmcv {@code Compose}); built from code or from a config list via {@link Transforms}. */
public final class Pipeline implements Transform {

    private final List<Transform> steps;

    public Pipeline(List<? extends Transform> steps) {
        this.steps = List.copyOf(steps);
    }

    public static Pipeline of(Transform... steps) {
        return new Pipeline(List.of(steps));
    }

    /** A pipeline from config entries such as {@code {"type": "Resize", "scale": [1333, 800]}}. */
    public static Pipeline fromConfig(List<Config> entries) {
        List<Transform> steps = new ArrayList<>(entries.size());
        for (Config c : entries) {
            steps.add(Transforms.registry().build(c));
        }
        return new Pipeline(steps);
    }

    public List<Transform> steps() {
        return steps;
    }

    @Override
    public void apply(ImageSample sample, RandomGenerator rng) {
        for (Transform t : steps) {
            t.apply(sample, rng);
        }
    }
}
