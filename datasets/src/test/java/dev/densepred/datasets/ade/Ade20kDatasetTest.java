package dev.densepred.datasets.ade;

import boofcv.struct.image.GrayU8;
import dev.densepred.datasets.SampleException;
import dev.densepred.datasets.image.ImageDecoder;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.loader.SampleFailure;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigLoader;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ADE20K reader on the bundled ADEChallengeData2016 samples, and its handling of bad files. */
class Ade20kDatasetTest {

    @TempDir
    Path tmp;

    static Ade20kDataset.Config config(Path root, List<Config> pipeline) {
        return new Ade20kDataset.Config(Ade20kDataset.TYPE, root.toString(), Ade20kDataset.DataPrefix.defaults(), true, ".jpg", ".png",
                pipeline);
    }

    static Path adeMini() {
        return Fixtures.dataRoot().resolve("ade_mini");
    }

    @Test
    void listsTheValidationPairsSortedByName() {
        Ade20kDataset ds = Ade20kDataset.open(config(adeMini(), List.of()));
        assertEquals(List.of("ADE_val_00000001", "ADE_val_00000002", "ADE_val_00000003"),
                ds.items().stream().map(Ade20kDataset.Item::name).toList());
        assertEquals(adeMini().resolve("annotations/validation/ADE_val_00000002.png"), ds.items().get(1).labels());
    }

    /** The raw values per image are listed in data/README.md; after reduction 0 is 255 and k is k - 1. */
    @Test
    void reduceZeroLabelOnTheBundledLabelMaps() {
        Ade20kDataset ds = Ade20kDataset.open(config(adeMini(), List.of()));
        Map<String, int[]> rawValues = Map.of(
                "ADE_val_00000001", new int[] {0, 1, 2, 3, 5, 7, 10, 18},
                "ADE_val_00000002", new int[] {0, 1, 2, 3, 5, 14, 18},
                "ADE_val_00000003", new int[] {0, 1, 2, 3, 5, 7, 12, 21, 44, 81, 88, 97, 103});
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (Ade20kDataset.Item item : ds.items()) {
            SegTestSample s = ds.loadTest(item, null, new SplittableRandom(0));
            GrayU8 raw = ImageDecoder.readLabels(item.labels());
            TreeSet<Integer> expected = new TreeSet<>();
            for (int v : rawValues.get(item.name())) {
                expected.add(v == 0 ? 255 : v - 1);
            }
            checks.add(() -> assertEquals(expected, values(s.labels()), item.name()));
            checks.add(() -> {
                for (int i = 0; i < raw.data.length; i++) {
                    int r = raw.data[i] & 0xFF;
                    assertEquals(r == 0 ? 255 : r - 1, s.labels().data[i] & 0xFF, item.name() + " pixel " + i);
                }
            });
            checks.add(() -> assertEquals(raw.width, s.labels().width, item.name()));
        }
        assertAll(checks);
    }

    @Test
    void theTestSampleKeepsLabelsAtOriginalSizeWhileTheImageIsResized() {
        Ade20kDataset ds = Ade20kDataset.open(baseConfig("test_dataloader.dataset"));
        // ADE_val_00000002 is 500x364: (2048, 512) keep-ratio makes it 703x512 (mmcv rescale_size)
        SegTestSample s = ds.loadTest(ds.items().get(1), null, new SplittableRandom(0));
        assertEquals(1, s.views().size());
        assertEquals(703, s.views().get(0).width());
        assertEquals(512, s.views().get(0).height());
        assertEquals(500, s.labels().width);
        assertEquals(364, s.labels().height);
        assertEquals(364, s.views().get(0).meta().oriHeight());
    }

