package dev.densepred.datasets.coco;

import dev.densepred.datasets.SampleException;
import dev.densepred.datasets.image.ImageDecoder;
import dev.densepred.datasets.mask.RleMask;
import dev.densepred.datasets.transform.BitmapMasks;
import dev.densepred.datasets.transform.BoxTargets;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.engine.config.Config;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A COCO instance-segmentation dataset, mmdetection 3.x's {@code CocoDataset} with {@code LoadImageFromFile} and
 * {@code LoadAnnotations(with_bbox=True, with_mask=True)} built in: the annotation file is read once, and each
 * image becomes a {@link DetectionSample} through a {@link Pipeline} of transforms.
 *
 * <p>Annotations as {@code parse_data_info} keeps them: box {@code [x, y, x + w, y + h]}; skipped when the box
 * does not overlap the image, when {@code area <= 0}, or when {@code w < 1} or {@code h < 1}; crowd annotations are
 * left out of the targets (mmdet marks them ignored and Mask R-CNN never uses ignored instances). Masks are
 * rasterised at the image's annotated size (polygons merged, RLE decoded), then follow the image through the
 * transforms ({@link BitmapMasks}). Labels are contiguous, in ascending category-id order.
 *
 * <p>Bad data is a {@link SampleException} naming the file, the image id and (for a mask) the annotation id: a
 * missing or undecodable image, an image whose decoded size is not the annotated one, an annotation without a
 * segmentation or one that cannot be rasterised. The loader skips and counts such samples.
 */
public final class CocoDetection {

    /**
     * The dataset section of a config, with mmdetection's keys.
     *
     * @param dataRoot prefix of {@code annFile} and of the image folder
     * @param annFile the instances JSON, relative to {@code dataRoot} (required)
     * @param dataPrefix the image folder, relative to {@code dataRoot}
     * @param filterCfg which images training skips ({@code null}: none)
     * @param pipeline the transforms after loading, e.g. {@code [{"type": "Resize", "scale": [1333, 800]}, ...]}
     * @param testMode test set: every image, no annotations loaded
     */
    public record Settings(String dataRoot, String annFile, DataPrefix dataPrefix, FilterCfg filterCfg,
                           List<Config> pipeline, boolean testMode) {
        public Settings {
            pipeline = List.copyOf(pipeline);
        }

        public static Settings defaults() {
            return new Settings("", null, DataPrefix.defaults(), null, List.of(), false);
        }
    }

    /** @param img the image folder, relative to {@code data_root} */
    public record DataPrefix(String img) {
        public static DataPrefix defaults() {
            return new DataPrefix("");
        }
    }

    /**
     * mmdetection's {@code filter_cfg}.
     *
     * @param filterEmptyGt skip images without any annotation
     * @param minSize skip images whose shorter side is below this many pixels
     */
    public record FilterCfg(boolean filterEmptyGt, int minSize) {
        public static FilterCfg defaults() {
            return new FilterCfg(true, 32);
        }
    }

    /**
     * One image of the annotation file.
     *
     * @param index position in the file's {@code images}
     * @param id COCO image id
     * @param file the image's path
     * @param width annotated width
     * @param height annotated height
     */
    public record ImageRecord(int index, long id, Path file, int width, int height) {
        @Override
        public String toString() {
            return "image id " + id + " (" + file + ")";
        }
    }

    private final Settings settings;
    private final CocoInstances instances;
    private final Pipeline pipeline;
    private final List<ImageRecord> records;

    private CocoDetection(Settings settings, CocoInstances instances, Pipeline pipeline) {
        this.settings = settings;
        this.instances = instances;
        this.pipeline = pipeline;
        Path images = Path.of(settings.dataRoot()).resolve(settings.dataPrefix().img());
        CocoImages im = instances.images();
        List<ImageRecord> recs = new ArrayList<>(im.size());
        for (int i = 0; i < im.size(); i++) {
            String name = im.fileName(i);
            recs.add(new ImageRecord(i, im.id(i), name == null ? null : images.resolve(name), im.width(i), im.height(i)));
        }
        this.records = List.copyOf(recs);
    }

    /**
     * Reads the annotation file and builds the pipeline.
     *
     * @throws CocoFormatException when the annotation file is not a valid COCO instances file
     */
    public static CocoDetection open(Settings settings) throws IOException {
        if (settings.annFile() == null) {
            throw new IllegalArgumentException("the dataset needs an ann_file");
        }
        Path ann = Path.of(settings.dataRoot()).resolve(settings.annFile());
        return new CocoDetection(settings, CocoInstancesReader.read(ann), Pipeline.fromConfig(settings.pipeline()));
    }

    /** A dataset over already loaded annotations (tests, or a train and a val set sharing one file). */
    public static CocoDetection of(Settings settings, CocoInstances instances, Pipeline pipeline) {
        return new CocoDetection(settings, instances, pipeline);
    }

