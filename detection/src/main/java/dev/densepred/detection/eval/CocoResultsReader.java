package dev.densepred.detection.eval;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;

import dev.densepred.datasets.coco.CocoFormatException;
import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.JsonNumbers;
import dev.densepred.datasets.coco.SegmentationStore;
import dev.densepred.datasets.coco.Utf8JsonReader;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a standard COCO results file, {@code [{"image_id", "category_id", "bbox" | "segmentation", "score"}, ...]},
 * with the semantics of pycocotools' {@code COCO.loadRes}: ids {@code 1..N} in file order; when the first record
 * has a non-empty {@code bbox}, every record must have one and the area is {@code w * h} (a record without a
 * segmentation then gets its box as one); otherwise every record needs a segmentation, the area is the mask's, and
 * a missing box is the mask's {@code toBbox}. Segmentations may be compressed RLE (the standard), uncompressed RLE or
 * polygons.
 *
 * <p>Stricter than pycocotools, and each refusal names the file, the record index and its image and category: an
 * image or category id not in the ground truth (pycocotools asserts on the first and silently drops the second), a
 * score or box that is missing, NaN or infinite (Python writes {@code NaN}, so it is read here to be reported), a
 * box with negative size, a malformed mask, or a mask whose size is not its image's (pycocotools would give an IoU of
 * -1 there).
 *
 * <p>The JSON is parsed on one thread by {@link Utf8JsonReader} (several times faster than Gson's char pipeline on
 * these files); compressed masks are then checked and measured (area, box) on all cores by
 * {@link CocoResults.Builder}.
 */
public final class CocoResultsReader {

    private CocoResultsReader() {}

    /**
     * Reads {@code file} against {@code gt}.
     *
     * @throws CocoFormatException when a record is not valid
     * @throws IOException when the file cannot be read
     */
    public static CocoResults read(Path file, CocoInstances gt) throws IOException {
        CocoResults.Builder results = CocoResults.builder(gt);
        SegmentationStore store = results.store();
        CocoResults.AreaSource areaSource = null;
        int n = 0;
        try (JsonReader r = new Utf8JsonReader(Files.newInputStream(file))) {
            if (r.peek() != JsonToken.BEGIN_ARRAY) {
                throw new CocoFormatException(file, "expected a JSON list of detections, found " + r.peek());
            }
            r.beginArray();
            double[] box = new double[4];
            for (; r.hasNext(); n++) {
                long imageId = Long.MIN_VALUE;
                long categoryId = Long.MIN_VALUE;
                double score = Double.NaN;
                boolean hasScore = false;
                int nBox = -1;
                int seg = -1;
                String segDefect = null;
                r.beginObject();
                while (r.hasNext()) {
                    switch (r.nextName()) {
                        case "image_id" -> imageId = r.nextLong();
                        case "category_id" -> categoryId = r.nextLong();
                        case "score" -> {
                            score = nextDouble(r);
                            hasScore = true;
                        }
                        case "bbox" -> {
                            nBox = 0;
                            r.beginArray();
                            while (r.hasNext()) {
                                double v = nextDouble(r);
                                if (nBox < 4) {
                                    box[nBox] = v;
                                }
                                nBox++;
                            }
                            r.endArray();
                        }
                        case "segmentation" -> {
                            try {
                                // Compressed strings are checked (in parallel) by the builder.
                                seg = store.read(r, false);
                            } catch (IllegalArgumentException e) {
                                segDefect = e.getMessage();
                            }
                        }
                        default -> r.skipValue();
                    }
                }
                r.endObject();
                if (n == 0) {
                    areaSource = nBox > 0 ? CocoResults.AreaSource.BOX : CocoResults.AreaSource.MASK;
                    if (nBox <= 0 && seg < 0 && segDefect == null) {
                        throw bad(file, n, imageId, categoryId, "neither \"bbox\" nor \"segmentation\"; only bbox and segm "
                                + "results are supported");
                    }
                }
                if (imageId == Long.MIN_VALUE || categoryId == Long.MIN_VALUE || !hasScore) {
                    throw bad(file, n, imageId, categoryId, "missing \"image_id\", \"category_id\" or \"score\"");
                }
                int img = gt.images().indexOf(imageId);
                if (img < 0) {
                    throw bad(file, n, imageId, categoryId, "image_id " + imageId + " is not in the ground truth "
                            + gt.source().getFileName());
                }
                int cat = gt.categories().indexOf(categoryId);
                if (cat < 0) {
                    throw bad(file, n, imageId, categoryId, "category_id " + categoryId + " is not in the ground truth "
                            + gt.source().getFileName());
                }
                if (!Double.isFinite(score)) {
                    throw bad(file, n, imageId, categoryId, "score is " + score);
                }
                if (segDefect != null) {
                    throw bad(file, n, imageId, categoryId, segDefect);
                }
                boolean boxBranch = areaSource == CocoResults.AreaSource.BOX;
                if (boxBranch && nBox < 0) {
                    throw bad(file, n, imageId, categoryId, "no \"bbox\", but the first record has one, so all must "
                            + "(pycocotools' loadRes)");
                }
                if (!boxBranch && seg < 0) {
                    throw bad(file, n, imageId, categoryId, "no \"segmentation\", but the first record has no bbox, so all "
                            + "records need one (pycocotools' loadRes)");
                }
                if (seg >= 0 && store.kind(seg) != SegmentationStore.Kind.POLYGONS) {
                    int[] size = store.rleSize(seg);
                    int h = gt.images().height(img);
                    int w = gt.images().width(img);
                    if (size[0] != h || size[1] != w) {
                        throw bad(file, n, imageId, categoryId, "mask size [" + size[0] + ", " + size[1]
                                + "] differs from the image's [height, width] = [" + h + ", " + w + "]");
                    }
                }
                if (nBox >= 0) {
                    if (nBox != 4) {
                        throw bad(file, n, imageId, categoryId, "bbox must be [x, y, w, h], found " + nBox + " values");
                    }
                    String defect = CocoResults.boxDefect(box);
                    if (defect != null) {
                        throw bad(file, n, imageId, categoryId, defect);
                    }
                }
                results.put(img, cat, score, nBox >= 0 ? box : null, seg);
            }
            r.endArray();
        } catch (IllegalStateException | NumberFormatException | MalformedJsonException | EOFException e) {
            throw new CocoFormatException(file, "not a COCO results file: " + e.getMessage(), e);
        }
        try {
            return results.build(file, areaSource);
        } catch (CocoResults.BadRecord e) {
            throw bad(file, e.index, gt.images().id(e.image), gt.categories().id(e.category), e.defect);
        }
    }

    private static CocoFormatException bad(Path file, int index, long imageId, long categoryId, String defect) {
        return new CocoFormatException(file, "results[" + index + "] (image_id " + (imageId == Long.MIN_VALUE ? "missing" : imageId)
                + ", category_id " + (categoryId == Long.MIN_VALUE ? "missing" : categoryId) + "): " + defect);
    }

    // A number, or Python's unquoted NaN / Infinity / -Infinity (string tokens) for the checks.
    private static double nextDouble(JsonReader r) throws IOException {
        if (r.peek() == JsonToken.STRING) {
            String s = r.nextString();
            return switch (s) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> throw new IllegalStateException("Expected a number but was \"" + s + "\" at path " + r.getPath());
            };
        }
        return JsonNumbers.nextDouble(r);
    }
}
