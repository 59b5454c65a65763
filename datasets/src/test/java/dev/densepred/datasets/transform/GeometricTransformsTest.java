package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import com.google.gson.JsonParser;
import dev.densepred.datasets.testing.ScriptedRandom;
import dev.densepred.engine.config.Config;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeometricTransformsTest {

    @Test
    void rescaleSizeFollowsMmcvRounding() {
        // COCO's 640x427 into (1333, 800): factor min(1333/640, 800/427) = 800/427; 640 * 800/427 = 1199.06.
        assertAll(
                () -> assertArrayEquals(new int[] {1199, 800}, Resize.rescaleSize(640, 427, 1333, 800)),
                () -> assertArrayEquals(new int[] {800, 1199}, Resize.rescaleSize(427, 640, 1333, 800)),
                // The long edge binds: 1000x200 -> factor 1333/1000 -> 1333 x 266.6 -> 267 (int(x + 0.5)).
                () -> assertArrayEquals(new int[] {1333, 267}, Resize.rescaleSize(1000, 200, 1333, 800)),
                // Scale order does not matter with keep ratio.
                () -> assertArrayEquals(new int[] {1199, 800}, Resize.rescaleSize(640, 427, 800, 1333)),
                // ADE: 683x512 into (2048, 512) -> factor 1 -> unchanged.
                () -> assertArrayEquals(new int[] {683, 512}, Resize.rescaleSize(683, 512, 2048, 512)));
    }

    @Test
    void resizeMovesLabelsAndBoxesWithTheImage() {
        ImageSample s = sample(640, 427);
        BoxTargets boxes = new BoxTargets(new float[] {10, 20, 630, 420, 600, 400, 700, 500}, true);
        s.addTarget(boxes);
        new Resize(Resize.Config.defaults()).apply(s, new ScriptedRandom());

        double sx = 1199.0 / 640;
        double sy = 800.0 / 427;
        ImageMeta m = s.meta();
        assertAll(
                () -> assertEquals(1199, s.image().width),
                () -> assertEquals(800, s.image().height),
                () -> assertEquals(1199, s.labels().width),
                () -> assertEquals(sx, m.scaleX(), 1e-12),
                () -> assertEquals(sy, m.scaleY(), 1e-12),
                () -> assertEquals(427, m.oriHeight()),
                () -> assertEquals(640, m.oriWidth()),
                // Boxes scale per axis, and the second box is clipped to the new image (mmdet clip_object_border).
                () -> assertArrayEquals(new float[] {(float) (10 * sx), (float) (20 * sy), (float) (630 * sx),
                        (float) (420 * sy), (float) (600 * sx), (float) (400 * sy), 1199, 800}, boxes.toArray(), 1e-3f),
                // Labels stay class values: nearest neighbour, so only values of the source appear.
                () -> assertTrue(onlyValues(s.labels(), 0, 1, 2)));
    }

    @Test
    void labelResizeKeepsARegionBoundaryWhereNearestPutsIt() {
        // Columns 0..3 are class 1, 4..7 class 2; 8 -> 3 columns: sources floor(d * 8/3) = 0, 2, 5.
        ImageSample s = new ImageSample(new Planar<>(GrayF32.class, 8, 1, 3), new GrayU8(8, 1));
        for (int x = 0; x < 8; x++) {
            s.labels().set(x, 0, x < 4 ? 1 : 2);
        }
        Resize.resizeTo(s, 3, 1);
        assertArrayEquals(new byte[] {1, 1, 2}, s.labels().data);
    }

    @Test
    void randomResizeSamplesTheScaleThenKeepsRatio() {
        // ratio = 0.25 * (2 - 0.5) + 0.5 = 0.875 -> scale (1792, 448); 683x512 fits as factor 448/512 = 0.875.
        ImageSample s = sample(683, 512);
        new RandomResize(RandomResize.Config.defaults()).apply(s, new ScriptedRandom().withDoubles(0.25));
        assertEquals("598x448", s.width() + "x" + s.height());
        assertEquals(0.875, s.meta().scaleY(), 1e-12);
    }

    @Test
    void flipMirrorsImageLabelsAndBoxes() {
        ImageSample s = sample(5, 2);
        float[] before = s.image().getBand(1).data.clone();
        byte[] labelsBefore = s.labels().data.clone();
        BoxTargets boxes = new BoxTargets(new float[] {0, 0, 2, 1, 1.5f, 0.5f, 5, 2}, true);
        s.addTarget(boxes);
        new RandomFlip(new RandomFlip.Config(1.0)).apply(s, new ScriptedRandom().withDoubles(0.3));
        assertAll(
                () -> assertEquals(before[4], s.image().getBand(1).data[0]),
                () -> assertEquals(before[0], s.image().getBand(1).data[4]),
                () -> assertEquals(before[7], s.image().getBand(1).data[7]),
                () -> assertEquals(labelsBefore[9], s.labels().data[5]),
                () -> assertArrayEquals(new float[] {3, 0, 5, 1, 0, 0.5f, 3.5f, 2}, boxes.toArray()),
                () -> assertTrue(s.meta().flipped()));
        RandomFlip.flip(s);
        assertArrayEquals(before, s.image().getBand(1).data);
        assertArrayEquals(new float[] {0, 0, 2, 1, 1.5f, 0.5f, 5, 2}, boxes.toArray());
        assertFalse(s.meta().flipped());
        // prob 0.5 and a draw of 0.7: no flip.
        new RandomFlip(RandomFlip.Config.defaults()).apply(s, new ScriptedRandom().withDoubles(0.7));
        assertArrayEquals(before, s.image().getBand(1).data);
    }

    @Test
    void cropCopiesTheWindowAndShiftsTargets() {
        ImageSample s = sample(10, 8);
        float corner = s.image().getBand(2).get(3, 2);
        int label = s.labels().get(3, 2);
        BoxTargets boxes = new BoxTargets(new float[] {1, 1, 6, 5}, true);
        s.addTarget(boxes);
        RandomCrop.crop(s, 3, 2, 4, 5);
        assertAll(
                () -> assertEquals("4x5", s.image().width + "x" + s.image().height),
                () -> assertEquals(corner, s.image().getBand(2).get(0, 0)),
                () -> assertEquals(label, s.labels().get(0, 0)),
                () -> assertArrayEquals(new float[] {0, 0, 3, 3}, boxes.toArray()));
    }

    @Test
    void catMaxRatioRejectsSingleClassWindowsAndIgnoresIgnoreIndex() {
        // 12x4 labels: columns 0..5 class 1, 6..7 ignore (255), 8..11 class 2. Crop 4 wide (cropSize [4, 4]).
        ImageSample s = new ImageSample(new Planar<>(GrayF32.class, 12, 4, 3), new GrayU8(12, 4));
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 12; x++) {
                s.labels().set(x, y, x < 6 ? 1 : x < 8 ? 255 : 2);
            }
        }
        RandomCrop crop = new RandomCrop(new RandomCrop.Config(new int[] {4, 4}, 0.75, 255));
        // Offsets drawn (y first, then x): x=0 (only class 1: rejected), x=4 (1 and 255: one class: rejected),
        // x=5 (one column of 1, 2 ignore, one column of 2: 50/50: accepted).
        ScriptedRandom rng = new ScriptedRandom().withInts(0, 0, 0, 4, 0, 5);
        assertArrayEquals(new int[] {5, 0, 4, 4}, crop.window(s, rng));
        assertTrue(rng.exhausted());
    }

    @Test
    void catMaxRatioTakesTheEleventhWindowUncheckedAfterTenRejections() {
        ImageSample s = new ImageSample(new Planar<>(GrayF32.class, 12, 4, 3), new GrayU8(12, 4));
        RandomCrop crop = new RandomCrop(new RandomCrop.Config(new int[] {4, 4}, 0.75, 255));
        ScriptedRandom rng = new ScriptedRandom();
        for (int i = 0; i < 11; i++) {
            rng.withInts(0, i % 9);
        }
        // All labels are 0: every window is rejected; the 11th draw (x = 10 % 9 = 1) is used as it is.
        assertArrayEquals(new int[] {1, 0, 4, 4}, crop.window(s, rng));
        assertTrue(rng.exhausted());
    }

    @Test
    void cropLargerThanTheImageTakesTheWholeImage() {
        ImageSample s = sample(300, 200);
        new RandomCrop(new RandomCrop.Config(new int[] {512, 512}, 1.0, 255)).apply(s, new ScriptedRandom().withInts(0, 0));
        assertEquals("300x200", s.width() + "x" + s.height());
    }

    @Test
    void padKeepsContentSizeAndUsesPadValues() {
        ImageSample s = sample(33, 65);
        float last = s.image().getBand(0).get(32, 64);
        new Pad(Pad.Config.defaults()).apply(s, new ScriptedRandom());
        ImageMeta m = s.meta();
        assertAll(
                () -> assertEquals("64x96", m.padWidth() + "x" + m.padHeight()),
                () -> assertEquals("33x65", m.width() + "x" + m.height()),
                () -> assertEquals(last, s.image().getBand(0).get(32, 64)),
                () -> assertEquals(0f, s.image().getBand(0).get(33, 0)),
                () -> assertEquals(0f, s.image().getBand(2).get(63, 95)),
                () -> assertEquals(255, s.labels().get(33, 10)),
                () -> assertEquals(255, s.labels().get(0, 65)));
        ImageSample fixed = sample(500, 300);
        new Pad(new Pad.Config(new int[] {512, 512}, 0, 0f, 255)).apply(fixed, new ScriptedRandom());
        assertEquals("512x512", fixed.image().width + "x" + fixed.image().height);
        assertThrows(IllegalStateException.class, () -> RandomFlip.flip(fixed));
    }

    @Test
    void pipelineBuildsFromSnakeCaseConfig() {
        String json = "{\"pipeline\": ["
                + "{\"type\": \"RandomResize\", \"scale\": [2048, 512], \"ratio_range\": [0.5, 2.0]},"
                + "{\"type\": \"RandomCrop\", \"crop_size\": [64, 64], \"cat_max_ratio\": 0.75},"
                + "{\"type\": \"RandomFlip\", \"prob\": 0.5},"
                + "{\"type\": \"PhotoMetricDistortion\"},"
                + "{\"type\": \"Normalize\"},"
                + "{\"type\": \"Pad\", \"size\": [64, 64]}]}";
        Config cfg = Config.of(JsonParser.parseString(json).getAsJsonObject(), "test.json");
        record Data(List<Config> pipeline) {}
        Pipeline p = Pipeline.fromConfig(cfg.bind(Data.class).pipeline());
        assertEquals(6, p.steps().size());
        assertInstanceOf(RandomCrop.class, p.steps().get(1));
        ImageSample s = sample(90, 70);
        p.apply(s, new SplittableRandom(3));
        assertEquals("64x64", s.image().width + "x" + s.image().height);
    }

    /** An RGB image with distinct values and a label map with classes 0, 1, 2. */
    static ImageSample sample(int w, int h) {
        Planar<GrayF32> img = new Planar<>(GrayF32.class, w, h, 3);
        GrayU8 labels = new GrayU8(w, h);
        for (int b = 0; b < 3; b++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img.getBand(b).set(x, y, (x * 7 + y * 13 + b * 50) % 256);
                    labels.set(x, y, (x / 3 + y) % 3);
                }
            }
        }
        return new ImageSample(img, labels);
    }

    private static boolean onlyValues(GrayU8 img, int... allowed) {
        for (int y = 0; y < img.height; y++) {
            for (int x = 0; x < img.width; x++) {
                int v = img.get(x, y);
                boolean ok = false;
                for (int a : allowed) {
                    ok |= a == v;
                }
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }
}
