package dev.densepred.datasets.coco;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a COCO instances file with Gson's streaming {@link JsonReader} straight into compact arrays (the twin of
 * pycocotools' {@code COCO(annotation_file)}, without a tree of maps): {@code images}, {@code categories} and
 * {@code annotations} may come in any order, other top-level keys ({@code info}, {@code licenses}, ...) and unknown
 * record keys are skipped.
 *
 * <p>Checked, with an error naming the file, the record's array index and id, and expected versus found: missing
 * required keys ({@code id}, {@code image_id}, {@code category_id}, {@code bbox}, {@code area}; images need
 * {@code id}, {@code width}, {@code height}), repeated ids, unknown image or category ids, a bbox that is not 4
 * finite numbers with non-negative size, a negative or non-finite area, and a malformed segmentation (polygons with
 * an odd count or fewer than 6 values, RLE counts that do not sum to h*w or whose size differs from the image).
 */
public final class CocoInstancesReader {

    // Required annotation keys, as bits of a "still missing" mask.
    private static final int HAS_ID = 1;
    private static final int HAS_IMAGE = 2;
    private static final int HAS_CATEGORY = 4;
    private static final int HAS_BBOX = 8;
    private static final int HAS_AREA = 16;
    private static final int REQUIRED = HAS_ID | HAS_IMAGE | HAS_CATEGORY | HAS_BBOX | HAS_AREA;

    private final Path file;
    private final SegmentationStore store = new SegmentationStore();

    private int nImages;
    private long[] imageIds = new long[1024];
    private int[] widths = new int[1024];
    private int[] heights = new int[1024];
    private String[] fileNames = new String[1024];
    private boolean sawImages;

    private int nCategories;
    private long[] categoryIds = new long[128];
    private String[] names = new String[128];
    private String[] supercategories = new String[128];
    private boolean sawCategories;

    private int nAnns;
    private long[] annIds = new long[4096];
    private long[] annImageIds = new long[4096];
    private long[] annCategoryIds = new long[4096];
    private double[] boxes = new double[4096 * 4];
    private double[] areas = new double[4096];
    private boolean[] crowd = new boolean[4096];
    private boolean[] ignore = new boolean[4096];
    private int[] segmentations = new int[4096];

    private CocoInstancesReader(Path file) {
        this.file = file;
    }

    /**
     * Reads and validates {@code file}.
     *
     * @throws CocoFormatException when the file is not a valid COCO instances file
     * @throws IOException when it cannot be read
     */
    public static CocoInstances read(Path file) throws IOException {
        return new CocoInstancesReader(file).readAll();
    }

    private CocoInstances readAll() throws IOException {
        try (JsonReader r = new JsonReader(new InputStreamReader(
                new BufferedInputStream(Files.newInputStream(file), 1 << 16), StandardCharsets.UTF_8))) {
            try {
                if (r.peek() != JsonToken.BEGIN_OBJECT) {
                    throw new CocoFormatException(file, "expected a JSON object with \"images\", \"annotations\" and "
                            + "\"categories\", found " + r.peek());
                }
                r.beginObject();
                while (r.hasNext()) {
                    switch (r.nextName()) {
                        case "images" -> readImages(r);
                        case "categories" -> readCategories(r);
                        case "annotations" -> readAnnotations(r);
                        default -> r.skipValue();
                    }
                }
                r.endObject();
            } catch (IllegalStateException | NumberFormatException | MalformedJsonException | EOFException e) {
                throw new CocoFormatException(file, "not a COCO instances file: " + e.getMessage(), e);
            }
        }
        if (!sawImages) {
            throw new CocoFormatException(file, "no \"images\" list");
        }
        if (!sawCategories) {
            throw new CocoFormatException(file, "no \"categories\" list");
        }
        return build();
    }

