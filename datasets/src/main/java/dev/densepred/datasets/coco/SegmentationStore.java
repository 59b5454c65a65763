package dev.densepred.datasets.coco;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

import dev.densepred.datasets.mask.PolygonMask;
import dev.densepred.datasets.mask.RleMask;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * COCO {@code segmentation} values kept as they are until needed, packed in byte pages: polygons, uncompressed RLE
 * ({@code {"size": [h, w], "counts": [...]}}) and compressed RLE ({@code "counts": "<string>"}). An entry is
 * addressed by the number {@link #read} or an {@code append} method returned. Pages are 256 KiB (an entry larger
 * than that gets a page of its own), small enough that the garbage collector never treats them as humongous and
 * growing never copies what is already stored.
 *
 * <p>Polygon coordinates must come back as the exact doubles JSON gave (rasterisation rounds {@code 5 * x + 0.5},
 * so float32 would move pixels). Coordinates with at most two decimals (all of COCO's) are stored as varint deltas
 * of hundredths, about 2 bytes each, and decoded as {@code k / 100.0}, which is the same correctly rounded double
 * the parser produced; any other value is stored as its 8 raw bytes. Uncompressed counts are varints; compressed
 * strings are their ASCII bytes.
 *
 * <p>Appending is single-threaded; reading is safe from many threads once loading is done.
 */
public final class SegmentationStore {

    /** The three COCO forms of a segmentation. */
    public enum Kind {
        /** A list of polygons {@code [[x0, y0, ...], ...]}. */
        POLYGONS,
        /** {@code {"size": [h, w], "counts": [int, ...]}}, as COCO stores crowd regions. */
        RLE,
        /** {@code {"size": [h, w], "counts": "<string>"}}, as results files store masks. */
        COMPRESSED_RLE
    }

    private static final Kind[] KINDS = Kind.values();
    private static final long RAW_DOUBLE_TAG = 1;
    private static final long MAX_CENTI = 1L << 52;

    private static final int PAGE = 1 << 18;

    private final List<byte[]> pages = new ArrayList<>();
    private byte[] page;
    private int pos;
    private long used;
    // Entry number -> (page index << 32) | position in the page.
    private long[] entries = new long[1024];
    private int nEntries;

    // Scratch for parsing one value, reused.
    private double[] coords = new double[256];
    private int[] polyLengths = new int[8];
    private long[] rleCounts = new long[256];

    /** Bytes in use. */
    public long byteSize() {
        return used;
    }

    /** Number of entries. */
    public int size() {
        return nEntries;
    }

    /** Releases the unused tail of the last page and of the entry table once loading is done. */
    public void trim() {
        if (page != null && pos < page.length) {
            page = Arrays.copyOf(page, pos);
            pages.set(pages.size() - 1, page);
        }
        entries = Arrays.copyOf(entries, nEntries);
    }

    /**
     * Reads one segmentation value (polygon list or RLE object), checks it and appends it.
     *
     * @return the entry number
     * @throws IllegalArgumentException naming the defect when the value is well-formed JSON but not a valid
     *     segmentation (the value has then been consumed, so the caller can go on reading to name the record)
     * @throws IllegalStateException or {@link IOException} when the JSON itself does not have the expected shape
     */
    public int read(JsonReader r) throws IOException {
        return read(r, true);
    }

    /**
     * {@link #read(JsonReader)}, where {@code checkCompressed == false} stores a compressed RLE string without
     * decoding it; the caller must then check it with {@link #area} (which a results reader does in parallel).
     */
    public int read(JsonReader r, boolean checkCompressed) throws IOException {
        JsonToken t = r.peek();
        if (t == JsonToken.BEGIN_ARRAY) {
            return readPolygons(r);
        }
        if (t == JsonToken.BEGIN_OBJECT) {
            return readRle(r, checkCompressed);
        }
        r.skipValue();
        throw new IllegalArgumentException("segmentation: expected a polygon list or an RLE object, found " + t);
    }

    private int readPolygons(JsonReader r) throws IOException {
        int n = 0;
        int polys = 0;
        r.beginArray();
        while (r.hasNext()) {
            r.beginArray();
            int start = n;
            while (r.hasNext()) {
                if (n == coords.length) {
                    coords = Arrays.copyOf(coords, n * 2);
                }
                coords[n++] = JsonNumbers.nextDouble(r);
            }
            r.endArray();
            if (polys == polyLengths.length) {
                polyLengths = Arrays.copyOf(polyLengths, polys * 2);
            }
            polyLengths[polys++] = n - start;
        }
        r.endArray();
        if (polys == 0) {
            throw new IllegalArgumentException("segmentation: empty polygon list");
        }
        int at = 0;
        for (int p = 0; p < polys; p++) {
            String defect = PolygonMask.defect(coords, at, at + polyLengths[p]);
            if (defect != null) {
                throw new IllegalArgumentException("segmentation: polygon #" + p + ": " + defect);
            }
            at += polyLengths[p];
        }
        return appendPolygons(coords, polyLengths, polys);
    }

    private int readRle(JsonReader r, boolean checkCompressed) throws IOException {
        long h = -1;
        long w = -1;
        int sizeLen = -1;
        String counts = null;
        int nCounts = -1;
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "size" -> {
                    r.beginArray();
                    sizeLen = 0;
                    while (r.hasNext()) {
                        long v = r.nextLong();
                        if (sizeLen == 0) {
                            h = v;
                        } else if (sizeLen == 1) {
                            w = v;
                        }
                        sizeLen++;
                    }
                    r.endArray();
                }
                case "counts" -> {
                    if (r.peek() == JsonToken.STRING) {
                        counts = r.nextString();
                        nCounts = -1;
                    } else {
                        counts = null;
                        nCounts = 0;
                        r.beginArray();
                        while (r.hasNext()) {
                            if (nCounts == rleCounts.length) {
                                rleCounts = Arrays.copyOf(rleCounts, nCounts * 2);
                            }
                            rleCounts[nCounts++] = r.nextLong();
                        }
                        r.endArray();
                    }
                }
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (sizeLen != 2) {
            throw new IllegalArgumentException("segmentation: RLE needs \"size\": [h, w], found "
                    + (sizeLen < 0 ? "no size" : sizeLen + " values"));
        }
        if (h < 0 || w < 0 || h * w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segmentation: RLE size [" + h + ", " + w + "] is negative or too large");
        }
        if (counts == null && nCounts < 0) {
            throw new IllegalArgumentException("segmentation: RLE has no \"counts\"");
        }
        if (counts != null) {
            int len = counts.length();
            int at = begin(Kind.COMPRESSED_RLE, 31 + len);
            putVarint(h);
            putVarint(w);
            putVarint(len);
            int from = pos;
            for (int i = 0; i < len; i++) {
                char c = counts.charAt(i);
                if (c < 48 || c > 111) {
                    throw new IllegalArgumentException("segmentation: compressed RLE: character '" + c + "' at " + i
                            + " is outside the alphabet (ASCII 48..111)");
                }
                page[pos++] = (byte) c;
            }
            used += pos - from;
            if (checkCompressed) {
                try {
                    RleMask.scanCompressed((int) h, (int) w, page, from, pos, null);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("segmentation: " + e.getMessage(), e);
                }
            }
            return at;
        }
        long sum = 0;
        for (int i = 0; i < nCounts; i++) {
            if (rleCounts[i] < 0) {
                throw new IllegalArgumentException("segmentation: RLE count #" + i + " is negative (" + rleCounts[i] + ")");
            }
            sum += rleCounts[i];
        }
        if (sum != h * w) {
            throw new IllegalArgumentException("segmentation: RLE counts sum to " + sum + ", expected h*w = " + h + "*" + w
                    + " = " + h * w);
        }
        int at = begin(Kind.RLE, 31 + 10 * nCounts);
        putVarint(h);
        putVarint(w);
        putVarint(nCounts);
        for (int i = 0; i < nCounts; i++) {
            putVarint(rleCounts[i]);
        }
        return at;
    }

    /** Appends validated polygons. */
    public int appendPolygons(PolygonMask polygons) {
        int total = 0;
        int[] lengths = new int[polygons.size()];
        List<double[]> ps = new ArrayList<>(polygons.size());
        for (int p = 0; p < lengths.length; p++) {
            double[] xy = polygons.polygon(p);
            ps.add(xy);
            lengths[p] = xy.length;
            total += xy.length;
        }
        double[] flat = new double[total];
        int at = 0;
        for (double[] xy : ps) {
            System.arraycopy(xy, 0, flat, at, xy.length);
            at += xy.length;
        }
        return appendPolygons(flat, lengths, lengths.length);
    }

    /** Appends a mask in its compressed form. */
    public int appendRle(RleMask mask) {
        return appendCompressed(mask.height(), mask.width(), mask.toCompressedBytes());
    }

    private int appendPolygons(double[] xy, int[] lengths, int polys) {
        long most = 11;
        for (int p = 0; p < polys; p++) {
            most += 10 + 10L * lengths[p];
        }
        int at = begin(Kind.POLYGONS, (int) Math.min(Integer.MAX_VALUE - 16, most));
        putVarint(polys);
        int i = 0;
        for (int p = 0; p < polys; p++) {
            putVarint(lengths[p]);
            long prev = 0;
            for (int end = i + lengths[p]; i < end; i++) {
                double v = xy[i];
                long k = Math.round(v * 100);
                if (Math.abs(k) < MAX_CENTI && k / 100.0 == v) {
                    putVarint(zigzag(k - prev) << 1);
                    prev = k;
                } else {
                    putVarint(RAW_DOUBLE_TAG);
                    putLong(Double.doubleToRawLongBits(v));
                }
            }
        }
        return at;
    }

    private int appendCompressed(int h, int w, byte[] s) {
        int at = begin(Kind.COMPRESSED_RLE, 31 + s.length);
        putVarint(h);
        putVarint(w);
        putVarint(s.length);
        System.arraycopy(s, 0, page, pos, s.length);
        pos += s.length;
        used += s.length;
        return at;
    }

    /**
     * Moves every entry of {@code other} to the end of this store (its pages are taken over, not copied); entry
     * {@code e} of {@code other} becomes entry {@code e + } the returned value here. {@code other} must not be used
     * afterwards.
     */
    public int appendAll(SegmentationStore other) {
        other.trim();
        int shift = nEntries;
        int pageShift = pages.size();
        pages.addAll(other.pages);
        if (nEntries + other.nEntries > entries.length) {
            entries = Arrays.copyOf(entries, nEntries + other.nEntries);
        }
        for (int e = 0; e < other.nEntries; e++) {
            long loc = other.entries[e];
            entries[nEntries++] = ((long) ((int) (loc >>> 32) + pageShift) << 32) | (loc & 0xFFFFFFFFL);
        }
        used += other.used;
        // New entries go to a fresh page: the current one is no longer the last.
        page = null;
        return shift;
    }

    /** The form of entry {@code entry}. */
    public Kind kind(int entry) {
        long loc = entries[entry];
        return KINDS[pages.get((int) (loc >>> 32))[(int) loc]];
    }

    /** The polygons of a {@link Kind#POLYGONS} entry. */
    public PolygonMask polygons(int entry) {
        Cursor c = new Cursor(entry, Kind.POLYGONS);
        int polys = (int) c.varint();
        List<double[]> out = new ArrayList<>(polys);
        for (int p = 0; p < polys; p++) {
            double[] xy = new double[(int) c.varint()];
            long prev = 0;
            for (int j = 0; j < xy.length; j++) {
                long u = c.varint();
                if (u == RAW_DOUBLE_TAG) {
                    xy[j] = Double.longBitsToDouble(c.rawLong());
                } else {
                    prev += unzigzag(u >>> 1);
                    xy[j] = prev / 100.0;
                }
            }
            out.add(xy);
        }
        return PolygonMask.of(out);
    }

    /** {@code [h, w]} of an RLE entry (either form). */
    public int[] rleSize(int entry) {
        Cursor c = new Cursor(entry, null);
        if (c.kind == Kind.POLYGONS) {
            throw new IllegalStateException("segmentation entry " + entry + " is a polygon list, not an RLE");
        }
        return new int[] {(int) c.varint(), (int) c.varint()};
    }

    /**
     * pycocotools' {@code annToRLE}: polygons are rasterised in an {@code h x w} image and merged; an RLE keeps its
     * own size.
     */
    public RleMask toRle(int entry, int h, int w) {
        Kind kind = kind(entry);
        if (kind == Kind.POLYGONS) {
            return polygons(entry).toRle(h, w);
        }
        Cursor c = new Cursor(entry, kind);
        int rh = (int) c.varint();
        int rw = (int) c.varint();
        int n = (int) c.varint();
        if (kind == Kind.COMPRESSED_RLE) {
            return RleMask.fromCompressed(rh, rw, c.bytes, c.pos, c.pos + n);
        }
        int[] counts = new int[n];
        for (int i = 0; i < n; i++) {
            counts[i] = (int) c.varint();
        }
        return RleMask.of(rh, rw, counts);
    }

    /**
     * The pixel count of {@link #toRle}'s mask, and its {@code toBbox} in {@code bbox} (when given); a compressed RLE
     * is checked and scanned without building the mask.
     *
     * @throws IllegalArgumentException when a compressed string is malformed
     */
    public long area(int entry, int h, int w, double[] bbox) {
        if (kind(entry) == Kind.COMPRESSED_RLE) {
            Cursor c = new Cursor(entry, Kind.COMPRESSED_RLE);
            int rh = (int) c.varint();
            int rw = (int) c.varint();
            int n = (int) c.varint();
            try {
                return RleMask.scanCompressed(rh, rw, c.bytes, c.pos, c.pos + n, bbox);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("segmentation: " + e.getMessage(), e);
            }
        }
        RleMask m = toRle(entry, h, w);
        if (bbox != null) {
            m.toBbox(bbox, 0);
        }
        return m.area();
    }

    /** Writes the entry back as COCO JSON, in the form it was read or appended in. */
    public void writeJson(int entry, JsonWriter out) throws IOException {
        Kind kind = kind(entry);
        if (kind == Kind.POLYGONS) {
            PolygonMask p = polygons(entry);
            out.beginArray();
            for (int i = 0; i < p.size(); i++) {
                out.beginArray();
                for (double v : p.polygon(i)) {
                    out.value(v);
                }
                out.endArray();
            }
            out.endArray();
            return;
        }
        Cursor c = new Cursor(entry, kind);
        out.beginObject();
        out.name("size").beginArray().value(c.varint()).value(c.varint()).endArray();
        int n = (int) c.varint();
        out.name("counts");
        if (kind == Kind.COMPRESSED_RLE) {
            out.value(new String(c.bytes, c.pos, n, StandardCharsets.ISO_8859_1));
        } else {
            out.beginArray();
            for (int i = 0; i < n; i++) {
                out.value(c.varint());
            }
            out.endArray();
        }
        out.endObject();
    }

    /** Starts an entry of at most {@code maxBytes} bytes, on the current page if it fits, else on a new one. */
    private int begin(Kind kind, int maxBytes) {
        if (page == null || pos + maxBytes > page.length) {
            page = new byte[Math.max(PAGE, maxBytes)];
            pages.add(page);
            pos = 0;
        }
        if (nEntries == entries.length) {
            entries = Arrays.copyOf(entries, nEntries * 2);
        }
        entries[nEntries] = ((long) (pages.size() - 1) << 32) | pos;
        page[pos++] = (byte) kind.ordinal();
        used++;
        return nEntries++;
    }

    private void putVarint(long v) {
        int from = pos;
        while ((v & ~0x7FL) != 0) {
            page[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        page[pos++] = (byte) v;
        used += pos - from;
    }

    private void putLong(long v) {
        for (int i = 0; i < 8; i++) {
            page[pos++] = (byte) (v >>> (8 * i));
        }
        used += 8;
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    /** Reads one entry from its start. */
    private final class Cursor {
        final Kind kind;
        final byte[] bytes;
        int pos;

        Cursor(int entry, Kind expected) {
            kind = kind(entry);
            if (expected != null && kind != expected) {
                throw new IllegalStateException("segmentation entry " + entry + " is " + kind + ", not " + expected);
            }
            long loc = entries[entry];
            bytes = pages.get((int) (loc >>> 32));
            pos = (int) loc + 1;
        }

        long varint() {
            long v = 0;
            int shift = 0;
            byte b;
            do {
                b = bytes[pos++];
                v |= (long) (b & 0x7F) << shift;
                shift += 7;
            } while (b < 0);
            return v;
        }

        long rawLong() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (bytes[pos++] & 0xFFL) << (8 * i);
            }
            return v;
        }
    }
}
