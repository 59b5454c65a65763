package dev.densepred.datasets.transform;

import dev.densepred.datasets.mask.RleMask;

import java.util.Arrays;

/**
 * Instance masks that follow the image through the transforms, as mmdet's {@code BitmapMasks}: {@code n} binary
 * masks of the image's content size, one byte (0 or 1) per pixel, row-major, mask after mask. Resized with the
 * nearest-neighbour rule (mmdet rescales masks with {@code interpolation='nearest'}), mirrored with the image,
 * cut by a crop. Masks are never dropped here, so they stay aligned with the boxes and labels beside them.
 */
public final class BitmapMasks implements Geometry {

    private final int count;
    private int width;
    private int height;
    private byte[] data;

    private BitmapMasks(int count, int width, int height, byte[] data) {
        this.count = count;
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /**
     * The masks of {@code rles}, decoded into one buffer; each must be {@code height x width}.
     *
     * @throws IllegalArgumentException naming the mask whose size differs
     */
    public static BitmapMasks fromRle(RleMask[] rles, int width, int height) {
        long bytes = (long) rles.length * width * height;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rles.length + " masks of " + width + "x" + height + " do not fit one buffer");
        }
        byte[] data = new byte[(int) bytes];
        int plane = width * height;
        for (int i = 0; i < rles.length; i++) {
            RleMask r = rles[i];
            if (r.height() != height || r.width() != width) {
                throw new IllegalArgumentException("mask #" + i + " is " + r.width() + "x" + r.height()
                        + ", expected " + width + "x" + height);
            }
            decodeInto(r, data, i * plane, width, height);
        }
        return new BitmapMasks(rles.length, width, height, data);
    }

    // RLE runs go down columns (pycocotools' order); the buffer is row-major.
    private static void decodeInto(RleMask r, byte[] out, int offset, int width, int height) {
        long p = 0;
        for (int k = 0; k < r.runCount(); k++) {
            int run = r.run(k);
            if ((k & 1) == 1) {
                for (long q = p; q < p + run; q++) {
                    int x = (int) (q / height);
                    int y = (int) (q % height);
                    out[offset + y * width + x] = 1;
                }
            }
            p += run;
        }
    }

    /** Number of masks. */
    public int size() {
        return count;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** A copy of the masks: {@code size() * height() * width()} bytes of 0/1, row-major, mask after mask. */
    public byte[] toArray() {
        return data.clone();
    }

    /** Pixel {@code (x, y)} of mask {@code i}. */
    public boolean get(int i, int x, int y) {
        return data[i * width * height + y * width + x] != 0;
    }

    @Override
    public void rescale(double sx, double sy, int newWidth, int newHeight) {
        int[] xofs = nearestOffsets(width, newWidth);
        int[] yofs = nearestOffsets(height, newHeight);
        byte[] out = new byte[Math.multiplyExact(count, newWidth * newHeight)];
        int srcPlane = width * height;
        int dstPlane = newWidth * newHeight;
        for (int i = 0; i < count; i++) {
            for (int y = 0; y < newHeight; y++) {
                int src = i * srcPlane + yofs[y] * width;
                int dst = i * dstPlane + y * newWidth;
                for (int x = 0; x < newWidth; x++) {
                    out[dst + x] = data[src + xofs[x]];
                }
            }
        }
        data = out;
        width = newWidth;
        height = newHeight;
    }

    // cv2 INTER_NEAREST, the rule of datasets.image.NearestResize.
    private static int[] nearestOffsets(int srcSize, int dstSize) {
        double inv = 1.0 / ((double) dstSize / srcSize);
        int[] ofs = new int[dstSize];
        for (int d = 0; d < dstSize; d++) {
            ofs[d] = Math.min((int) Math.floor(d * inv), srcSize - 1);
        }
        return ofs;
    }

    @Override
    public void flipHorizontal(int imageWidth) {
        if (imageWidth != width) {
            throw new IllegalStateException("masks are " + width + " wide, the flipped image " + imageWidth);
        }
        for (int row = 0; row < count * height; row++) {
            int i = row * width;
            int j = i + width - 1;
            for (; i < j; i++, j--) {
                byte t = data[i];
                data[i] = data[j];
                data[j] = t;
            }
        }
    }

    /**
     * A copy of the masks padded with 0 below and right to {@code paddedWidth x paddedHeight}, as mmdet's
     * {@code BitmapMasks.pad} (what {@code pad_mask=True} does to a batch's masks).
     */
    public byte[] toPaddedArray(int paddedWidth, int paddedHeight) {
        if (paddedWidth < width || paddedHeight < height) {
            throw new IllegalArgumentException("cannot pad " + width + "x" + height + " masks to " + paddedWidth + "x" + paddedHeight);
        }
        return window(0, 0, paddedWidth, paddedHeight);
    }

    @Override
    public void crop(int x, int y, int cropWidth, int cropHeight) {
        data = window(x, y, cropWidth, cropHeight);
        width = cropWidth;
        height = cropHeight;
    }

    /** The {@code w x h} window at {@code (x, y)} of every mask; what lies beyond the masks is 0. */
    private byte[] window(int x, int y, int w, int h) {
        byte[] out = new byte[Math.multiplyExact(count, w * h)];
        int copied = Math.min(w, width - x);
        for (int i = 0; i < count; i++) {
            for (int r = 0; r < h && y + r < height; r++) {
                System.arraycopy(data, i * width * height + (y + r) * width + x, out, i * w * h + r * w, copied);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "BitmapMasks[" + count + " x " + width + "x" + height + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BitmapMasks m && m.count == count && m.width == width && m.height == height
                && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data) * 31 + count;
    }
}