    private void readImages(JsonReader r) throws IOException {
        sawImages = true;
        r.beginArray();
        while (r.hasNext()) {
            if (nImages == imageIds.length) {
                int cap = nImages * 2;
                imageIds = Arrays.copyOf(imageIds, cap);
                widths = Arrays.copyOf(widths, cap);
                heights = Arrays.copyOf(heights, cap);
                fileNames = Arrays.copyOf(fileNames, cap);
            }
            int i = nImages++;
            boolean hasId = false;
            long w = -1;
            long h = -1;
            r.beginObject();
            while (r.hasNext()) {
                switch (r.nextName()) {
                    case "id" -> {
                        imageIds[i] = r.nextLong();
                        hasId = true;
                    }
                    case "width" -> w = r.nextLong();
                    case "height" -> h = r.nextLong();
                    case "file_name" -> fileNames[i] = r.nextString();
                    default -> r.skipValue();
                }
            }
            r.endObject();
            String where = "images[" + i + "]" + (hasId ? " (id " + imageIds[i] + ")" : "");
            if (!hasId) {
                throw new CocoFormatException(file, where + ": missing \"id\"");
            }
            if (w < 1 || h < 1 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                throw new CocoFormatException(file, where + ": expected positive \"width\" and \"height\", found width "
                        + (w < 0 ? "missing" : w) + ", height " + (h < 0 ? "missing" : h));
            }
            widths[i] = (int) w;
            heights[i] = (int) h;
        }
        r.endArray();
    }

    private void readCategories(JsonReader r) throws IOException {
        sawCategories = true;
        r.beginArray();
        while (r.hasNext()) {
            if (nCategories == categoryIds.length) {
                int cap = nCategories * 2;
                categoryIds = Arrays.copyOf(categoryIds, cap);
                names = Arrays.copyOf(names, cap);
                supercategories = Arrays.copyOf(supercategories, cap);
            }
            int i = nCategories++;
            boolean hasId = false;
            r.beginObject();
            while (r.hasNext()) {
                switch (r.nextName()) {
                    case "id" -> {
                        categoryIds[i] = r.nextLong();
                        hasId = true;
                    }
                    case "name" -> names[i] = r.nextString();
                    case "supercategory" -> supercategories[i] = r.nextString();
                    default -> r.skipValue();
                }
            }
            r.endObject();
            if (!hasId) {
                throw new CocoFormatException(file, "categories[" + i + "]: missing \"id\"");
            }
            if (names[i] == null) {
                throw new CocoFormatException(file, "categories[" + i + "] (id " + categoryIds[i] + "): missing \"name\"");
            }
        }
        r.endArray();
    }

    private void readAnnotations(JsonReader r) throws IOException {
        r.beginArray();
        double[] box = new double[4];
        while (r.hasNext()) {
            if (nAnns == annIds.length) {
                growAnnotations();
            }
            int i = nAnns++;
            int missing = REQUIRED;
            int nBox = 0;
            String defect = null;
            segmentations[i] = -1;
            r.beginObject();
            while (r.hasNext()) {
                switch (r.nextName()) {
                    case "id" -> {
                        annIds[i] = r.nextLong();
                        missing &= ~HAS_ID;
                    }
                    case "image_id" -> {
                        annImageIds[i] = r.nextLong();
                        missing &= ~HAS_IMAGE;
                    }
                    case "category_id" -> {
                        annCategoryIds[i] = r.nextLong();
                        missing &= ~HAS_CATEGORY;
                    }
                    case "bbox" -> {
                        nBox = 0;
                        r.beginArray();
                        while (r.hasNext()) {
                            double v = JsonNumbers.nextDouble(r);
                            if (nBox < 4) {
                                box[nBox] = v;
                            }
                            nBox++;
                        }
                        r.endArray();
                        missing &= ~HAS_BBOX;
                    }
                    case "area" -> {
                        areas[i] = JsonNumbers.nextDouble(r);
                        missing &= ~HAS_AREA;
                    }
                    case "iscrowd" -> crowd[i] = readFlag(r);
                    case "ignore" -> ignore[i] = readFlag(r);
                    case "segmentation" -> {
                        if (r.peek() == JsonToken.NULL) {
                            r.nextNull();
                        } else {
                            try {
                                segmentations[i] = store.read(r);
                            } catch (IllegalArgumentException e) {
                                defect = e.getMessage();
                            }
                        }
                    }
                    default -> r.skipValue();
                }
            }
            r.endObject();
            String where = "annotations[" + i + "]" + ((missing & HAS_ID) == 0 ? " (id " + annIds[i] + ")" : "");
            if (missing != 0) {
                throw new CocoFormatException(file, where + ": missing " + missingKeys(missing));
            }
            if (defect != null) {
                throw new CocoFormatException(file, where + ": " + defect);
            }
            if (nBox != 4) {
                throw new CocoFormatException(file, where + ": bbox must be [x, y, w, h], found " + nBox + " values");
            }
            for (int k = 0; k < 4; k++) {
                if (!Double.isFinite(box[k])) {
                    throw new CocoFormatException(file, where + ": bbox " + Arrays.toString(box) + " is not finite");
                }
            }
            if (box[2] < 0 || box[3] < 0) {
                throw new CocoFormatException(file, where + ": bbox " + Arrays.toString(box)
                        + " has negative size; expected [x, y, w, h] with w, h >= 0 (not [x1, y1, x2, y2])");
            }
            if (!Double.isFinite(areas[i]) || areas[i] < 0) {
                throw new CocoFormatException(file, where + ": area " + areas[i] + " is negative or not finite");
            }
            System.arraycopy(box, 0, boxes, i * 4, 4);
        }
        r.endArray();
    }