    public Settings settings() {
        return settings;
    }

    public CocoInstances instances() {
        return instances;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    /** Every image of the file, in file order. */
    public List<ImageRecord> records() {
        return records;
    }

    /** Class names by contiguous label. */
    public List<String> classNames() {
        CocoCategories c = instances.categories();
        List<String> names = new ArrayList<>(c.size());
        for (int label = 0; label < c.size(); label++) {
            names.add(c.name(c.indexOfLabel(label)));
        }
        return names;
    }

    /**
     * mmdetection's {@code filter_data}: in test mode, or without {@code filter_cfg}, every image; otherwise images
     * with at least one annotation (crowd ones count, as in mmdet) when {@code filter_empty_gt}, and whose shorter
     * annotated side is at least {@code min_size}.
     */
    public Predicate<ImageRecord> filter() {
        FilterCfg f = settings.filterCfg();
        if (settings.testMode() || f == null) {
            return r -> true;
        }
        return r -> (!f.filterEmptyGt() || instances.annotationsOfImage(r.index()).length > 0)
                && Math.min(r.width(), r.height()) >= f.minSize();
    }

    /** The transformed sample of {@code record}; annotations are loaded unless in test mode. */
    public DetectionSample load(ImageRecord record, RandomGenerator rng) {
        if (record.file() == null) {
            throw new SampleException(null, record + ": the annotation file gives no file_name");
        }
        Planar<GrayF32> rgb = ImageDecoder.readRgb(record.file());
        if (rgb.width != record.width() || rgb.height != record.height()) {
            throw new SampleException(record.file(), "image id " + record.id() + " decodes to " + rgb.width + "x"
                    + rgb.height + " but the annotations say " + record.width() + "x" + record.height());
        }
        ImageSample sample = new ImageSample(rgb, null);
        if (settings.testMode()) {
            pipeline.apply(sample, rng);
            return new DetectionSample(record.id(), record.file(), sample, null, null, null);
        }
        Targets t = targets(record);
        BoxTargets boxes = new BoxTargets(t.boxes, true);
        BitmapMasks masks = BitmapMasks.fromRle(t.masks, record.width(), record.height());
        sample.addTarget(boxes).addTarget(masks);
        pipeline.apply(sample, rng);
        return new DetectionSample(record.id(), record.file(), sample, boxes, t.labels, masks);
    }

    /** Any image file through this dataset's pipeline, without annotations (for prediction on new images). */
    public DetectionSample loadImage(Path file, RandomGenerator rng) {
        ImageSample sample = new ImageSample(ImageDecoder.readRgb(file), null);
        pipeline.apply(sample, rng);
        return new DetectionSample(-1, file, sample, null, null, null);
    }

    private record Targets(float[] boxes, int[] labels, RleMask[] masks) {}

    private Targets targets(ImageRecord record) {
        CocoAnnotations a = instances.annotations();
        int[] anns = instances.annotationsOfImage(record.index());
        float[] boxes = new float[anns.length * 4];
        int[] labels = new int[anns.length];
        RleMask[] masks = new RleMask[anns.length];
        int n = 0;
        for (int ann : anns) {
            double x = a.bbox(ann, 0);
            double y = a.bbox(ann, 1);
            double w = a.bbox(ann, 2);
            double h = a.bbox(ann, 3);
            double interW = Math.max(0, Math.min(x + w, record.width()) - Math.max(x, 0));
            double interH = Math.max(0, Math.min(y + h, record.height()) - Math.max(y, 0));
            if (interW * interH == 0 || a.area(ann) <= 0 || w < 1 || h < 1 || a.isCrowd(ann)) {
                continue;
            }
            if (!a.hasSegmentation(ann)) {
                throw new SampleException(record.file(), "image id " + record.id() + ", annotation id " + a.id(ann)
                        + ": no segmentation, which Mask R-CNN needs for every non-crowd instance");
            }
            try {
                masks[n] = a.store().toRle(a.segmentation(ann), record.height(), record.width());
            } catch (RuntimeException e) {
                throw new SampleException(record.file(), "image id " + record.id() + ", annotation id " + a.id(ann)
                        + ": cannot rasterise the segmentation: " + e.getMessage(), e);
            }
            boxes[n * 4] = (float) x;
            boxes[n * 4 + 1] = (float) y;
            boxes[n * 4 + 2] = (float) (x + w);
            boxes[n * 4 + 3] = (float) (y + h);
            labels[n] = instances.categories().label(a.categoryIndex(ann));
            n++;
        }
        return new Targets(Arrays.copyOf(boxes, n * 4), Arrays.copyOf(labels, n), Arrays.copyOf(masks, n));
    }
}
