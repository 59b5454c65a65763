package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;
import dev.densepred.datasets.testing.ScriptedRandom;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhotometricTransformsTest {

    private static final PhotoMetricDistortion PMD = new PhotoMetricDistortion(PhotoMetricDistortion.Config.defaults());

    @Test
    void brightnessAndContrastClipTo0To255() {
        Planar<GrayF32> img = image(new float[] {250, 10, 0}, new float[] {100, 200, 3});
        PhotoMetricDistortion.affine(img, 1f, 16f);
        assertPixel(img, 0, 255, 26, 16);
        assertPixel(img, 1, 116, 216, 19);
        PhotoMetricDistortion.affine(img, 1.5f, 0f);
        assertPixel(img, 0, 255, 39, 24);
        assertPixel(img, 1, 174, 255, 28.5f);
    }

    @Test
    void saturationScalesChromaAndClipsAtFull() {
        // (200, 100, 100): H 0, S 0.5, V 200. S * 1.5 = 0.75 -> min channel 200 * 0.25 = 50.
        Planar<GrayF32> img = image(new float[] {200, 100, 100}, new float[] {255, 128, 0});
        PhotoMetricDistortion.saturationAndHue(img, 1.5f, 0);
        assertPixel(img, 0, 200, 50, 50);
        // Already fully saturated: S stays 1, the pixel is unchanged.
        assertPixel(img, 1, 255, 128, 0);
    }

    @Test
    void hueShiftRotatesAndWraps() {
        // Pure red (H 0) + 120 degrees = pure green; pure blue (H 240) + 120 = 360 -> 0 = red.
        Planar<GrayF32> img = image(new float[] {255, 0, 0}, new float[] {0, 0, 255});
        PhotoMetricDistortion.saturationAndHue(img, 1f, 120);
        assertPixel(img, 0, 0, 255, 0);
        assertPixel(img, 1, 255, 0, 0);
        // -60 degrees from red wraps to 300 (magenta).
        Planar<GrayF32> red = image(new float[] {255, 0, 0});
        PhotoMetricDistortion.saturationAndHue(red, 1f, -60);
        assertPixel(red, 0, 255, 0, 255);
    }

    @Test
    void stepsRunInMmsegOrderWithContrastLast() {
        Planar<GrayF32> img = image(new float[] {200, 100, 100});
        ImageSample s = new ImageSample(img, null);
        ScriptedRandom rng = new ScriptedRandom()
                .withBooleans(true).withDoubles(0.75)   // brightness: -32 + 64 * 0.75 = +16
                .withBooleans(false)                    // mode: contrast last
                .withBooleans(true).withDoubles(0.75)   // saturation 0.5 + 0.75 = 1.25
                .withBooleans(true).withInts(10)        // hue +10 units = +20 degrees
                .withBooleans(true).withDoubles(0.9);   // contrast 1.4
        PMD.apply(s, rng);
        assertTrue(rng.exhausted());
        // Hand computation: (216, 116, 116) -> S = 100/216 * 1.25, V 216, H 20 deg (sector 0, f = 1/3):
        // R = V, G = V (1 - S (1 - f)), B = V (1 - S); then * 1.4 with clipping.
        double sat = 100.0 / 216 * 1.25;
        double r = Math.min(216 * 1.4, 255);
        double g = 216 * (1 - sat * (2.0 / 3)) * 1.4;
        double b = 216 * (1 - sat) * 1.4;
        assertPixel(img, 0, (float) r, (float) g, (float) b);
    }

    @Test
    void contrastFirstModeAndSkippedSteps() {
        Planar<GrayF32> img = image(new float[] {100, 50, 20});
        ScriptedRandom rng = new ScriptedRandom()
                .withBooleans(false)                   // no brightness
                .withBooleans(true)                    // mode: contrast first
                .withBooleans(true).withDoubles(0.0)   // contrast 0.5
                .withBooleans(false, false);           // no saturation, no hue
        PMD.apply(new ImageSample(img, null), rng);
        assertTrue(rng.exhausted());
        assertPixel(img, 0, 50, 25, 10);
    }

    @Test
    void normalizeUsesImagenetStatisticsPerRgbBand() {
        Planar<GrayF32> img = image(new float[] {123.675f, 116.28f, 103.53f}, new float[] {255, 0, 182.07f});
        new Normalize(Normalize.Config.defaults()).apply(new ImageSample(img, null), new ScriptedRandom());
        assertPixel(img, 0, 0, 0, 0);
        assertPixel(img, 1, (255 - 123.675f) / 58.395f, -116.28f / 57.12f, (182.07f - 103.53f) / 57.375f);
    }

    private static Planar<GrayF32> image(float[]... pixels) {
        Planar<GrayF32> img = new Planar<>(GrayF32.class, pixels.length, 1, 3);
        for (int p = 0; p < pixels.length; p++) {
            for (int b = 0; b < 3; b++) {
                img.getBand(b).data[p] = pixels[p][b];
            }
        }
        return img;
    }

    private static void assertPixel(Planar<GrayF32> img, int p, float r, float g, float b) {
        assertAll("pixel " + p,
                () -> assertEquals(r, img.getBand(0).data[p], 1e-3, "R"),
                () -> assertEquals(g, img.getBand(1).data[p], 1e-3, "G"),
                () -> assertEquals(b, img.getBand(2).data[p], 1e-3, "B"));
    }
}
