package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;

import java.util.random.RandomGenerator;

/**
 * Horizontal flip with probability {@code prob} (mmcv/mmdet {@code RandomFlip}, direction horizontal): the image
 * and label map are mirrored in place and targets get {@code x -> width - x}.
 */
public final class RandomFlip implements Transform {

    /** @param prob probability of flipping */
    public record Config(double prob) {
        public Config {
            if (!(prob >= 0 && prob <= 1)) {
                throw new IllegalArgumentException("prob must be in [0, 1], got " + prob);
            }
        }

        public static Config defaults() {
            return new Config(0.5);
        }
    }

    private final Config config;

    public RandomFlip(Config config) {
        this.config = config;
    }

    @Override
    public void apply(ImageSample sample, RandomGenerator rng) {
        if (rng.nextDouble() < config.prob()) {
            flip(sample);
        }
    }

    /** Mirrors {@code sample} left to right (also used for flip test-time augmentation). */
    public static void flip(ImageSample sample) {
        if (sample.image().width != sample.width()) {
            throw new IllegalStateException("flip after Pad would move the padding to the left: pad last");
        }
        for (int b = 0; b < sample.image().getNumBands(); b++) {
            flip(sample.image().getBand(b));
        }
        if (sample.labels() != null) {
            flip(sample.labels());
        }
        sample.recordFlip();
        for (Geometry g : sample.targets()) {
            g.flipHorizontal(sample.width());
        }
    }

    static void flip(GrayF32 img) {
        final float[] d = img.data;
        final int w = img.width;
        for (int y = 0; y < img.height; y++) {
            int i = img.startIndex + y * img.stride;
            int j = i + w - 1;
            for (; i < j; i++, j--) {
                float t = d[i];
                d[i] = d[j];
                d[j] = t;
            }
        }
    }

    static void flip(GrayU8 img) {
        final byte[] d = img.data;
        final int w = img.width;
        for (int y = 0; y < img.height; y++) {
            int i = img.startIndex + y * img.stride;
            int j = i + w - 1;
            for (; i < j; i++, j--) {
                byte t = d[i];
                d[i] = d[j];
                d[j] = t;
            }
        }
    }
}
