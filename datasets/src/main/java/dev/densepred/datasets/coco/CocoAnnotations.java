package dev.densepred.datasets.coco;

/**
 * The {@code annotations} of a COCO file as parallel primitive arrays, in file order: id, image and category (as
 * positions in {@link CocoImages} and {@link CocoCategories}), box {@code [x, y, w, h]}, area, iscrowd, the optional
 * {@code ignore} flag, and the segmentation kept packed in a {@link SegmentationStore}.
 *
 * <p>Boxes and areas are doubles, exactly as JSON gave them: COCOeval compares them against thresholds and area
 * ranges, so float32 would change results.
 */
public final class CocoAnnotations {

    private final long[] ids;
    private final int[] images;
    private final int[] categories;
    private final double[] boxes;
    private final double[] areas;
    private final boolean[] crowd;
    private final boolean[] ignore;
    private final int[] segmentations;
    private final SegmentationStore store;

    CocoAnnotations(long[] ids, int[] images, int[] categories, double[] boxes, double[] areas, boolean[] crowd,
            boolean[] ignore, int[] segmentations, SegmentationStore store) {
        this.ids = ids;
        this.images = images;
        this.categories = categories;
        this.boxes = boxes;
        this.areas = areas;
        this.crowd = crowd;
        this.ignore = ignore;
        this.segmentations = segmentations;
        this.store = store;
    }

    /** Number of annotations. */
    public int size() {
        return ids.length;
    }

    public long id(int index) {
        return ids[index];
    }

    /** Position of the annotation's image in {@link CocoImages}. */
    public int imageIndex(int index) {
        return images[index];
    }

    /** Position of the annotation's category in {@link CocoCategories}. */
    public int categoryIndex(int index) {
        return categories[index];
    }

    /** Component {@code k} (0: x, 1: y, 2: w, 3: h) of the box. */
    public double bbox(int index, int k) {
        return boxes[index * 4 + k];
    }

    /** The box {@code [x, y, w, h]}. */
    public double[] bbox(int index) {
        double[] b = new double[4];
        System.arraycopy(boxes, index * 4, b, 0, 4);
        return b;
    }

    /** The {@code area} field (COCO's mask area, used for the small/medium/large ranges). */
    public double area(int index) {
        return areas[index];
    }

    /** Whether {@code iscrowd} is set (any non-zero value, as pycocotools reads it). */
    public boolean isCrowd(int index) {
        return crowd[index];
    }

    /** The optional {@code ignore} flag (mmdetection skips these in training; COCOeval overwrites it with iscrowd). */
    public boolean ignore(int index) {
        return ignore[index];
    }

    /** Whether the annotation has a segmentation. */
    public boolean hasSegmentation(int index) {
        return segmentations[index] >= 0;
    }

    /** The segmentation's entry in {@link #store()}, or -1 when there is none. */
    public int segmentation(int index) {
        return segmentations[index];
    }

    /** Where the segmentations are packed. */
    public SegmentationStore store() {
        return store;
    }
}
