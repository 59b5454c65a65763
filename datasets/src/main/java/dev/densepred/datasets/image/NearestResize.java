package dev.densepred.datasets.image;

import boofcv.struct.image.GrayU8;

/**
 * Nearest-neighbour resize with OpenCV's {@code INTER_NEAREST} rule (mmcv {@code imresize(..., 'nearest')}, used
 * for label maps): destination pixel {@code d} copies source pixel {@code min(floor(d * src / dst), src - 1)}.
 * Label values are copied, never blended.
 */
public final class NearestResize {

    private NearestResize() {}

    /** {@code src} resized to {@code width x height}. */
    public static GrayU8 resize(GrayU8 src, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("resize needs a positive size, got " + width + "x" + height);
        }
        final int[] xofs = offsets(src.width, width);
        final int[] yofs = offsets(src.height, height);
        GrayU8 dst = new GrayU8(width, height);
        final byte[] in = src.data;
        final byte[] out = dst.data;
        for (int dy = 0; dy < height; dy++) {
            final int srcRow = src.startIndex + yofs[dy] * src.stride;
            final int dstRow = dst.startIndex + dy * dst.stride;
            for (int dx = 0; dx < width; dx++) {
                out[dstRow + dx] = in[srcRow + xofs[dx]];
            }
        }
        return dst;
    }

    private static int[] offsets(int srcSize, int dstSize) {
        // Same double arithmetic as cv2: the inverse of dst/src, then floor.
        final double inv = 1.0 / ((double) dstSize / srcSize);
        int[] ofs = new int[dstSize];
        for (int d = 0; d < dstSize; d++) {
            ofs[d] = Math.min((int) Math.floor(d * inv), srcSize - 1);
        }
        return ofs;
    }
}
