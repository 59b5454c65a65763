package dev.densepred.datasets.coco;

import java.util.Arrays;

/**
 * The {@code categories} of a COCO file, in file order, with the contiguous label mmdetection trains with: label
 * {@code 0..K-1} in ascending category-id order (COCO's ids 1..90 with gaps become 0..79).
 */
public final class CocoCategories {

    private final long[] ids;
    private final String[] names;
    private final String[] supercategories;
    private final IdIndex index;
    private final int[] labels;
    private final int[] byLabel;

    CocoCategories(long[] ids, String[] names, String[] supercategories, IdIndex index) {
        this.ids = ids;
        this.names = names;
        this.supercategories = supercategories;
        this.index = index;
        long[] sorted = ids.clone();
        Arrays.sort(sorted);
        this.labels = new int[ids.length];
        this.byLabel = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            labels[i] = Arrays.binarySearch(sorted, ids[i]);
            byLabel[labels[i]] = i;
        }
    }

    /** Number of categories. */
    public int size() {
        return ids.length;
    }

    public long id(int index) {
        return ids[index];
    }

    public String name(int index) {
        return names[index];
    }

    /** The {@code supercategory}, or {@code null} when the file gives none. */
    public String supercategory(int index) {
        return supercategories[index];
    }

    /** Position of category {@code id} in the file, or -1 when there is none. */
    public int indexOf(long id) {
        return index.indexOf(id);
    }

    /** The contiguous training label of the category at {@code index} (rank of its id). */
    public int label(int index) {
        return labels[index];
    }

    /** The position of the category whose label is {@code label}. */
    public int indexOfLabel(int label) {
        return byLabel[label];
    }

    /** Category ids in ascending order, as pycocotools' {@code COCOeval} sorts them. */
    public long[] sortedIds() {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[labels[i]] = ids[i];
        }
        return out;
    }
}
