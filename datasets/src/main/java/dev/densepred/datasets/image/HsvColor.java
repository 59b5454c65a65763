package dev.densepred.datasets.image;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;

/**
 * RGB to HSV and back, in place, with OpenCV's float32 {@code cvtColor} semantics (mmcv {@code bgr2hsv} /
 * {@code hsv2bgr} on float images): H in degrees [0, 360), S in [0, 1], V in the input's range (0..255 here).
 */
public final class HsvColor {

    private static final float FLT_EPSILON = Math.ulp(1f);
    /** For each 60-degree sector, which of (v, p, q, t) goes to B, G and R, as in cv2. */
    private static final int[][] SECTOR = {{1, 3, 0}, {1, 0, 2}, {3, 0, 1}, {0, 2, 1}, {0, 1, 3}, {2, 1, 0}};

    private HsvColor() {}

    /** Bands (R, G, B) become (H, S, V). */
    public static void rgbToHsv(Planar<GrayF32> img) {
        checkBands(img);
        final GrayF32 rb = img.getBand(0);
        final float[] r = rb.data;
        final float[] g = img.getBand(1).data;
        final float[] b = img.getBand(2).data;
        for (int y = 0; y < rb.height; y++) {
            final int base = rb.startIndex + y * rb.stride;
            for (int i = base; i < base + rb.width; i++) {
                final float rv = r[i];
                final float gv = g[i];
                final float bv = b[i];
                final float v = Math.max(Math.max(rv, gv), bv);
                final float diff = v - Math.min(Math.min(rv, gv), bv);
                final float s = diff / (Math.abs(v) + FLT_EPSILON);
                final float k = (float) (60.0 / (diff + FLT_EPSILON));
                float h;
                if (v == rv) {
                    h = (gv - bv) * k;
                } else if (v == gv) {
                    h = (bv - rv) * k + 120f;
                } else {
                    h = (rv - gv) * k + 240f;
                }
                if (h < 0) {
                    h += 360f;
                }
                r[i] = h;
                g[i] = s;
                b[i] = v;
            }
        }
    }

    /** Bands (H, S, V) become (R, G, B); any H is wrapped into [0, 360). */
    public static void hsvToRgb(Planar<GrayF32> img) {
        checkBands(img);
        final GrayF32 hb = img.getBand(0);
        final float[] hp = hb.data;
        final float[] sp = img.getBand(1).data;
        final float[] vp = img.getBand(2).data;
        final float hscale = 6f / 360f;
        final float[] tab = new float[4];
        for (int y = 0; y < hb.height; y++) {
            final int base = hb.startIndex + y * hb.stride;
            for (int i = base; i < base + hb.width; i++) {
                float h = hp[i];
                final float s = sp[i];
                final float v = vp[i];
                if (s == 0) {
                    hp[i] = v;
                    sp[i] = v;
                    continue;
                }
                h *= hscale;
                while (h < 0) {
                    h += 6;
                }
                while (h >= 6) {
                    h -= 6;
                }
                int sector = (int) Math.floor(h);
                h -= sector;
                if (sector < 0 || sector >= 6) {
                    sector = 0;
                    h = 0;
                }
                tab[0] = v;
                tab[1] = v * (1f - s);
                tab[2] = v * (1f - s * h);
                tab[3] = v * (1f - s * (1f - h));
                final int[] idx = SECTOR[sector];
                vp[i] = tab[idx[0]];
                sp[i] = tab[idx[1]];
                hp[i] = tab[idx[2]];
            }
        }
    }

    private static void checkBands(Planar<GrayF32> img) {
        if (img.getNumBands() != 3) {
            throw new IllegalArgumentException("HSV conversion needs 3 bands, found " + img.getNumBands());
        }
    }
}
