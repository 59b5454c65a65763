package dev.densepred.datasets.transform;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Resize to a random multiple of a base scale (mmcv {@code RandomResize} with {@code ratio_range}, as in the
 * mmseg ADE20K recipe): {@code ratio ~ U[min, max)}, target scale {@code ((int) (w * ratio), (int) (h * ratio))},
 * then {@link Resize} to it, keeping the aspect ratio when {@code keepRatio}.
 *
 * @see Resize
 */
public final class RandomResize implements Transform {

    /**
     * @param scale base {@code [width, height]}
     * @param ratioRange {@code [min, max]} ratio applied to both edges
     * @param keepRatio keep the aspect ratio within the sampled scale
     */
    public record Config(int[] scale, double[] ratioRange, boolean keepRatio) {
        public Config {
            Resize.checkScale(scale);
            if (ratioRange == null || ratioRange.length != 2 || !(ratioRange[0] > 0) || ratioRange[0] > ratioRange[1]) {
                throw new IllegalArgumentException("ratio_range must be [min, max] with 0 < min <= max, got "
                        + Arrays.toString(ratioRange));
            }
            scale = scale.clone();
            ratioRange = ratioRange.clone();
        }

        /** mmseg ADE20K: scale (2048, 512), ratio 0.5..2.0, keep ratio. */
        public static Config defaults() {
            return new Config(new int[] {2048, 512}, new double[] {0.5, 2.0}, true);
        }
    }

    private final Config config;

    public RandomResize(Config config) {
        this.config = config;
    }

    @Override
    public void apply(ImageSample sample, RandomGenerator rng) {
        double lo = config.ratioRange()[0];
        double hi = config.ratioRange()[1];
        double ratio = rng.nextDouble() * (hi - lo) + lo;
        int w = (int) (config.scale()[0] * ratio);
        int h = (int) (config.scale()[1] * ratio);
        if (config.keepRatio()) {
            int[] size = Resize.rescaleSize(sample.width(), sample.height(), w, h);
            Resize.resizeTo(sample, size[0], size[1]);
        } else {
            Resize.resizeTo(sample, w, h);
        }
    }
}
