package dev.densepred.detection.eval;

import com.google.gson.stream.JsonWriter;

import dev.densepred.datasets.mask.RleMask;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a standard COCO results file, one record at a time, as the COCO evaluation server and pycocotools'
 * {@code loadRes} read it: box records {@code {"image_id", "category_id", "bbox": [x, y, w, h], "score"}} and mask
 * records {@code {"image_id", "category_id", "segmentation": {"size": [h, w], "counts": "<compressed RLE>"},
 * "score"}}. Mask records carry no {@code bbox}, so {@code loadRes} gives them the mask area (with a box, it would
 * use the box area for the small/medium/large ranges). Numbers are written so that they read back as the same
 * doubles.
 */
public final class CocoResultsWriter implements Closeable {

    private final JsonWriter out;

    private CocoResultsWriter(JsonWriter out) {
        this.out = out;
    }

    /** Opens {@code file} for writing (replacing it) and starts the list. */
    public static CocoResultsWriter open(Path file) throws IOException {
        JsonWriter w = new JsonWriter(new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16));
        w.beginArray();
        return new CocoResultsWriter(w);
    }

    /** Writes every detection of {@code results} as {@code type} records (masks must be present for {@code segm}). */
    public static void write(CocoResults results, IouType type, Path file) throws IOException {
        try (CocoResultsWriter w = open(file)) {
            for (int d = 0; d < results.size(); d++) {
                long imageId = results.groundTruth().images().id(results.imageIndex(d));
                long categoryId = results.groundTruth().categories().id(results.categoryIndex(d));
                if (type == IouType.BBOX) {
                    double[] box = {results.bbox(d, 0), results.bbox(d, 1), results.bbox(d, 2), results.bbox(d, 3)};
                    w.bbox(imageId, categoryId, box, results.score(d));
                } else {
                    if (!results.hasMask(d)) {
                        throw new IllegalArgumentException("detection #" + d + " (image_id " + imageId + ", category_id "
                                + categoryId + ") has no mask; segm results need one per detection");
                    }
                    w.segm(imageId, categoryId, results.rle(d), results.score(d));
                }
            }
        }
    }

    /** Writes a box record; {@code xywh} is {@code [x, y, w, h]}. */
    public CocoResultsWriter bbox(long imageId, long categoryId, double[] xywh, double score) throws IOException {
        out.beginObject();
        out.name("image_id").value(imageId);
        out.name("category_id").value(categoryId);
        out.name("bbox").beginArray().value(xywh[0]).value(xywh[1]).value(xywh[2]).value(xywh[3]).endArray();
        out.name("score").value(score);
        out.endObject();
        return this;
    }

    /** Writes a mask record with the mask as compressed RLE. */
    public CocoResultsWriter segm(long imageId, long categoryId, RleMask mask, double score) throws IOException {
        out.beginObject();
        out.name("image_id").value(imageId);
        out.name("category_id").value(categoryId);
        out.name("segmentation").beginObject();
        out.name("size").beginArray().value(mask.height()).value(mask.width()).endArray();
        out.name("counts").value(mask.toCompressedString());
        out.endObject();
        out.name("score").value(score);
        out.endObject();
        return this;
    }

    /** Ends the list and closes the file. */
    @Override
    public void close() throws IOException {
        out.endArray();
        out.close();
    }
}
