package dev.densepred.datasets.mask;

import java.util.Arrays;

/**
 * A compact {@code h x w} binary mask, one bit per pixel in row-major order: the form Mask R-CNN targets are cut
 * from (detectron2's {@code BitMasks}, one object). Built from an {@link RleMask} or rasterised from a
 * {@link PolygonMask} with pycocotools' rules, so its pixels are the ones COCO evaluation sees.
 *
 * <p>Mutable only through {@link #set}; crop-and-resize for mask targets comes with the mask head.
 */
public final class BitMask {

    private final int h;
    private final int w;
    private final long[] bits;

    /** An all-zero mask. */
    public BitMask(int h, int w) {
        RleMask.checkSize(h, w, "bit mask");
        this.h = h;
        this.w = w;
        this.bits = new long[(int) (((long) h * w + 63) >>> 6)];
    }

    /** The pixels of {@code rle}. */
    public static BitMask fromRle(RleMask rle) {
        BitMask m = new BitMask(rle.height(), rle.width());
        int hh = rle.height();
        long p = 0;
        for (int i = 0; i < rle.runCount(); i++) {
            int c = rle.run(i);
            if ((i & 1) == 1) {
                for (long q = p; q < p + c; q++) {
                    // Run positions are column-major: q = x * h + y.
                    int x = (int) (q / hh);
                    int y = (int) (q - (long) x * hh);
                    m.set(x, y, true);
                }
            }
            p += c;
        }
        return m;
    }

    /** The union of {@code polygons} rasterised in an {@code h x w} image, as pycocotools does. */
    public static BitMask fromPolygons(PolygonMask polygons, int h, int w) {
        return fromRle(polygons.toRle(h, w));
    }

    public int height() {
        return h;
    }

    public int width() {
        return w;
    }

    /** Whether pixel (x, y) is on. */
    public boolean get(int x, int y) {
        long i = index(x, y);
        return (bits[(int) (i >>> 6)] & (1L << i)) != 0;
    }

    /** Turns pixel (x, y) on or off. */
    public void set(int x, int y, boolean on) {
        long i = index(x, y);
        if (on) {
            bits[(int) (i >>> 6)] |= 1L << i;
        } else {
            bits[(int) (i >>> 6)] &= ~(1L << i);
        }
    }

    /** Number of pixels that are on. */
    public long area() {
        long a = 0;
        for (long b : bits) {
            a += Long.bitCount(b);
        }
        return a;
    }

    /** This mask as pycocotools would encode it. */
    public RleMask toRle() {
        byte[] colMajor = new byte[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (get(x, y)) {
                    colMajor[x * h + y] = 1;
                }
            }
        }
        return RleMask.encodeColumnMajor(h, w, colMajor);
    }

    private long index(int x, int y) {
        if (x < 0 || x >= w || y < 0 || y >= h) {
            throw new IndexOutOfBoundsException("pixel (" + x + ", " + y + ") outside " + w + "x" + h + " mask");
        }
        return (long) y * w + x;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BitMask b && b.h == h && b.w == w && Arrays.equals(b.bits, bits);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * h + w) + Arrays.hashCode(bits);
    }
}
