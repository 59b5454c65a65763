package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * {@code (v - mean[c]) / std[c]} per RGB band (mmcv {@code Normalize}, and the normalisation step of mmdet's
 * {@code DetDataPreprocessor} / mmseg's {@code SegDataPreProcessor}). Run it before padding so that the padding
 * stays 0 after normalisation, as those preprocessors pad after normalising.
 */
public final class Normalize implements Transform {

    /**
     * @param mean per band, RGB order
     * @param std per band, RGB order
     */
    public record Config(float[] mean, float[] std) {
        public Config {
            if (mean == null || std == null || mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("mean and std need 3 values (R, G, B), got "
                        + Arrays.toString(mean) + " and " + Arrays.toString(std));
            }
            for (float s : std) {
                if (!(s > 0)) {
                    throw new IllegalArgumentException("std must be > 0, got " + Arrays.toString(std));
                }
            }
            mean = mean.clone();
            std = std.clone();
        }

        /** ImageNet statistics in 0..255 RGB, as every mmdet/mmseg recipe we follow. */
        public static Config defaults() {
            return new Config(new float[] {123.675f, 116.28f, 103.53f}, new float[] {58.395f, 57.12f, 57.375f});
        }
    }

    private final Config config;

    public Normalize(Config config) {
        this.config = config;
    }

    @Override
    public void apply(ImageSample sample, RandomGenerator rng) {
        Planar<GrayF32> img = sample.image();
        for (int b = 0; b < 3; b++) {
            GrayF32 band = img.getBand(b);
            final float m = config.mean()[b];
            final float s = config.std()[b];
            final float[] d = band.data;
            for (int y = 0; y < band.height; y++) {
                final int base = band.startIndex + y * band.stride;
                for (int i = base; i < base + band.width; i++) {
                    d[i] = (d[i] - m) / s;
                }
            }
        }
    }
}
