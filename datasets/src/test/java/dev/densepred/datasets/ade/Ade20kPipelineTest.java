package dev.densepred.datasets.ade;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import dev.densepred.datasets.image.BilinearResize;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.datasets.transform.Normalize;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ADE20K training and test-time pipelines of configs/_base_/datasets/ade20k.json on the bundled images. */
class Ade20kPipelineTest {

    /**
     * Every training sample is a 512x512 crop padded to 512x512: content within the crop size, padding 0 in the
     * (normalised) image and 255 in the labels, and no class covering 75% or more of the labelled crop.
     */
    @Test
    void trainingSamplesAreCatMaxRatioCropsPaddedTo512() {
        Ade20kDataset ds = Ade20kDataset.open(Ade20kDatasetTest.baseConfig("train_dataloader.dataset"));
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        int padded = 0;
        for (int seed = 0; seed < 8; seed++) {
            for (Ade20kDataset.Item item : ds.items()) {
                ImageSample s = ds.loadTrain(item, new SplittableRandom(seed * 31L + item.index()));
                String what = item.name() + " seed " + seed;
                ImageMeta m = s.meta();
                GrayU8 l = s.labels();
                int[] counts = new int[256];
                boolean padOk = true;
                for (int y = 0; y < 512; y++) {
                    for (int x = 0; x < 512; x++) {
                        boolean content = x < m.width() && y < m.height();
                        if (content) {
                            counts[l.get(x, y)]++;
                        } else {
                            padOk &= l.get(x, y) == 255 && s.image().getBand(0).get(x, y) == 0f && s.image().getBand(2).get(x, y) == 0f;
                        }
                    }
                }
                padded += m.width() < 512 || m.height() < 512 ? 1 : 0;
                long total = 0;
                int max = 0;
                int classes = 0;
                for (int v = 0; v < 255; v++) {
                    total += counts[v];
                    max = Math.max(max, counts[v]);
                    classes += counts[v] > 0 ? 1 : 0;
                }
                long t = total;
                int mx = max;
                int c = classes;
                boolean p = padOk;
                checks.add(() -> assertEquals(512, s.image().width, what));
                checks.add(() -> assertEquals(512, s.image().height, what));
                checks.add(() -> assertEquals(512, l.width, what));
                checks.add(() -> assertTrue(m.width() <= 512 && m.height() <= 512, what + " content " + m.width() + "x" + m.height()));
                checks.add(() -> assertTrue(p, what + ": padding must be 0 (image) and 255 (labels)"));
                checks.add(() -> assertTrue(c > 1 && (double) mx / t < 0.75, what + ": " + c + " classes, largest " + mx + " of " + t));
                // RandomResize keeps the ratio, so both axes scale alike up to rounding
                checks.add(() -> assertEquals(m.scaleX(), m.scaleY(), 0.01, what));
                checks.add(() -> assertTrue(m.scaleX() >= 0.49 && m.scaleX() <= 4.01, what + " scale " + m.scaleX()));
            }
        }
        assertAll(checks);
        // ADE_val_00000003 (400x300) shrinks below 512 for small ratios: some samples must have been padded
        assertTrue(padded > 0, "no sample was padded");
    }

    /** mmcv sizes (scale_factor r of the image, then rescale_size), computed in Python with mmcv's formulas. */
    @Test
    void augTestViewsAreSixScalesTimesTwoFlipsWithMmsegSizes() {
        Ade20kDataset ds = Ade20kDataset.open(Ade20kDatasetTest.baseConfig("test_dataloader.dataset"));
        TestTimeAug tta = new TestTimeAug(Ade20kDatasetTest.baseConfigRoot().at("tta").bind(TestTimeAug.Config.class));
        int[][][] expected = {
            {{342, 256}, {512, 384}, {683, 512}, {854, 640}, {1025, 768}, {1195, 896}},
            {{250, 182}, {375, 273}, {500, 364}, {625, 455}, {750, 546}, {875, 637}},
            {{200, 150}, {300, 225}, {400, 300}, {500, 375}, {600, 450}, {700, 525}},
        };
        assertEquals(12, tta.viewCount());
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (Ade20kDataset.Item item : ds.items()) {
            SegTestSample s = ds.loadTest(item, tta, new SplittableRandom(0));
            checks.add(() -> assertEquals(12, s.views().size()));
            for (int v = 0; v < 12; v++) {
                ImageSample view = s.views().get(v);
                int[] size = expected[item.index()][v / 2];
                String what = item.name() + " view " + v;
                checks.add(() -> assertEquals(size[0], view.width(), what));
                checks.add(() -> assertEquals(size[1], view.height(), what));
                boolean flip = v % 2 == 1;
                checks.add(() -> assertEquals(flip, view.meta().flipped(), what));
                checks.add(() -> assertEquals(s.labels().width, view.meta().oriWidth(), what));
            }
            // a flip view is its scale's view mirrored
            for (int v = 0; v < 12; v += 2) {
                GrayF32 a = s.views().get(v).image().getBand(1);
                GrayF32 b = s.views().get(v + 1).image().getBand(1);
                String what = item.name() + " views " + v + "/" + (v + 1);
                checks.add(() -> {
                    for (int y = 0; y < a.height; y += 7) {
                        for (int x = 0; x < a.width; x += 5) {
                            assertEquals(a.get(x, y), b.get(a.width - 1 - x, y), 1e-4, what + " at " + x + "," + y);
                        }
                    }
                });
            }
        }
        assertAll(checks);
    }

    /** The 1.0 view is the original image, normalised: no resampling at ratio 1. */
    @Test
    void theRatioOneViewIsTheNormalisedOriginal() {
        Ade20kDataset ds = Ade20kDataset.open(Ade20kDatasetTest.baseConfig("test_dataloader.dataset"));
        TestTimeAug tta = new TestTimeAug(Ade20kDatasetTest.baseConfigRoot().at("tta").bind(TestTimeAug.Config.class));
        Ade20kDataset.Item item = ds.items().get(0);
        SegTestSample s = ds.loadTest(item, tta, new SplittableRandom(0));
        ImageSample plain = new ImageSample(dev.densepred.datasets.image.ImageDecoder.readRgb(item.image()), null);
        new Normalize(Normalize.Config.defaults()).apply(plain, new SplittableRandom(0));
        GrayF32 want = plain.image().getBand(0);
        GrayF32 got = s.views().get(4).image().getBand(0);
        assertEquals(want.width, got.width);
        for (int i = 0; i < want.data.length; i += 97) {
            assertEquals(want.data[i], got.data[i], 1e-5f, "pixel " + i);
        }
        // and the 0.5 view is the bilinear half of it
        GrayF32 half = BilinearResize.resize(dev.densepred.datasets.image.ImageDecoder.readRgb(item.image()), 342, 256).getBand(0);
        assertEquals((half.get(100, 100) - 123.675f) / 58.395f, s.views().get(0).image().getBand(0).get(100, 100), 1e-4f);
    }
}
