package dev.densepred.detection.eval;

import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.SegmentationStore;
import dev.densepred.datasets.mask.MaskApi;
import dev.densepred.datasets.mask.RleMask;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Detections to evaluate against a ground truth, as pycocotools' {@code COCO.loadRes} leaves them: each has an
 * image, a category, a score, a box {@code [x, y, w, h]}, an optional mask, and an area for the small/medium/large
 * ranges. Detection ids are {@code 1..N} in the order given.
 *
 * <p>Where the area comes from follows {@code loadRes}: for a results file, the box area {@code w * h} when its
 * first record has a non-empty {@code bbox} (then every record goes through that branch, masks included), else the
 * mask area. Results built in memory with {@link Builder} behave like the two files {@link CocoResultsWriter} writes
 * from them: box area for {@code bbox} evaluation, mask area for {@code segm} (mmdetection's choice as well).
 *
 * <p>Read files with {@link CocoResultsReader}; write them with {@link CocoResultsWriter}.
 */
public final class CocoResults {

    /** Which area {@code loadRes} gives the detections. */
    public enum AreaSource {
        /** {@code w * h} of the box (bbox branch of {@code loadRes}). */
        BOX,
        /** The mask's pixel count (segmentation branch). */
        MASK
    }

    private final Path source;
    private final CocoInstances gt;
    private final int[] images;
    private final int[] categories;
    private final double[] scores;
    private final double[] boxes;
    private final long[] maskAreas;
    private final int[] segmentations;
    private final SegmentationStore store;
    private final AreaSource areaSource;

    CocoResults(Path source, CocoInstances gt, int[] images, int[] categories, double[] scores, double[] boxes,
            long[] maskAreas, int[] segmentations, SegmentationStore store, AreaSource areaSource) {
        this.source = source;
        this.gt = gt;
        this.images = images;
        this.categories = categories;
        this.scores = scores;
        this.boxes = boxes;
        this.maskAreas = maskAreas;
        this.segmentations = segmentations;
        this.store = store;
        this.areaSource = areaSource;
    }

    /** Starts results for {@code gt}, checked record by record. */
    public static Builder builder(CocoInstances gt) {
        return new Builder(gt);
    }

    /** The file these were read from, or {@code null} when built in memory. */
    public Path source() {
        return source;
    }

    /** The ground truth these detections refer to. */
    public CocoInstances groundTruth() {
        return gt;
    }

    /** Number of detections. */
    public int size() {
        return scores.length;
    }

    /** Position of the detection's image in the ground truth's images. */
    public int imageIndex(int d) {
        return images[d];
    }

    /** Position of the detection's category in the ground truth's categories. */
    public int categoryIndex(int d) {
        return categories[d];
    }

    public double score(int d) {
        return scores[d];
    }

    /** Component {@code k} (x, y, w, h) of the box. */
    public double bbox(int d, int k) {
        return boxes[d * 4 + k];
    }

    /** Whether the detection has a mask. */
    public boolean hasMask(int d) {
        return segmentations[d] >= 0;
    }

    /** The area source of a results file, or {@code null} for results built in memory (it follows the iou type). */
    public AreaSource areaSource() {
        return areaSource;
    }

    /**
     * The area {@code loadRes} gives detection {@code d} when evaluating {@code type}; for results built in memory,
     * the box area for {@code bbox} or when the detection has no mask, else the mask's.
     */
    public double area(int d, IouType type) {
        AreaSource src = areaSource != null ? areaSource
                : type == IouType.BBOX || segmentations[d] < 0 ? AreaSource.BOX : AreaSource.MASK;
        if (src == AreaSource.BOX) {
            return boxes[d * 4 + 2] * boxes[d * 4 + 3];
        }
        return maskAreas[d];
    }

    /**
     * The detection's mask at its image's size; a detection without one is its box rasterised as a polygon, as
     * {@code loadRes} makes it.
     */
    public RleMask rle(int d) {
        int img = images[d];
        int h = gt.images().height(img);
        int w = gt.images().width(img);
        if (segmentations[d] < 0) {
            return MaskApi.frBbox(Arrays.copyOfRange(boxes, d * 4, d * 4 + 4), h, w);
        }
        return store.toRle(segmentations[d], h, w);
    }

    /**
     * Collects detections for a ground truth. Every record is checked as it is added: the image and category must
     * exist in the ground truth, the score and box must be finite with {@code w, h >= 0}, and a mask must have its
     * image's size. {@link CocoResultsReader} fills one too.
     */
    public static final class Builder {
        private static final long TO_MEASURE = -2;

        private final CocoInstances gt;
        private final SegmentationStore store = new SegmentationStore();
        private int n;
        private int[] images = new int[1024];
        private int[] categories = new int[1024];
        private double[] scores = new double[1024];
        private double[] boxes = new double[4096];
        private long[] maskAreas = new long[1024];
        private int[] segmentations = new int[1024];
        private boolean[] boxFromMask = new boolean[1024];

        Builder(CocoInstances gt) {
            this.gt = gt;
        }

        /** Adds a box detection. */
        public Builder add(long imageId, long categoryId, double score, double[] xywh) {
            return add(imageId, categoryId, score, xywh, null);
        }

        /**
         * Adds a detection with a box and/or a mask; without a box, the box is the mask's {@code toBbox}.
         *
         * @throws IllegalArgumentException naming the record (its position, image and category) and the defect
         */
        public Builder add(long imageId, long categoryId, double score, double[] xywh, RleMask mask) {
            String where = "detection #" + n + " (image_id " + imageId + ", category_id " + categoryId + ")";
            int img = gt.images().indexOf(imageId);
            if (img < 0) {
                throw new IllegalArgumentException(where + ": image_id " + imageId + " is not in the ground truth's images");
            }
            int cat = gt.categories().indexOf(categoryId);
            if (cat < 0) {
                throw new IllegalArgumentException(where + ": category_id " + categoryId + " is not in the ground truth's categories");
            }
            if (!Double.isFinite(score)) {
                throw new IllegalArgumentException(where + ": score is " + score);
            }
            if (xywh == null && mask == null) {
                throw new IllegalArgumentException(where + ": needs a box or a mask");
            }
            double[] box = xywh != null ? xywh : mask.toBbox();
            String defect = boxDefect(box);
            if (defect != null) {
                throw new IllegalArgumentException(where + ": " + defect);
            }
            if (mask != null && (mask.height() != gt.images().height(img) || mask.width() != gt.images().width(img))) {
                throw new IllegalArgumentException(where + ": mask size [" + mask.height() + ", " + mask.width()
                        + "] differs from the image's [height, width] = [" + gt.images().height(img) + ", "
                        + gt.images().width(img) + "]");
            }
            int d = put(img, cat, score, box, mask == null ? -1 : store.appendRle(mask));
            maskAreas[d] = mask == null ? -1 : mask.area();
            return this;
        }

        /** Where {@link CocoResultsReader} puts the segmentations it parses. */
        SegmentationStore store() {
            return store;
        }

        /** Number of detections so far. */
        int size() {
            return n;
        }

        int imageIndex(int d) {
            return images[d];
        }

        int categoryIndex(int d) {
            return categories[d];
        }

        /** Whether detection {@code d} came with a box (rather than taking its mask's). */
        boolean hasBox(int d) {
            return !boxFromMask[d];
        }

        boolean hasMask(int d) {
            return segmentations[d] >= 0;
        }

        /** Moves every detection of {@code other} (same ground truth) after these; {@code other} is spent. */
        void appendAll(Builder other) {
            int shift = store.appendAll(other.store);
            for (int d = 0; d < other.n; d++) {
                int seg = other.segmentations[d];
                double[] box = other.boxFromMask[d] ? null : Arrays.copyOfRange(other.boxes, d * 4, d * 4 + 4);
                int at = put(other.images[d], other.categories[d], other.scores[d], box, seg < 0 ? -1 : seg + shift);
                maskAreas[at] = other.maskAreas[d];
            }
        }

        /**
         * Adds a checked record whose mask (entry {@code seg} of {@link #store()}, or -1) is measured in {@link #build};
         * a {@code null} box is then the mask's.
         */
        int put(int img, int cat, double score, double[] box, int seg) {
            if (n == scores.length) {
                int cap = n * 2;
                images = Arrays.copyOf(images, cap);
                categories = Arrays.copyOf(categories, cap);
                scores = Arrays.copyOf(scores, cap);
                boxes = Arrays.copyOf(boxes, cap * 4);
                maskAreas = Arrays.copyOf(maskAreas, cap);
                segmentations = Arrays.copyOf(segmentations, cap);
                boxFromMask = Arrays.copyOf(boxFromMask, cap);
            }
            int d = n++;
            images[d] = img;
            categories[d] = cat;
            scores[d] = score;
            if (box != null) {
                System.arraycopy(box, 0, boxes, d * 4, 4);
            }
            boxFromMask[d] = box == null;
            segmentations[d] = seg;
            maskAreas[d] = seg < 0 ? -1 : TO_MEASURE;
            return d;
        }

        /** The results; the builder must not be used afterwards. */
        public CocoResults build() {
            return build(null, null);
        }

        /**
         * The results, after checking and measuring the masks not measured yet on all cores.
         *
         * @throws BadRecord for the first record, in order, whose mask is malformed
         */
        CocoResults build(Path source, AreaSource areaSource) {
            store.trim();
            int[] firstBad = {Integer.MAX_VALUE};
            String[] defect = new String[1];
            IntStream.range(0, n).parallel().forEach(d -> {
                if (maskAreas[d] != TO_MEASURE) {
                    return;
                }
                int img = images[d];
                double[] box = boxFromMask[d] ? new double[4] : null;
                try {
                    maskAreas[d] = store.area(segmentations[d], gt.images().height(img), gt.images().width(img), box);
                } catch (IllegalArgumentException e) {
                    synchronized (firstBad) {
                        if (d < firstBad[0]) {
                            firstBad[0] = d;
                            defect[0] = e.getMessage();
                        }
                    }
                    return;
                }
                if (box != null) {
                    System.arraycopy(box, 0, boxes, d * 4, 4);
                }
            });
            if (defect[0] != null) {
                throw new BadRecord(firstBad[0], images[firstBad[0]], categories[firstBad[0]], defect[0]);
            }
            return new CocoResults(source, gt, Arrays.copyOf(images, n), Arrays.copyOf(categories, n),
                    Arrays.copyOf(scores, n), Arrays.copyOf(boxes, n * 4), Arrays.copyOf(maskAreas, n),
                    Arrays.copyOf(segmentations, n), store, n == 0 ? null : areaSource);
        }
    }

    /** A detection found invalid while building: its position, image and category (as positions) and the defect. */
    static final class BadRecord extends IllegalArgumentException {
        final int index;
        final int image;
        final int category;
        final String defect;

        BadRecord(int index, int image, int category, String defect) {
            super("detection #" + index + ": " + defect);
            this.index = index;
            this.image = image;
            this.category = category;
            this.defect = defect;
        }
    }

    /** What is wrong with a results box, or {@code null}: 4 finite values with {@code w, h >= 0}. */
    static String boxDefect(double[] box) {
        if (box.length != 4) {
            return "bbox must be [x, y, w, h], found " + box.length + " values";
        }
        for (double v : box) {
            if (!Double.isFinite(v)) {
                return "bbox " + Arrays.toString(box) + " is not finite";
            }
        }
        if (box[2] < 0 || box[3] < 0) {
            return "bbox " + Arrays.toString(box) + " has negative size; expected [x, y, w, h] with w, h >= 0 (not [x1, y1, x2, y2])";
        }
        return null;
    }
}
