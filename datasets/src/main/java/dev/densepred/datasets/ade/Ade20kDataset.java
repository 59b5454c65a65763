package dev.densepred.datasets.ade;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import dev.densepred.datasets.SampleException;
import dev.densepred.datasets.image.ImageDecoder;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.engine.config.ConfigException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * ADE20K in the {@code ADEChallengeData2016} layout (mmseg {@code ADE20KDataset}): {@code images/<split>/*.jpg}
 * with their label maps {@code annotations/<split>/<same name>.png}, one 8-bit value per pixel, 0 for unlabelled and
 * 1..150 for the classes of {@link Ade20kClasses}. With {@code reduce_zero_label} (mmseg's ADE20K setting) 0 becomes
 * the ignore value 255 and {@code k} becomes {@code k - 1}.
 *
 * <p>Bad data is a {@link SampleException} naming the file, which the loader reports and skips: a missing or corrupt
 * image or label map, a label map of another size than its image, or a label value outside 0..150 (outside 0..149
 * and 255 without reduce_zero_label). A wrong value is never clamped, because it would silently change the mIoU.
 */
public final class Ade20kDataset {

    /** The ignore value of label maps (mmseg's {@code ignore_index}). */
    public static final int IGNORE = 255;

    /**
     * A dataset entry of a config, with mmseg's key names:
     * <pre>{@code
     * "dataset": {"type": "ADE20KDataset", "data_root": "data/ade/ADEChallengeData2016",
     *             "data_prefix": {"img_path": "images/training", "seg_map_path": "annotations/training"},
     *             "reduce_zero_label": true, "pipeline": [{"type": "RandomResize", ...}, ...]}
     * }</pre>
     *
     * @param type {@code ADE20KDataset}
     * @param dataRoot the {@code ADEChallengeData2016} folder, relative to the working directory or absolute
     * @param dataPrefix image and label folders under the root
     * @param reduceZeroLabel 0 to 255 and {@code k} to {@code k - 1}
     * @param imgSuffix image file suffix
     * @param segMapSuffix label file suffix
     * @param pipeline transforms after loading, in the registry's type names (no Load or Pack steps: loading is this
     *     class's job and packing the collate step's)
     */
    public record Config(String type, String dataRoot, DataPrefix dataPrefix, boolean reduceZeroLabel, String imgSuffix,
                         String segMapSuffix, List<dev.densepred.engine.config.Config> pipeline) {

        public Config {
            pipeline = List.copyOf(pipeline);
            if (!TYPE.equals(type)) {
                throw new IllegalArgumentException("unknown dataset type '" + type + "'; known: " + TYPE);
            }
        }

        /** The ADE20K validation split under {@code data/ade/ADEChallengeData2016}, no transforms. */
        public static Config defaults() {
            return new Config(TYPE, "data/ade/ADEChallengeData2016", DataPrefix.defaults(), true, ".jpg", ".png", List.of());
        }
    }

    /**
     * @param imgPath image folder under the data root
     * @param segMapPath label folder under the data root
     */
    public record DataPrefix(String imgPath, String segMapPath) {
        public static DataPrefix defaults() {
            return new DataPrefix("images/validation", "annotations/validation");
        }
    }

    /**
     * One image and its label map.
     *
     * @param index position in the dataset
     * @param name file name without suffix, e.g. {@code ADE_val_00000001}
     * @param image the image file
     * @param labels the label file (may not exist: that is reported when the sample is loaded)
     */
    public record Item(int index, String name, Path image, Path labels) {
        @Override
        public String toString() {
            return name + " (" + image + ")";
        }
    }

    /** The config type name, as mmseg's. */
    public static final String TYPE = "ADE20KDataset";

    private final Config config;
    private final List<Item> items;
    private final Pipeline pipeline;

    private Ade20kDataset(Config config, List<Item> items) {
        this.config = config;
        this.items = List.copyOf(items);
        this.pipeline = Pipeline.fromConfig(config.pipeline());
    }

    /**
     * Lists the images of {@code config}'s split (sorted by name, as mmseg's {@code scandir}); a missing folder is a
     * {@link ConfigException} naming it. Label files are paired by name and checked only when loaded.
     */
    public static Ade20kDataset open(Config config) {
        Path root = Path.of(config.dataRoot());
        Path imgDir = root.resolve(config.dataPrefix().imgPath());
        Path segDir = root.resolve(config.dataPrefix().segMapPath());
        if (!Files.isDirectory(imgDir)) {
            throw new ConfigException("ADE20K image folder " + imgDir.toAbsolutePath() + " does not exist (data_root "
                    + config.dataRoot() + ", data_prefix.img_path " + config.dataPrefix().imgPath() + ")");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(imgDir)) {
            files = s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(config.imgSuffix()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + imgDir + ": " + e.getMessage(), e);
        }
        List<Item> items = new ArrayList<>(files.size());
        for (Path f : files) {
            String rel = imgDir.relativize(f).toString();
            String stem = rel.substring(0, rel.length() - config.imgSuffix().length());
            String name = f.getFileName().toString();
            items.add(new Item(items.size(), name.substring(0, name.length() - config.imgSuffix().length()), f,
                    segDir.resolve(stem + config.segMapSuffix())));
        }
        return new Ade20kDataset(config, items);
    }

    public Config config() {
        return config;
    }

    public List<Item> items() {
        return items;
    }

    public int size() {
        return items.size();
    }

    /** The config's pipeline. */
    public Pipeline pipeline() {
        return pipeline;
    }

    /** A training sample: image and label map decoded and checked, then the pipeline applied with {@code rng}. */
    public ImageSample loadTrain(Item item, RandomGenerator rng) {
        Planar<GrayF32> image = ImageDecoder.readRgb(item.image());
        ImageSample s = new ImageSample(image, readLabels(item, image.width, image.height));
        pipeline.apply(s, rng);
        return s;
    }

    /**
     * A test sample: the image through the pipeline (or through {@code tta}'s views when it is not null) and the label
     * map at the image's original size, as mmseg scores: its test pipeline loads annotations after {@code Resize}.
     */
    public SegTestSample loadTest(Item item, TestTimeAug tta, RandomGenerator rng) {
        Planar<GrayF32> image = ImageDecoder.readRgb(item.image());
        GrayU8 labels = readLabels(item, image.width, image.height);
        List<ImageSample> views;
        if (tta != null) {
            views = tta.views(image, rng);
        } else {
            ImageSample s = new ImageSample(image, null);
            pipeline.apply(s, rng);
            views = List.of(s);
        }
        return new SegTestSample(item, views, labels);
    }

    /** The item's label map, checked against its image size and value range, with zero reduced if configured. */
    public GrayU8 readLabels(Item item, int width, int height) {
        GrayU8 labels = ImageDecoder.readLabels(item.labels(), width, height);
        checkValues(item.labels(), labels, config.reduceZeroLabel());
        if (config.reduceZeroLabel()) {
            reduceZeroLabel(labels);
        }
        return labels;
    }

    /**
     * Refuses values that are not ADE20K labels: with {@code reduceZeroLabel} the raw file must hold 0..150, without it
     * 0..149 or the ignore value 255. The message names the file, the first bad value and its pixel.
     */
    static void checkValues(Path file, GrayU8 labels, boolean reduceZeroLabel) {
        final byte[] d = labels.data;
        int bad = 0;
        int firstValue = -1;
        int firstX = 0;
        int firstY = 0;
        for (int y = 0; y < labels.height; y++) {
            final int base = labels.startIndex + y * labels.stride;
            for (int x = 0; x < labels.width; x++) {
                int v = d[base + x] & 0xFF;
                boolean ok = reduceZeroLabel ? v <= Ade20kClasses.COUNT : v < Ade20kClasses.COUNT || v == IGNORE;
                if (!ok) {
                    if (bad++ == 0) {
                        firstValue = v;
                        firstX = x;
                        firstY = y;
                    }
                }
            }
        }
        if (bad > 0) {
            throw new SampleException(file, bad + " label values outside " + (reduceZeroLabel ? "0..150" : "0..149 and 255")
                    + ", first " + firstValue + " at x=" + firstX + ", y=" + firstY + " (not an ADE20K label map?)");
        }
    }

    /** mmseg's reduce_zero_label, in place: 0 becomes 255 and {@code k} becomes {@code k - 1} (255 stays 255). */
    public static void reduceZeroLabel(GrayU8 labels) {
        final byte[] d = labels.data;
        for (int y = 0; y < labels.height; y++) {
            final int base = labels.startIndex + y * labels.stride;
            for (int i = base; i < base + labels.width; i++) {
                int v = d[i] & 0xFF;
                d[i] = (byte) (v == 0 || v == IGNORE ? IGNORE : v - 1);
            }
        }
    }

    @Override
    public String toString() {
        return "ADE20K " + Objects.requireNonNull(config.dataRoot()) + " " + config.dataPrefix().imgPath() + " (" + items.size()
                + " images)";
    }
}
