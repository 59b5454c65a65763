package dev.densepred.detection.job;

import dev.densepred.datasets.coco.CocoDetection;
import dev.densepred.datasets.coco.DetectionSample;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.loader.SampleFailure;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.detection.InstanceTargets;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.runtime.Scope;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The detection loader and collate on a synthetic COCO set with every kind of bad sample. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DetectionDataTest {

    @TempDir
    Path tmp;

    private static void png(Path file, int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 4 << 16) | (y * 4 << 8) | 128);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    private static String image(long id, String file, int w, int h) {
        return "{\"id\": " + id + ", \"file_name\": \"" + file + "\", \"width\": " + w + ", \"height\": " + h + "}";
    }

    private static String ann(long id, long image, String polygon, double[] xywh) {
        return "{\"id\": " + id + ", \"image_id\": " + image + ", \"category_id\": 3, \"iscrowd\": 0, \"area\": 100, \"bbox\": ["
                + xywh[0] + ", " + xywh[1] + ", " + xywh[2] + ", " + xywh[3] + "], \"segmentation\": [" + polygon + "]}";
    }

    /** Six images: two good, one missing, one corrupt, one whose polygon cannot be rasterised, one of the wrong size. */
    private Path dataset() throws IOException {
        Path images = Files.createDirectories(tmp.resolve("images"));
        png(images.resolve("good.png"), 64, 48);
        png(images.resolve("good_portrait.png"), 40, 64);
        png(images.resolve("badpoly.png"), 64, 48);
        png(images.resolve("wrongsize.png"), 32, 32);
        Files.writeString(images.resolve("corrupt.png"), "this is not an image");
        String tri = "[10, 10, 40, 10, 10, 30]";
        String json = "{\"images\": [" + String.join(", ", image(1, "good.png", 64, 48), image(2, "missing.png", 64, 48),
                image(3, "corrupt.png", 64, 48), image(4, "badpoly.png", 64, 48), image(5, "wrongsize.png", 64, 48),
                image(6, "good_portrait.png", 40, 64)) + "], "
                + "\"categories\": [{\"id\": 1, \"name\": \"a\"}, {\"id\": 3, \"name\": \"b\"}], "
                + "\"annotations\": [" + String.join(", ", ann(10, 1, tri, new double[] {10, 10, 30, 20}),
                ann(20, 2, tri, new double[] {10, 10, 30, 20}), ann(30, 3, tri, new double[] {10, 10, 30, 20}),
                ann(40, 4, "[0, 0, 1000000000, 0, 1000000000, 1000000000]", new double[] {0, 0, 60, 40}),
                ann(50, 5, tri, new double[] {10, 10, 30, 20}), ann(60, 6, tri, new double[] {10, 10, 30, 20})) + "]}";
        Files.writeString(tmp.resolve("ann.json"), json);
        return tmp;
    }

    private DetectionSettings.DataLoader loaderSettings(Path root, String pipeline) {
        String cfg = "{\"batch_size\": 2, \"num_workers\": 2, \"sampler\": {\"type\": \"DefaultSampler\", \"shuffle\": false},"
                + " \"batch_sampler\": {\"type\": \"AspectRatioBatchSampler\"}, \"dataset\": {\"type\": \"CocoDataset\","
                + " \"data_root\": \"" + root.toString().replace("\\", "/") + "\", \"ann_file\": \"ann.json\","
                + " \"data_prefix\": {\"img\": \"images\"}, \"filter_cfg\": {\"filter_empty_gt\": true, \"min_size\": 32},"
                + " \"pipeline\": " + pipeline + "}}";
        return Config.of(JsonParser.parseString(cfg).getAsJsonObject(), "test").bind(DetectionSettings.DataLoader.class);
    }

    @Test
    void badSamplesAreSkippedCountedAndNamedByFileAndId() throws IOException {
        DetectionSettings.DataLoader settings = loaderSettings(dataset(), "[]");
        CocoDetection ds = DetectionData.dataset(settings);
        List<SampleFailure> failures = new ArrayList<>();
        PrefetchLoader<CocoDetection.ImageRecord, DetectionSample> loader = DetectionData.loader(ds, settings, 1, failures::add);
        List<Long> delivered = new ArrayList<>();
        try (BatchIterator<LoadedBatch<DetectionSample>> it = loader.epoch(0, 0, 0)) {
            while (it.hasNext()) {
                it.next().samples().forEach(s -> delivered.add(s.imageId()));
            }
        }
        Map<Integer, String> byIndex = new TreeMap<>();
        failures.forEach(f -> byIndex.put(f.index(), f.record() + " | " + f.file() + " | " + f.message()));
        String all = String.join("\n", byIndex.values());
        assertAll(
                () -> assertEquals(List.of(1L, 6L), delivered.stream().sorted().toList()),
                () -> assertEquals(4, loader.skippedSamples()),
                () -> assertEquals(4, failures.size(), all),
                () -> assertTrue(all.contains("image id 2") && all.contains("missing.png"), all),
                () -> assertTrue(all.contains("image id 3") && all.contains("corrupt.png"), all),
                () -> assertTrue(all.contains("badpoly.png") && all.contains("annotation id 40") && all.contains("cannot rasterise"), all),
                () -> assertTrue(all.contains("wrongsize.png") && all.contains("decodes to 32x32") && all.contains("64x48"), all));
    }

    @Test
    void collatePadsImagesAndMasksToMultiplesOf32() throws IOException {
        String pipeline = "[{\"type\": \"Resize\", \"scale\": [100, 70], \"keep_ratio\": true}, {\"type\": \"Normalize\"},"
                + " {\"type\": \"Pad\", \"size_divisor\": 32}]";
        DetectionSettings.DataLoader settings = loaderSettings(dataset(), pipeline);
        CocoDetection ds = DetectionData.dataset(settings);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(0);
        DetectionSample landscape = ds.load(ds.records().get(0), rng);
        DetectionSample portrait = ds.load(ds.records().get(5), rng);
        // mmcv rescale_size: 64x48 -> factor min(100 / 64, 70 / 48) = 70 / 48 -> int(64 * 70 / 48 + 0.5) = 93, so 93x70
        assertEquals(93, landscape.image().width());
        assertEquals(70, landscape.image().height());
        // 40x64 -> factor min(100/64, 70/40) = 1.5625 -> 63x100
        assertEquals(63, portrait.image().width());
        assertEquals(100, portrait.image().height());
        try (NDManager root = NDManager.newBaseManager(); Scope scope = Scope.open(root)) {
            DetectionCollate.Batch b = new DetectionCollate().collate(List.of(landscape, portrait), scope.manager());
            NDArray x = b.images();
            assertArrayEquals(new long[] {2, 3, 128, 96}, x.getShape().getShape());
            List<ImageMeta> metas = b.metas();
            InstanceTargets t0 = b.targets().get(0);
            InstanceTargets t1 = b.targets().get(1);
            assertAll(
                    () -> assertEquals(70, metas.get(0).height()),
                    () -> assertEquals(93, metas.get(0).width()),
                    () -> assertEquals(48, metas.get(0).oriHeight()),
                    // masks padded with 0 to the batch's size, as mmdet's pad_mask=True
                    () -> assertEquals(128, t0.maskHeight()),
                    () -> assertEquals(96, t0.maskWidth()),
                    () -> assertEquals(128, t1.maskHeight()),
                    () -> assertEquals(96, t1.maskWidth()),
                    () -> assertArrayEquals(landscape.masks().toArray(), crop(t0.masks(), t0.size(), 128, 96, 70, 93)),
                    () -> assertTrue(sum(t0.masks()) > 0),
                    () -> assertEquals(sum(landscape.masks().toArray()), sum(t0.masks()), "nothing but zeros in the padding"),
                    () -> assertEquals(1, t0.size()),
                    () -> assertArrayEquals(new long[] {1L, 6L}, b.imageIds()),
                    // padding below and right of the content is exactly 0 (after normalising, as mmdet)
                    () -> assertEquals(0f, x.get(new NDIndex("0, :, 70:, :")).abs().sum().getFloat()),
                    () -> assertEquals(0f, x.get(new NDIndex("0, :, :, 93:")).abs().sum().getFloat()),
                    () -> assertEquals(0f, x.get(new NDIndex("1, :, :, 63:")).abs().sum().getFloat()),
                    () -> assertTrue(x.get(new NDIndex("0, :, :70, :93")).abs().sum().getFloat() > 0));
            // the box is scaled by the resize factors: [10, 10, 40, 30] * (93/64, 70/48)
            float[] box = t0.boxes();
            assertArrayEquals(new float[] {10 * 93f / 64, 10 * 70f / 48, 40 * 93f / 64, 30 * 70f / 48}, box, 1e-3f);
        }
    }

    /** The top-left {@code h x w} of {@code n} bitmaps of {@code ph x pw} bytes. */
    private static byte[] crop(byte[] padded, int n, int ph, int pw, int h, int w) {
        byte[] out = new byte[n * h * w];
        for (int k = 0; k < n; k++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(padded, (k * ph + y) * pw, out, (k * h + y) * w, w);
            }
        }
        return out;
    }

    private static int sum(byte[] bits) {
        int s = 0;
        for (byte b : bits) {
            s += b;
        }
        return s;
    }
}
