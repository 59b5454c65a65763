package dev.densepred.detection.eval;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;

import dev.densepred.datasets.coco.CocoFormatException;
import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.JsonNumbers;
import dev.densepred.datasets.coco.SegmentationStore;
import dev.densepred.datasets.coco.Utf8JsonReader;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads a standard COCO results file, {@code [{"image_id", "category_id", "bbox" | "segmentation", "score"}, ...]},
 * with the semantics of pycocotools' {@code COCO.loadRes}: ids {@code 1..N} in file order; when the first record
 * has a {@code bbox}, every record must have one and the area is {@code w * h} (a record without a segmentation then
 * gets its box as one); otherwise every record needs a segmentation, the area is the mask's, and a missing box is
 * the mask's {@code toBbox}. Segmentations may be compressed RLE (the standard), uncompressed RLE or polygons.
 *
 * <p>Stricter than pycocotools, and each refusal names the file, the record index and its image and category: an
 * image or category id not in the ground truth (pycocotools asserts on the first and silently drops the second), a
 * score or box that is missing, NaN or infinite (Python writes {@code NaN}, so it is read here to be reported), a
 * box that is not 4 numbers or has negative size, a malformed mask, or a mask whose size is not its image's
 * (pycocotools would give an IoU of -1 there).
 *
 * <p>Parsing uses {@link Utf8JsonReader}. A file of several megabytes is cut in two at a boundary between records
 * and both halves are parsed at once; the cut is genuine exactly when the first half parses as a complete list (a
 * cut inside a string or a nested value leaves it unterminated), otherwise the file is parsed in one piece. Compressed
 * masks are then checked and measured (area, box) on all cores by {@link CocoResults.Builder}.
 */
public final class CocoResultsReader {

    /** Files smaller than this are parsed in one piece. */
    private static final long SPLIT_BYTES = 4 << 20;

    private CocoResultsReader() {}

    /** A record-level defect found while parsing a part: its index in the part, its ids, and what is wrong. */
    private static final class BadRecord extends IllegalArgumentException {
        final int index;
        final long imageId;
        final long categoryId;

        BadRecord(int index, long imageId, long categoryId, String defect) {
            super(defect);
            this.index = index;
            this.imageId = imageId;
            this.categoryId = categoryId;
        }
    }

    /**
     * Reads {@code file} against {@code gt}.
     *
     * @throws CocoFormatException when a record is not valid
     * @throws IOException when the file cannot be read
     */
    public static CocoResults read(Path file, CocoInstances gt) throws IOException {
        return read(file, gt, true);
    }

    /** {@link #read(Path, CocoInstances)}, in one piece unless {@code split} (tests compare the two). */
    static CocoResults read(Path file, CocoInstances gt, boolean split) throws IOException {
        CocoResults.Builder results = null;
        long size = Files.size(file);
        long cut = split && size >= SPLIT_BYTES ? findCut(file, size / 2) : -1;
        if (cut > 0) {
            results = readInTwo(file, gt, cut, size);
        }
        if (results == null) {
            results = CocoResults.builder(gt);
            try (InputStream in = Files.newInputStream(file)) {
                parse(file, in, 0, gt, results);
            } catch (BadRecord e) {
                throw bad(file, e.index, e);
            }
        }
        return finish(file, gt, results);
    }

