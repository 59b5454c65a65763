package dev.densepred.datasets.coco;

import dev.densepred.datasets.mask.RleMask;
import dev.densepred.datasets.transform.BitmapMasks;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.datasets.transform.RandomFlip;
import dev.densepred.datasets.transform.Resize;
import dev.densepred.engine.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The COCO detection dataset on the bundled {@code coco_mini} sample (10 real val2017 images, 101 annotations). */
class CocoDetectionTest {

    private static CocoInstances instances;
    private static CocoDetection.Settings settings;

    @BeforeAll
    static void read() throws IOException {
        Path root = Fixtures.dataRoot().resolve("coco_mini");
        instances = CocoInstancesReader.read(root.resolve("annotations/instances_mini.json"));
        settings = new CocoDetection.Settings(root.toString(), "annotations/instances_mini.json",
                new CocoDetection.DataPrefix("images"), CocoDetection.FilterCfg.defaults(), List.of(), false);
    }

    private static CocoDetection dataset(Pipeline pipeline) {
        return CocoDetection.of(settings, instances, pipeline);
    }

    private static CocoDetection.ImageRecord record(CocoDetection ds, long id) {
        return ds.records().stream().filter(r -> r.id() == id).findFirst().orElseThrow();
    }

    @Test
    void filterDropsTheImageWithoutAnnotationsAsMmdet() {
        CocoDetection ds = dataset(Pipeline.of());
        List<Long> kept = new ArrayList<>();
        ds.records().stream().filter(ds.filter()).forEach(r -> kept.add(r.id()));
        assertEquals(9, kept.size());
        assertFalse(kept.contains(226111L), "226111 has no annotations");
        CocoDetection test = CocoDetection.of(new CocoDetection.Settings(settings.dataRoot(), settings.annFile(),
                settings.dataPrefix(), settings.filterCfg(), List.of(), true), instances, Pipeline.of());
        assertEquals(10, test.records().stream().filter(test.filter()).count(), "test mode keeps every image");
    }

    @Test
    void minSizeFilterUsesTheShorterSide() {
        CocoDetection ds = CocoDetection.of(new CocoDetection.Settings(settings.dataRoot(), settings.annFile(),
                settings.dataPrefix(), new CocoDetection.FilterCfg(false, 300), List.of(), false), instances, Pipeline.of());
        List<Long> dropped = new ArrayList<>();
        ds.records().stream().filter(ds.filter().negate()).forEach(r -> dropped.add(r.id()));
        // 37777 is 352x230, every other image has both sides >= 427; without filter_empty_gt 226111 stays
        assertEquals(List.of(37777L), dropped);
    }

    @Test
    void crowdAnnotationsAreLeftOutAndLabelsAreContiguous() {
        CocoDetection ds = dataset(Pipeline.of());
        // 87038 has 17 annotations, one of them a crowd RLE
        DetectionSample s = ds.load(record(ds, 87038), new SplittableRandom(0));
        assertEquals(16, s.size());
        CocoCategories cats = instances.categories();
        long[] sorted = cats.sortedIds();
        int[] anns = instances.annotationsOfImage(instances.images().indexOf(87038));
        int k = 0;
        for (int ann : anns) {
            if (instances.annotations().isCrowd(ann)) {
                continue;
            }
            long catId = cats.id(instances.annotations().categoryIndex(ann));
            assertEquals(java.util.Arrays.binarySearch(sorted, catId), s.labels()[k], "label of annotation " + instances.annotations().id(ann));
            double[] b = instances.annotations().bbox(ann);
            assertArrayEquals(new float[] {(float) b[0], (float) b[1], (float) (b[0] + b[2]), (float) (b[1] + b[3])},
                    java.util.Arrays.copyOfRange(s.boxes().toArray(), 4 * k, 4 * k + 4), "box of annotation " + instances.annotations().id(ann));
            k++;
        }
    }

    @Test
    void masksAtOriginalSizeAreTheRasterisedSegmentations() {
        CocoDetection ds = dataset(Pipeline.of());
        DetectionSample s = ds.load(record(ds, 397133), new SplittableRandom(0));
        int[] anns = instances.annotationsOfImage(instances.images().indexOf(397133));
        assertEquals(anns.length, s.size());
        BitmapMasks m = s.masks();
        for (int i = 0; i < anns.length; i++) {
            RleMask rle = instances.rle(anns[i]);
            long area = 0;
            for (int y = 0; y < m.height(); y++) {
                for (int x = 0; x < m.width(); x++) {
                    if (m.get(i, x, y)) {
                        area++;
                        // pycocotools' decode is column-major: pixel (x, y) is element x * h + y
                    }
                }
            }
            assertEquals(rle.area(), area, "mask " + i);
            // COCO's polygon area and the rasterised pixel count agree closely for all but tiny objects
            double cocoArea = instances.annotations().area(anns[i]);
            if (cocoArea > 500) {
                assertEquals(cocoArea, area, 0.1 * cocoArea, "mask " + i + " against COCO's area");
            }
        }
    }

    @Test
    void resizeAndFlipMoveBoxesAndMasksTogether() {
        Pipeline resize = Pipeline.of(new Resize(Resize.Config.defaults()));
        Pipeline resizeFlip = Pipeline.of(new Resize(Resize.Config.defaults()), new RandomFlip(new RandomFlip.Config(1.0)));
        DetectionSample a = dataset(resize).load(record(dataset(resize), 252219), new SplittableRandom(0));
        DetectionSample b = dataset(resizeFlip).load(record(dataset(resizeFlip), 252219), new SplittableRandom(0));
        int w = a.image().width();
        int h = a.image().height();
        // 252219 is 640x428: mmcv's rescale_size gives factor min(1333 / 640, 800 / 428) = 800 / 428
        assertEquals(List.of(1196, 800), List.of(w, h), "640x428 at (1333, 800) keep-ratio");
        assertEquals(w, a.masks().width());
        assertEquals(h, a.masks().height());
        float[] ba = a.boxes().toArray();
        float[] bb = b.boxes().toArray();
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            int inst = i;
            checks.add(() -> assertEquals(w - ba[4 * inst + 2], bb[4 * inst], 1e-3, "flipped x1 of " + inst));
            checks.add(() -> {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        if (a.masks().get(inst, x, y) != b.masks().get(inst, w - 1 - x, y)) {
                            throw new AssertionError("mask " + inst + " not mirrored at " + x + "," + y);
                        }
                    }
                }
            });
            // the resized mask lies inside its resized box (nearest rescale moves edges by under one source pixel)
            checks.add(() -> {
                double sx = 1196 / 640.0;
                double sy = 800 / 428.0;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        if (a.masks().get(inst, x, y)) {
                            assertTrue(x + 1 >= ba[4 * inst] - sx && x <= ba[4 * inst + 2] + sx
                                    && y + 1 >= ba[4 * inst + 1] - sy && y <= ba[4 * inst + 3] + sy,
                                    "mask " + inst + " pixel " + x + "," + y + " outside its box");
                        }
                    }
                }
            });
        }
        assertAll(checks);
        assertTrue(b.image().meta().flipped());
    }
}
