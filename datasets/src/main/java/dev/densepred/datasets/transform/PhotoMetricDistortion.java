package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;
import dev.densepred.datasets.image.HsvColor;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * mmseg {@code PhotoMetricDistortion}: each step with probability 0.5, in this order: brightness
 * ({@code + U(-delta, delta)}), contrast ({@code * U(lo, hi)}) when the random mode puts it first, saturation
 * ({@code S * U(lo, hi)}), hue (shift), contrast when the mode puts it last. Brightness, contrast and saturation
 * clip to the valid range (0..255, S to 0..1) where mmseg clips.
 *
 * <p>Pixels stay float and the colour conversion is cv2's float32 one ({@link HsvColor}); mmseg runs on uint8,
 * truncating after each step and converting with cv2's 8-bit HSV (H in 2-degree units). The hue shift is drawn as
 * mmseg draws it, an integer in {@code [-hueDelta, hueDelta)} of those 2-degree units, so the default 18 means up
 * to 36 degrees. docs/data.md lists the remaining differences.
 */
public final class PhotoMetricDistortion implements Transform {

    /**
     * @param brightnessDelta largest brightness offset, in 0..255 levels
     * @param contrastRange {@code [lo, hi]} contrast factor
     * @param saturationRange {@code [lo, hi]} saturation factor
     * @param hueDelta largest hue shift in cv2 8-bit hue units (2 degrees each)
     */
    public record Config(int brightnessDelta, double[] contrastRange, double[] saturationRange, int hueDelta) {
        public Config {
            contrastRange = range("contrast_range", contrastRange);
            saturationRange = range("saturation_range", saturationRange);
            if (brightnessDelta < 0 || hueDelta < 0) {
                throw new IllegalArgumentException("brightness_delta and hue_delta must be >= 0, got "
                        + brightnessDelta + " and " + hueDelta);
            }
        }

        /** mmseg's defaults: 32, (0.5, 1.5), (0.5, 1.5), 18. */
        public static Config defaults() {
            return new Config(32, new double[] {0.5, 1.5}, new double[] {0.5, 1.5}, 18);
        }

        private static double[] range(String name, double[] r) {
            if (r == null || r.length != 2 || r[0] > r[1] || r[0] < 0) {
                throw new IllegalArgumentException(name + " must be [lo, hi] with 0 <= lo <= hi, got " + Arrays.toString(r));
            }
            return r.clone();
        }
    }

    private final Config config;

    public PhotoMetricDistortion(Config config) {
        this.config = config;
    }

    @Override
    public void apply(ImageSample sample, RandomGenerator rng) {
        Planar<GrayF32> img = sample.image();
        if (rng.nextBoolean()) {
            affine(img, 1f, uniform(rng, -config.brightnessDelta(), config.brightnessDelta()));
        }
        boolean contrastFirst = rng.nextBoolean();
        if (contrastFirst) {
            contrast(img, rng);
        }
        boolean saturate = rng.nextBoolean();
        float saturation = saturate ? uniform(rng, config.saturationRange()[0], config.saturationRange()[1]) : 1f;
        boolean shiftHue = rng.nextBoolean();
        // numpy's randint(-d, d), as mmseg draws it: the upper end is excluded.
        int hueShift = shiftHue && config.hueDelta() > 0 ? 2 * rng.nextInt(-config.hueDelta(), config.hueDelta()) : 0;
        if (saturate || shiftHue) {
            saturationAndHue(img, saturation, hueShift);
        }
        if (!contrastFirst) {
            contrast(img, rng);
        }
    }

    private void contrast(Planar<GrayF32> img, RandomGenerator rng) {
        if (rng.nextBoolean()) {
            affine(img, uniform(rng, config.contrastRange()[0], config.contrastRange()[1]), 0f);
        }
    }

    /** {@code clip(v * alpha + beta, 0, 255)} on every band: mmseg's {@code convert}, without the uint8 cast. */
    static void affine(Planar<GrayF32> img, float alpha, float beta) {
        for (int b = 0; b < img.getNumBands(); b++) {
            GrayF32 band = img.getBand(b);
            final float[] d = band.data;
            for (int y = 0; y < band.height; y++) {
                final int base = band.startIndex + y * band.stride;
                for (int i = base; i < base + band.width; i++) {
                    d[i] = Math.min(Math.max(d[i] * alpha + beta, 0f), 255f);
                }
            }
        }
    }

    /** Scales S (clipped to [0, 1]) and shifts H by {@code hueDegrees} (mod 360) through one HSV round trip. */
    static void saturationAndHue(Planar<GrayF32> img, float saturation, int hueDegrees) {
        HsvColor.rgbToHsv(img);
        GrayF32 hb = img.getBand(0);
        final float[] h = hb.data;
        final float[] s = img.getBand(1).data;
        for (int y = 0; y < hb.height; y++) {
            final int base = hb.startIndex + y * hb.stride;
            for (int i = base; i < base + hb.width; i++) {
                s[i] = Math.min(Math.max(s[i] * saturation, 0f), 1f);
                float hv = h[i] + hueDegrees;
                h[i] = hv >= 360f ? hv - 360f : hv < 0f ? hv + 360f : hv;
            }
        }
        HsvColor.hsvToRgb(img);
    }

    private static float uniform(RandomGenerator rng, double lo, double hi) {
        return (float) (lo + (hi - lo) * rng.nextDouble());
    }
}
