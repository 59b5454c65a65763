package dev.densepred.datasets.coco;

/**
 * The {@code images} of a COCO file as parallel arrays, in file order: id, width, height and file name. Images are
 * addressed by their position ({@code index}); {@link #indexOf} maps a COCO id to it.
 */
public final class CocoImages {

    private final long[] ids;
    private final int[] widths;
    private final int[] heights;
    private final String[] fileNames;
    private final IdIndex index;

    CocoImages(long[] ids, int[] widths, int[] heights, String[] fileNames, IdIndex index) {
        this.ids = ids;
        this.widths = widths;
        this.heights = heights;
        this.fileNames = fileNames;
        this.index = index;
    }

    /** Number of images. */
    public int size() {
        return ids.length;
    }

    public long id(int index) {
        return ids[index];
    }

    public int width(int index) {
        return widths[index];
    }

    public int height(int index) {
        return heights[index];
    }

    /** The {@code file_name}, or {@code null} when the file gives none. */
    public String fileName(int index) {
        return fileNames[index];
    }

    /** Position of image {@code id}, or -1 when the file has no such image. */
    public int indexOf(long id) {
        return index.indexOf(id);
    }
}