    @Test
    void badFilesAreReportedByNameAndSkipped() throws IOException {
        Path root = tmp.resolve("ADEChallengeData2016");
        Path img = Files.createDirectories(root.resolve("images/validation"));
        Path ann = Files.createDirectories(root.resolve("annotations/validation"));
        Path goodJpg = adeMini().resolve("images/validation/ADE_val_00000003.jpg");
        Path goodPng = adeMini().resolve("annotations/validation/ADE_val_00000003.png");
        BufferedImage label = ImageIO.read(goodPng.toFile());
        // a good pair
        copyPair(goodJpg, goodPng, img, ann, "a_good");
        // image that disappears after listing
        copyPair(goodJpg, goodPng, img, ann, "b_missing_image");
        // truncated label PNG
        copyPair(goodJpg, goodPng, img, ann, "c_corrupt_png");
        byte[] png = Files.readAllBytes(goodPng);
        Files.write(ann.resolve("c_corrupt_png.png"), java.util.Arrays.copyOf(png, png.length / 2));
        // label map of another size
        Files.copy(goodJpg, img.resolve("d_wrong_size.jpg"));
        ImageIO.write(label.getSubimage(0, 0, label.getWidth() - 1, label.getHeight()), "png", ann.resolve("d_wrong_size.png").toFile());
        // a value outside 0..150
        Files.copy(goodJpg, img.resolve("e_value_200.jpg"));
        BufferedImage bad = new BufferedImage(label.getWidth(), label.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        bad.getRaster().setRect(label.getRaster());
        bad.getRaster().setSample(7, 5, 0, 200);
        ImageIO.write(bad, "png", ann.resolve("e_value_200.png").toFile());
        // no label file at all
        Files.copy(goodJpg, img.resolve("f_no_label.jpg"));

        Ade20kDataset ds = Ade20kDataset.open(config(root, List.of()));
        assertEquals(6, ds.size());
        Files.delete(img.resolve("b_missing_image.jpg"));
        List<SampleFailure> failures = new ArrayList<>();
        PrefetchLoader<Ade20kDataset.Item, ImageSample> loader = PrefetchLoader.builder(ds.items(), ds::loadTrain)
                .batchSize(2).shuffle(false).workers(2).listener(failures::add).build();
        List<Integer> delivered = new ArrayList<>();
        try (BatchIterator<LoadedBatch<ImageSample>> it = loader.epoch(0, 0, 0)) {
            while (it.hasNext()) {
                delivered.add(it.next().samples().size());
            }
        }
        assertEquals(List.of(1), delivered, "only a_good loads; the batch of all-bad samples is not delivered");
        assertEquals(5, loader.skippedSamples());
        assertEquals(5, failures.size());
        assertAll(
                () -> assertEquals(img.resolve("b_missing_image.jpg"), failures.get(0).file()),
                () -> assertEquals(ann.resolve("c_corrupt_png.png"), failures.get(1).file()),
                () -> assertEquals(ann.resolve("d_wrong_size.png"), failures.get(2).file()),
                () -> assertTrue(failures.get(2).message().contains("399x300"), failures.get(2).message()),
                () -> assertEquals(ann.resolve("e_value_200.png"), failures.get(3).file()),
                () -> assertTrue(failures.get(3).message().contains("first 200 at x=7, y=5"), failures.get(3).message()),
                () -> assertEquals(ann.resolve("f_no_label.png"), failures.get(4).file()));
    }

    @Test
    void withoutReduceZeroLabelOnly0To149And255AreLabels() {
        GrayU8 l = new GrayU8(3, 1);
        l.data[0] = 0;
        l.data[1] = (byte) 149;
        l.data[2] = (byte) 255;
        Ade20kDataset.checkValues(Path.of("x.png"), l, false);
        l.data[1] = (byte) 150;
        SampleException e = assertThrows(SampleException.class, () -> Ade20kDataset.checkValues(Path.of("x.png"), l, false));
        assertTrue(e.getMessage().startsWith("x.png: 1 label values outside 0..149 and 255, first 150"), e.getMessage());
        l.data[1] = (byte) 150;
        l.data[2] = 0;
        Ade20kDataset.checkValues(Path.of("x.png"), l, true);
    }

    /** A dataset entry of configs/_base_/datasets/ade20k.json, pointed at the bundled samples. */
    static Ade20kDataset.Config baseConfig(String key) {
        Path file = Fixtures.dataRoot().getParent().resolve("configs/_base_/datasets/ade20k.json");
        Config cfg = ConfigLoader.load(file, List.of(key + ".data_root=\"" + adeMini() + "\"",
                key + ".data_prefix.img_path=\"images/validation\"", key + ".data_prefix.seg_map_path=\"annotations/validation\""));
        return cfg.at(key).bind(Ade20kDataset.Config.class);
    }

    static Config baseConfigRoot() {
        return ConfigLoader.load(Fixtures.dataRoot().getParent().resolve("configs/_base_/datasets/ade20k.json"));
    }

    static TreeSet<Integer> values(GrayU8 g) {
        TreeSet<Integer> out = new TreeSet<>();
        for (int y = 0; y < g.height; y++) {
            for (int x = 0; x < g.width; x++) {
                out.add(g.get(x, y));
            }
        }
        return out;
    }

    private static void copyPair(Path jpg, Path png, Path img, Path ann, String name) throws IOException {
        Files.copy(jpg, img.resolve(name + ".jpg"));
        Files.copy(png, ann.resolve(name + ".png"));
    }
}
