package dev.densepred.datasets.mask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Invariants of the RLE codec, merge and IoU on random masks, and errors on malformed input. */
class RleMaskTest {

    @Test
    void randomMasksSurviveEncodeCompressDecode() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int trial = 0; trial < 200; trial++) {
            int h = 1 + rnd.nextInt(40);
            int w = 1 + rnd.nextInt(40);
            byte[] pixels = new byte[h * w];
            double density = rnd.nextDouble();
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (byte) (rnd.nextDouble() < density ? 1 : 0);
            }
            RleMask m = RleMask.encodeColumnMajor(h, w, pixels);
            String s = m.toCompressedString();
            RleMask back = RleMask.fromCompressedString(h, w, s);
            assertEquals(m, back, "trial " + trial + ": compressed round trip");
            assertArrayEquals(pixels, back.decodeColumnMajor(), "trial " + trial + ": decode");
            long area = 0;
            for (byte p : pixels) {
                area += p;
            }
            assertEquals(area, m.area(), "trial " + trial + ": area");
            BitMask bits = BitMask.fromRle(m);
            assertEquals(m, bits.toRle(), "trial " + trial + ": bit mask round trip");
        }
    }

    @Test
    void toBboxFollowsPycocotoolsFormula() {
        // pycocotools >= 2.0.3 rleToBbox, written out with plain divisions, against the incremental version.
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 300; trial++) {
            int h = 1 + rnd.nextInt(50);
            int w = 1 + rnd.nextInt(50);
            byte[] pixels = new byte[h * w];
            int blobs = rnd.nextInt(4);
            for (int b = 0; b < blobs; b++) {
                int start = rnd.nextInt(pixels.length);
                int len = rnd.nextInt(1 + (trial % 3 == 0 ? pixels.length : h));
                for (int i = start; i < Math.min(pixels.length, start + len); i++) {
                    pixels[i] = 1;
                }
            }
            RleMask m = RleMask.encodeColumnMajor(h, w, pixels);
            long xs = w;
            long ys = h;
            long xe = 0;
            long ye = 0;
            long cc = 0;
            boolean any = false;
            for (int j = 0; j < m.runCount(); j++) {
                long start = cc;
                cc += m.run(j);
                if (j % 2 == 0 || m.run(j) == 0) {
                    continue;
                }
                any = true;
                long x0 = start / h;
                long x1 = (cc - 1) / h;
                xs = Math.min(xs, x0);
                xe = Math.max(xe, x1);
                if (x0 < x1) {
                    ys = 0;
                    ye = h - 1;
                } else {
                    ys = Math.min(ys, start % h);
                    ye = Math.max(ye, (cc - 1) % h);
                }
            }
            double[] expected = any ? new double[] {xs, ys, xe - xs + 1, ye - ys + 1} : new double[4];
            assertArrayEquals(expected, m.toBbox(), "trial " + trial + ": toBbox");
            byte[] s = m.toCompressedBytes();
            double[] scanned = new double[4];
            assertEquals(m.area(), RleMask.scanCompressed(h, w, s, 0, s.length, scanned), "trial " + trial + ": scanned area");
            assertArrayEquals(expected, scanned, "trial " + trial + ": scanned toBbox");
        }
    }

    @Test
    void mergeAndIouAgreeWithPixelCounts() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 100; trial++) {
            int h = 1 + rnd.nextInt(30);
            int w = 1 + rnd.nextInt(30);
            byte[] a = random(rnd, h * w);
            byte[] b = random(rnd, h * w);
            RleMask ra = RleMask.encodeColumnMajor(h, w, a);
            RleMask rb = RleMask.encodeColumnMajor(h, w, b);
            long inter = 0;
            long union = 0;
            for (int i = 0; i < a.length; i++) {
                inter += a[i] & b[i];
                union += a[i] | b[i];
            }
            RleMask[] pair = {ra, rb};
            assertEquals(inter, MaskApi.merge(pair, true).area(), "trial " + trial + ": intersection area");
            assertEquals(union, MaskApi.merge(pair, false).area(), "trial " + trial + ": union area");
            double iou = inter == 0 ? 0 : (double) inter / union;
            assertEquals(iou, MaskApi.iou(new RleMask[] {ra}, new RleMask[] {rb}, new boolean[] {false})[0][0], 0.0,
                    "trial " + trial + ": iou");
            double crowd = inter == 0 ? 0 : (double) inter / ra.area();
            assertEquals(crowd, MaskApi.iou(new RleMask[] {ra}, new RleMask[] {rb}, new boolean[] {true})[0][0], 0.0,
                    "trial " + trial + ": crowd iou = intersection / detection area");
        }
    }

    @Test
    void outlinePositionsSortLikeArraysSort() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int trial = 0; trial < 50; trial++) {
            int h = 1 + rnd.nextInt(500);
            int w = 1 + rnd.nextInt(500);
            int n = 1 + rnd.nextInt(3000);
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextInt(h * w + 1);
            }
            int[] expected = a.clone();
            Arrays.sort(expected);
            MaskApi.sortPositions(a, n, h, w);
            assertArrayEquals(expected, a, "trial " + trial + " (n=" + n + ")");
        }
    }

    @Test
    void polygonsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> PolygonMask.of(List.of(new double[] {1, 2, 3, 4})));
        assertThrows(IllegalArgumentException.class, () -> PolygonMask.of(List.of(new double[] {1, 2, 3, 4, 5})));
        assertThrows(IllegalArgumentException.class, () -> PolygonMask.of(List.of(new double[] {1, 2, 3, Double.NaN, 5, 6})));
        assertThrows(IllegalArgumentException.class, () -> PolygonMask.of(List.of()));
        PolygonMask p = PolygonMask.of(List.of(new double[] {1, 1, 8, 1, 8, 6, 1, 6}));
        BitMask bits = BitMask.fromPolygons(p, 10, 10);
        assertEquals(p.toRle(10, 10).area(), bits.area());
        assertEquals(MaskApi.frBbox(new double[] {1, 1, 7, 5}, 10, 10), p.toRle(10, 10), "a box is its corner polygon");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            outside alphabet | 3 | 3 | 5~ | character '~' at 1 is outside the alphabet
            unfinished count | 3 | 3 | 0P | string ends inside count #1
            wrong total      | 3 | 4 | 54 | runs sum to 9 pixels, expected h*w = 3*4 = 12
            negative run     | 3 | 3 | 9O | count #1 decodes to -1, not a run length
            """)
    void malformedStringsAreRefused(String name, int h, int w, String s, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RleMask.fromCompressedString(h, w, s));
        assertTrue(e.getMessage().contains(expected), name + ": expected '" + expected + "' in: " + e.getMessage());
    }

    private static byte[] random(SplittableRandom rnd, int n) {
        byte[] p = new byte[n];
        double density = rnd.nextDouble();
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (rnd.nextDouble() < density ? 1 : 0);
        }
        return p;
    }
}