    private static String missingKeys(int missing) {
        StringBuilder sb = new StringBuilder();
        String[] keys = {"id", "image_id", "category_id", "bbox", "area"};
        for (int k = 0; k < keys.length; k++) {
            if ((missing & (1 << k)) != 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append('"').append(keys[k]).append('"');
            }
        }
        return sb.toString();
    }

    /** A 0/1 flag written as a number or a boolean; any non-zero number counts as set, as in Python. */
    static boolean readFlag(JsonReader r) throws IOException {
        if (r.peek() == JsonToken.BOOLEAN) {
            return r.nextBoolean();
        }
        return JsonNumbers.nextDouble(r) != 0;
    }

    private void growAnnotations() {
        int cap = nAnns * 2;
        annIds = Arrays.copyOf(annIds, cap);
        annImageIds = Arrays.copyOf(annImageIds, cap);
        annCategoryIds = Arrays.copyOf(annCategoryIds, cap);
        boxes = Arrays.copyOf(boxes, cap * 4);
        areas = Arrays.copyOf(areas, cap);
        crowd = Arrays.copyOf(crowd, cap);
        ignore = Arrays.copyOf(ignore, cap);
        segmentations = Arrays.copyOf(segmentations, cap);
    }

    private CocoInstances build() {
        CocoImages images = new CocoImages(Arrays.copyOf(imageIds, nImages), Arrays.copyOf(widths, nImages),
                Arrays.copyOf(heights, nImages), Arrays.copyOf(fileNames, nImages), index(imageIds, nImages, "images"));
        CocoCategories categories = new CocoCategories(Arrays.copyOf(categoryIds, nCategories),
                Arrays.copyOf(names, nCategories), Arrays.copyOf(supercategories, nCategories),
                index(categoryIds, nCategories, "categories"));
        index(annIds, nAnns, "annotations");
        int[] imageIndex = new int[nAnns];
        int[] categoryIndex = new int[nAnns];
        for (int i = 0; i < nAnns; i++) {
            String where = "annotations[" + i + "] (id " + annIds[i] + ")";
            imageIndex[i] = images.indexOf(annImageIds[i]);
            if (imageIndex[i] < 0) {
                throw new CocoFormatException(file, where + ": image_id " + annImageIds[i] + " is not in \"images\"");
            }
            categoryIndex[i] = categories.indexOf(annCategoryIds[i]);
            if (categoryIndex[i] < 0) {
                throw new CocoFormatException(file, where + ": category_id " + annCategoryIds[i] + " is not in \"categories\"");
            }
            int seg = segmentations[i];
            if (seg >= 0 && store.kind(seg) != SegmentationStore.Kind.POLYGONS) {
                int[] size = store.rleSize(seg);
                int img = imageIndex[i];
                if (size[0] != images.height(img) || size[1] != images.width(img)) {
                    throw new CocoFormatException(file, where + ": RLE size [" + size[0] + ", " + size[1]
                            + "] differs from image " + annImageIds[i] + "'s [height, width] = [" + images.height(img)
                            + ", " + images.width(img) + "]");
                }
            }
        }
        store.trim();
        CocoAnnotations anns = new CocoAnnotations(Arrays.copyOf(annIds, nAnns), imageIndex, categoryIndex,
                Arrays.copyOf(boxes, nAnns * 4), Arrays.copyOf(areas, nAnns), Arrays.copyOf(crowd, nAnns),
                Arrays.copyOf(ignore, nAnns), Arrays.copyOf(segmentations, nAnns), store);
        return new CocoInstances(file, images, categories, anns);
    }

    private IdIndex index(long[] ids, int n, String list) {
        try {
            return IdIndex.of(ids, n);
        } catch (IllegalArgumentException e) {
            throw new CocoFormatException(file, "\"" + list + "\": " + e.getMessage());
        }
    }
}
