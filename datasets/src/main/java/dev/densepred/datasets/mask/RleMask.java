package dev.densepred.datasets.mask;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A binary mask as run-length encoding, the {@code RLE} struct of pycocotools' {@code maskApi.c}: an {@code h x w}
 * mask read in column-major (Fortran) order, as alternating runs that start with a run of zeros.
 *
 * <p>Immutable. A mask built by {@link #of} is checked: counts are non-negative and sum to {@code h * w}
 * (pycocotools does not check this, and loops forever or reads past its buffer when it does not hold). Runs of length
 * zero after the first are kept as given, since pycocotools keeps them too.
 *
 * <p>The compressed form ({@link #toCompressedString}, {@link #fromCompressedString}) is pycocotools'
 * {@code rleToString}/{@code rleFrString}: LEB128-like, 5 data bits per character in ASCII 48..111, with each count
 * after the third stored as the difference to the count two places before it.
 */
public final class RleMask {

    private final int h;
    private final int w;
    private final int[] counts;

    private RleMask(int h, int w, int[] counts) {
        this.h = h;
        this.w = w;
        this.counts = counts;
    }

    /** A checked mask; {@code counts} is copied. */
    public static RleMask of(int h, int w, int[] counts) {
        return checked(h, w, counts.clone(), "RLE");
    }

    /** Wraps counts made by this package, which are correct by construction. */
    static RleMask trusted(int h, int w, int[] counts) {
        return new RleMask(h, w, counts);
    }

    /** The empty mask (one run of zeros). */
    public static RleMask empty(int h, int w) {
        checkSize(h, w, "RLE");
        return h * (long) w == 0 ? new RleMask(h, w, new int[0]) : new RleMask(h, w, new int[] {h * w});
    }

    /**
     * Decodes pycocotools' compressed counts string ({@code rleFrString}).
     *
     * @throws IllegalArgumentException naming the defect when the string has a character outside 48..111, ends
     *     inside a number, or decodes to negative counts or counts that do not sum to {@code h * w}
     */
    public static RleMask fromCompressedString(int h, int w, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return fromCompressed(h, w, b, 0, b.length);
    }

    /** {@link #fromCompressedString} over ASCII bytes {@code s[from, to)}. */
    public static RleMask fromCompressed(int h, int w, byte[] s, int from, int to) {
        // Each count ends with a character without the continuation bit (0x20 after the offset of 48).
        int ends = 0;
        for (int p = from; p < to; p++) {
            ends += ((s[p] - 48) & 0x20) == 0 ? 1 : 0;
        }
        int[] cnts = new int[ends];
        int m = decode(h, w, s, from, to, cnts, null);
        return new RleMask(h, w, m == ends ? cnts : Arrays.copyOf(cnts, m));
    }

    /**
     * Checks a compressed string as {@link #fromCompressed} does and returns the mask's area, without building the
     * mask; with {@code bbox}, also writes {@link #toBbox()} there.
     */
    public static long scanCompressed(int h, int w, byte[] s, int from, int to, double[] bbox) {
        BboxAccumulator acc = new BboxAccumulator(h, w);
        decode(h, w, s, from, to, null, acc);
        if (bbox != null) {
            acc.write(bbox, 0);
        }
        return acc.area;
    }

    /** Receives the foreground runs of a mask being decoded: first pixel (column-major) and length. */
    private interface RunSink {
        void foreground(long start, long length);
    }

    /**
     * pycocotools' {@code rleFrString}, checked: decodes {@code s[from, to)} into {@code cnts} (when given) and
     * reports foreground runs to {@code sink} (when given). Returns the number of counts.
     */
    private static int decode(int h, int w, byte[] s, int from, int to, int[] cnts, RunSink sink) {
        checkSize(h, w, "compressed RLE");
        int m = 0;
        int p = from;
        // Counts after the third are deltas to the count two places back: keep the last two.
        long back1 = 0;
        long back2 = 0;
        long sum = 0;
        while (p < to) {
            // One count: 5 data bits per character, bit 5 = more characters follow, bit 4 of the last = sign.
            int c = s[p++] - 48;
            if ((c & ~63) != 0) {
                throw badChar(s, p - 1, from);
            }
            long x = c & 0x1f;
            int shift = 5;
            while ((c & 0x20) != 0) {
                if (p >= to) {
                    throw new IllegalArgumentException("compressed RLE: string ends inside count #" + m);
                }
                if (shift >= 35) {
                    throw new IllegalArgumentException("compressed RLE: count #" + m + " has more than 7 characters");
                }
                c = s[p++] - 48;
                if ((c & ~63) != 0) {
                    throw badChar(s, p - 1, from);
                }
                x |= (long) (c & 0x1f) << shift;
                shift += 5;
            }
            if ((c & 0x10) != 0) {
                x |= -1L << shift;
            }
            if (m > 2) {
                x += back2;
            }
            if (x < 0 || x > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("compressed RLE: count #" + m + " decodes to " + x + ", not a run length");
            }
            if (cnts != null) {
                cnts[m] = (int) x;
            }
            if (sink != null && (m & 1) == 1 && x > 0) {
                sink.foreground(sum, x);
            }
            sum += x;
            back2 = back1;
            back1 = x;
            m++;
        }
        if (sum != (long) h * w) {
            throw new IllegalArgumentException("compressed RLE: runs sum to " + sum + " pixels, expected h*w = " + h + "*" + w
                    + " = " + (long) h * w);
        }
        return m;
    }

    private static IllegalArgumentException badChar(byte[] s, int at, int from) {
        return new IllegalArgumentException("compressed RLE: character '" + (char) (s[at] & 0xff) + "' at " + (at - from)
                + " is outside the alphabet (ASCII 48..111)");
    }

    /** pycocotools' {@code rleToString}: the compressed counts string. */
    public String toCompressedString() {
        return new String(toCompressedBytes(), StandardCharsets.ISO_8859_1);
    }

    /** {@link #toCompressedString} as ASCII bytes. */
    public byte[] toCompressedBytes() {
        byte[] s = new byte[counts.length * 7];
        int p = 0;
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) {
                x -= counts[i - 2];
            }
            boolean more = true;
            while (more) {
                int c = (int) (x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) {
                    c |= 0x20;
                }
                s[p++] = (byte) (c + 48);
            }
        }
        return Arrays.copyOf(s, p);
    }

    public int height() {
        return h;
    }

    public int width() {
        return w;
    }

    /** Number of runs. */
    public int runCount() {
        return counts.length;
    }

    /** Length of run {@code i} (even {@code i}: zeros, odd: ones). */
    public int run(int i) {
        return counts[i];
    }

    /** A copy of the run lengths. */
    public int[] counts() {
        return counts.clone();
    }

    /** The runs without copying, for the loops of this package. */
    int[] countsView() {
        return counts;
    }

    /** pycocotools' {@code rleArea}: the number of foreground pixels. */
    public long area() {
        long a = 0;
        for (int j = 1; j < counts.length; j += 2) {
            a += counts[j];
        }
        return a;
    }

    /**
     * pycocotools' {@code toBbox}: {@code [x, y, w, h]} of the foreground, all zero when there is none. A run that
     * crosses a column spans the full height, as in pycocotools. Zero-length foreground runs are skipped, as in
     * pycocotools 2.0.3 and later (2.0 counted the pixel before them); masks without foreground give zeros.
     */
    public double[] toBbox() {
        double[] bb = new double[4];
        toBbox(bb, 0);
        return bb;
    }

    /** {@link #toBbox()} into {@code out[at, at + 4)}. */
    public void toBbox(double[] out, int at) {
        BboxAccumulator acc = new BboxAccumulator(h, w);
        long cc = 0;
        for (int j = 0; j < counts.length; j++) {
            if ((j & 1) == 1 && counts[j] > 0) {
                acc.foreground(cc, counts[j]);
            }
            cc += counts[j];
        }
        acc.write(out, at);
    }

    /** pycocotools' (>= 2.0.3) {@code rleToBbox} and the area, fed one non-empty foreground run at a time. */
    private static final class BboxAccumulator implements RunSink {
        private final long h;
        private long area;
        private long col;
        private long colStart;
        private long xs;
        private long ys;
        private long xe;
        private long ye;
        private boolean any;

        BboxAccumulator(int h, int w) {
            this.h = h;
            this.xs = w;
            this.ys = h;
        }

        @Override
        public void foreground(long start, long length) {
            area += length;
            long end = start + length - 1;
            // Runs arrive in order, so the column is usually the current one or the next: divide only on jumps.
            if (start - colStart >= h) {
                if (start - colStart < 2 * h) {
                    col++;
                    colStart += h;
                } else {
                    col = start / h;
                    colStart = col * h;
                }
            }
            long xStart = col;
            long yStart = start - colStart;
            long xEnd;
            long yEnd;
            if (end - colStart < h) {
                xEnd = col;
                yEnd = end - colStart;
            } else {
                xEnd = end / h;
                yEnd = end - xEnd * h;
                col = xEnd;
                colStart = xEnd * h;
            }
            any = true;
            xs = Math.min(xs, xStart);
            xe = Math.max(xe, xEnd);
            if (xStart < xEnd) {
                // The run crosses a column: the box spans the full height.
                ys = 0;
                ye = h - 1;
            } else {
                ys = Math.min(ys, yStart);
                ye = Math.max(ye, yEnd);
            }
        }

        void write(double[] out, int at) {
            if (!any) {
                // No foreground pixel. pycocotools >= 2.0.3 returns zeros when there are no runs at all, and unsigned
                // wrap-around garbage when every foreground run has length zero; zeros in both cases.
                Arrays.fill(out, at, at + 4, 0.0);
                return;
            }
            out[at] = xs;
            out[at + 1] = ys;
            out[at + 2] = xe - xs + 1;
            out[at + 3] = ye - ys + 1;
        }
    }

    /** pycocotools' {@code decode}: the mask as {@code h * w} bytes of 0/1 in column-major order ({@code [x * h + y]}). */
    public byte[] decodeColumnMajor() {
        byte[] out = new byte[h * w];
        int p = 0;
        byte v = 0;
        for (int c : counts) {
            if (v != 0) {
                Arrays.fill(out, p, p + c, (byte) 1);
            }
            p += c;
            v ^= 1;
        }
        return out;
    }

    /** pycocotools' {@code encode} of one mask given as {@code h * w} bytes in column-major order (non-zero = on). */
    public static RleMask encodeColumnMajor(int h, int w, byte[] mask) {
        checkSize(h, w, "mask");
        int a = h * w;
        if (mask.length != a) {
            throw new IllegalArgumentException("mask: expected " + a + " bytes for " + h + "x" + w + ", found " + mask.length);
        }
        int[] cnts = new int[a + 1];
        int k = 0;
        int c = 0;
        boolean p = false;
        for (int j = 0; j < a; j++) {
            boolean v = mask[j] != 0;
            if (v != p) {
                cnts[k++] = c;
                c = 0;
                p = v;
            }
            c++;
        }
        cnts[k++] = c;
        return new RleMask(h, w, Arrays.copyOf(cnts, k));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RleMask r && r.h == h && r.w == w && Arrays.equals(r.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * h + w) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "RleMask[" + h + "x" + w + ", " + counts.length + " runs, area " + area() + "]";
    }

    private static RleMask checked(int h, int w, int[] counts, String what) {
        checkSize(h, w, what);
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                throw new IllegalArgumentException(what + ": run #" + i + " has negative length " + counts[i]);
            }
            sum += counts[i];
        }
        if (sum != (long) h * w) {
            throw new IllegalArgumentException(what + ": runs sum to " + sum + " pixels, expected h*w = " + h + "*" + w
                    + " = " + (long) h * w);
        }
        return new RleMask(h, w, counts);
    }

    static void checkSize(int h, int w, String what) {
        if (h < 0 || w < 0 || (long) h * w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + ": size [" + h + ", " + w + "] is negative or over 2^31 pixels");
        }
    }
}
