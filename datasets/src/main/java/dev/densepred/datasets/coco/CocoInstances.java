package dev.densepred.datasets.coco;

import dev.densepred.datasets.mask.RleMask;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A loaded COCO instances file ({@code instances_*.json}): images, categories and annotations as compact arrays,
 * with annotations indexed by image and by category. Within an image or a category, annotations keep file order,
 * as pycocotools' {@code imgToAnns} does (COCOeval's tie rules depend on it).
 *
 * <p>Read one with {@link CocoInstancesReader#read}. Immutable and safe to share between threads.
 */
public final class CocoInstances {

    private final Path source;
    private final CocoImages images;
    private final CocoCategories categories;
    private final CocoAnnotations annotations;
    private final int[] imageStart;
    private final int[] imageAnns;
    private final int[] categoryStart;
    private final int[] categoryAnns;

    CocoInstances(Path source, CocoImages images, CocoCategories categories, CocoAnnotations annotations) {
        this.source = source;
        this.images = images;
        this.categories = categories;
        this.annotations = annotations;
        int n = annotations.size();
        int[] byImage = new int[n];
        int[] byCategory = new int[n];
        for (int i = 0; i < n; i++) {
            byImage[i] = annotations.imageIndex(i);
            byCategory[i] = annotations.categoryIndex(i);
        }
        imageStart = new int[images.size() + 1];
        imageAnns = bucket(byImage, imageStart);
        categoryStart = new int[categories.size() + 1];
        categoryAnns = bucket(byCategory, categoryStart);
    }

    /** The file this was read from. */
    public Path source() {
        return source;
    }

    public CocoImages images() {
        return images;
    }

    public CocoCategories categories() {
        return categories;
    }

    public CocoAnnotations annotations() {
        return annotations;
    }

    /** Annotations of the image at {@code imageIndex}, in file order. */
    public int[] annotationsOfImage(int imageIndex) {
        return Arrays.copyOfRange(imageAnns, imageStart[imageIndex], imageStart[imageIndex + 1]);
    }

    /** Annotations of the category at {@code categoryIndex}, in file order. */
    public int[] annotationsOfCategory(int categoryIndex) {
        return Arrays.copyOfRange(categoryAnns, categoryStart[categoryIndex], categoryStart[categoryIndex + 1]);
    }

    /**
     * pycocotools' {@code annToRLE}: the annotation's mask, polygons rasterised at its image's size.
     *
     * @throws IllegalStateException when the annotation has no segmentation
     */
    public RleMask rle(int annotation) {
        int seg = annotations.segmentation(annotation);
        if (seg < 0) {
            throw new IllegalStateException(source + ": annotation id " + annotations.id(annotation) + " has no segmentation");
        }
        int img = annotations.imageIndex(annotation);
        return annotations.store().toRle(seg, images.height(img), images.width(img));
    }

    // Counting sort: stable, so each bucket keeps file order.
    private static int[] bucket(int[] keys, int[] start) {
        for (int k : keys) {
            start[k + 1]++;
        }
        for (int i = 1; i < start.length; i++) {
            start[i] += start[i - 1];
        }
        int[] fill = Arrays.copyOf(start, start.length - 1);
        int[] out = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[fill[keys[i]]++] = i;
        }
        return out;
    }
}