    /**
     * Parses bytes {@code [0, cut)} (closed with a {@code ]}) here and {@code (cut, size)} (opened with a {@code [}) on
     * another thread, {@code cut} being a comma; {@code null} when the first part is not a complete list, i.e. the
     * comma was not between records.
     */
    private static CocoResults.Builder readInTwo(Path file, CocoInstances gt, long cut, long size) throws IOException {
        CocoResults.Builder second = CocoResults.builder(gt);
        CompletableFuture<Exception> secondDone = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = new SequenceInputStream(new ByteArrayInputStream(new byte[] {'['}),
                    range(file, cut + 1, size))) {
                parse(file, in, cut, gt, second);
                return null;
            } catch (IOException | RuntimeException e) {
                return e;
            }
        });
        CocoResults.Builder first = CocoResults.builder(gt);
        Exception firstFailure = null;
        try (InputStream in = new SequenceInputStream(range(file, 0, cut), new ByteArrayInputStream(new byte[] {']'}))) {
            parse(file, in, 0, gt, first);
        } catch (IOException | RuntimeException e) {
            firstFailure = e;
        }
        Exception secondFailure;
        try {
            secondFailure = secondDone.join();
        } catch (CompletionException e) {
            secondFailure = e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
        }
        if (firstFailure instanceof BadRecord b) {
            throw bad(file, b.index, b);
        }
        if (firstFailure != null) {
            // Not a complete list: the cut fell inside a value, or the file is broken; read it in one piece.
            return null;
        }
        if (secondFailure instanceof BadRecord b) {
            throw bad(file, first.size() + b.index, b);
        }
        if (secondFailure instanceof CocoFormatException c) {
            throw c;
        }
        if (secondFailure instanceof IOException io) {
            throw io;
        }
        if (secondFailure != null) {
            throw (RuntimeException) secondFailure;
        }
        first.appendAll(second);
        return first;
    }

    /** The loadRes branch rules over all records, in file order, then the masks measured. */
    private static CocoResults finish(Path file, CocoInstances gt, CocoResults.Builder results) {
        int n = results.size();
        CocoResults.AreaSource areaSource = null;
        if (n > 0) {
            boolean boxBranch = results.hasBox(0);
            areaSource = boxBranch ? CocoResults.AreaSource.BOX : CocoResults.AreaSource.MASK;
            for (int d = 0; d < n; d++) {
                if (boxBranch && !results.hasBox(d)) {
                    throw bad(file, d, gt, results, "no \"bbox\", but the first record has one, so all must (pycocotools' loadRes)");
                }
                if (!boxBranch && !results.hasMask(d)) {
                    throw bad(file, d, gt, results, d == 0 ? "neither \"bbox\" nor \"segmentation\"; only bbox and segm results "
                            + "are supported" : "no \"segmentation\", but the first record has no bbox, so all records need one "
                            + "(pycocotools' loadRes)");
                }
            }
        }
        try {
            return results.build(file, areaSource);
        } catch (CocoResults.BadRecord e) {
            throw bad(file, e.index, gt, results, e.defect);
        }
    }

    /** Parses a JSON list of detection records into {@code results}; {@code byteOffset} places error positions. */
    private static void parse(Path file, InputStream in, long byteOffset, CocoInstances gt, CocoResults.Builder results)
            throws IOException {
        SegmentationStore store = results.store();
        int n = 0;
        try (JsonReader r = new Utf8JsonReader(in, byteOffset)) {
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
                if (imageId == Long.MIN_VALUE || categoryId == Long.MIN_VALUE || !hasScore) {
                    throw new BadRecord(n, imageId, categoryId, "missing \"image_id\", \"category_id\" or \"score\"");
                }
                int img = gt.images().indexOf(imageId);
                if (img < 0) {
                    throw new BadRecord(n, imageId, categoryId, "image_id " + imageId + " is not in the ground truth "
                            + gt.source().getFileName());
                }
                int cat = gt.categories().indexOf(categoryId);
                if (cat < 0) {
                    throw new BadRecord(n, imageId, categoryId, "category_id " + categoryId + " is not in the ground truth "
                            + gt.source().getFileName());
                }
                if (!Double.isFinite(score)) {
                    throw new BadRecord(n, imageId, categoryId, "score is " + score);
                }
                if (segDefect != null) {
                    throw new BadRecord(n, imageId, categoryId, segDefect);
                }
                if (seg >= 0 && store.kind(seg) != SegmentationStore.Kind.POLYGONS) {
                    int[] size = store.rleSize(seg);
                    int h = gt.images().height(img);
                    int w = gt.images().width(img);
                    if (size[0] != h || size[1] != w) {
                        throw new BadRecord(n, imageId, categoryId, "mask size [" + size[0] + ", " + size[1]
                                + "] differs from the image's [height, width] = [" + h + ", " + w + "]");
                    }
                }
                if (nBox >= 0) {
                    if (nBox != 4) {
                        throw new BadRecord(n, imageId, categoryId, "bbox must be [x, y, w, h], found " + nBox + " values");
                    }
                    String defect = CocoResults.boxDefect(box);
                    if (defect != null) {
                        throw new BadRecord(n, imageId, categoryId, defect);
                    }
                }
                results.put(img, cat, score, nBox >= 0 ? box : null, seg);
            }
            r.endArray();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new CocoFormatException(file, "data after the list of detections at " + r.getPath());
            }
        } catch (IllegalStateException | NumberFormatException | MalformedJsonException | EOFException e) {
            throw new CocoFormatException(file, "not a COCO results file: " + e.getMessage(), e);
        }
    }

    /**
     * The position of a comma after {@code from} between a {@code '}'} and a {@code '{'} (spaces allowed), or -1: a
     * candidate separator between two records.
     */
    private static long findCut(Path file, long from) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer window = ByteBuffer.allocate(1 << 20);
            ch.read(window, from);
            byte[] b = window.array();
            int n = window.position();
            for (int i = 0; i < n; i++) {
                if (b[i] != '}') {
                    continue;
                }
                int j = i + 1;
                while (j < n && isSpace(b[j])) {
                    j++;
                }
                if (j >= n || b[j] != ',') {
                    continue;
                }
                int comma = j;
                j++;
                while (j < n && isSpace(b[j])) {
                    j++;
                }
                if (j < n && b[j] == '{') {
                    return from + comma;
                }
            }
            return -1;
        }
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    /** Bytes {@code [from, to)} of the file. */
    private static InputStream range(Path file, long from, long to) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(from);
        InputStream all = Channels.newInputStream(ch);
        return new InputStream() {
            private long left = to - from;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int c = all.read();
                left--;
                return c;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int k = all.read(b, off, (int) Math.min(len, left));
                if (k > 0) {
                    left -= k;
                }
                return k;
            }

            @Override
            public void close() throws IOException {
                all.close();
            }
        };
    }

    private static CocoFormatException bad(Path file, int index, BadRecord b) {
        return bad(file, index, b.imageId, b.categoryId, b.getMessage());
    }

    private static CocoFormatException bad(Path file, int d, CocoInstances gt, CocoResults.Builder results, String defect) {
        return bad(file, d, gt.images().id(results.imageIndex(d)), gt.categories().id(results.categoryIndex(d)), defect);
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
                default -> throw new IllegalStateException("Expected a number but was \"" + s + "\" at " + r.getPath());
            };
        }
        return JsonNumbers.nextDouble(r);
    }
}
