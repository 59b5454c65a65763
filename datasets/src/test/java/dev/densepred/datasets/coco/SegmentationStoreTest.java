package dev.densepred.datasets.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;

import dev.densepred.datasets.mask.MaskApi;
import dev.densepred.datasets.mask.PolygonMask;
import dev.densepred.datasets.mask.RleMask;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The packed segmentation store gives back exactly what it was given. */
class SegmentationStoreTest {

    @Test
    void polygonCoordinatesComeBackAsTheSameDoubles() throws IOException {
        // Two-decimal values take the compact path; the others must survive as raw doubles.
        double[] odd = {0.7, 224.24, -3.14159, 1e-7, 1e300, -0.0, 123456789.25, 5e15, 0.1 + 0.2, 17.05};
        SplittableRandom rnd = new SplittableRandom(7);
        double[] random = new double[600];
        for (int i = 0; i < random.length; i++) {
            random[i] = i % 3 == 0 ? rnd.nextDouble(-50, 700) : Math.round(rnd.nextDouble(-50, 700) * 100) / 100.0;
        }
        SegmentationStore store = new SegmentationStore();
        int a = store.appendPolygons(PolygonMask.of(List.of(odd, random)));
        int b = store.read(new JsonReader(new StringReader("[[1, 2, 3, 4.5, 6, 7.25], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]")));
        PolygonMask pa = store.polygons(a);
        for (int i = 0; i < odd.length; i++) {
            assertEquals(Double.doubleToLongBits(odd[i] == 0 ? 0.0 : odd[i]), Double.doubleToLongBits(pa.polygon(0)[i]),
                    "coordinate #" + i + " = " + odd[i]);
        }
        assertArrayEquals(random, pa.polygon(1), 0.0);
        assertArrayEquals(new double[] {1, 2, 3, 4.5, 6, 7.25}, store.polygons(b).polygon(0), 0.0);
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, store.polygons(b).polygon(1), 0.0);
        assertEquals(SegmentationStore.Kind.POLYGONS, store.kind(b));
    }

    @Test
    void entriesSurvivePageBoundariesAndOversizedEntries() {
        SegmentationStore store = new SegmentationStore();
        SplittableRandom rnd = new SplittableRandom(1);
        List<RleMask> masks = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            // Some entries far larger than a 256 KiB page.
            int h = i % 1000 == 7 ? 2000 : 40;
            byte[] pixels = new byte[h * 60];
            for (int p = 0; p < pixels.length; p++) {
                pixels[p] = (byte) (rnd.nextInt(3) == 0 ? 1 : 0);
            }
            RleMask m = RleMask.encodeColumnMajor(h, 60, pixels);
            masks.add(m);
            ids.add(store.appendRle(m));
        }
        double[] big = new double[40_000];
        for (int j = 0; j < big.length; j++) {
            big[j] = rnd.nextDouble(0, 500);
        }
        int bigId = store.appendPolygons(PolygonMask.of(List.of(big)));
        store.trim();
        for (int i = 0; i < masks.size(); i++) {
            assertEquals(masks.get(i), store.toRle(ids.get(i), 0, 0), "entry " + i);
        }
        assertArrayEquals(big, store.polygons(bigId).polygon(0), 0.0, "a polygon larger than a page");
        assertEquals(masks.size() + 1, store.size());
    }

    @Test
    void everyFormRoundTripsThroughJson() throws IOException {
        String[] values = {
            "[[10.5,2.25,30.0,4.0,20.0,40.75]]",
            "{\"size\":[6,5],\"counts\":[3,4,0,2,21]}",
            "{\"size\":[40,30],\"counts\":\"" + MaskApi.frPoly(new double[] {3, 4, 25, 6, 12, 33}, 40, 30).toCompressedString() + "\"}"
        };
        SegmentationStore store = new SegmentationStore();
        for (String v : values) {
            int at = store.read(new JsonReader(new StringReader(v)));
            StringWriter out = new StringWriter();
            store.writeJson(at, new JsonWriter(out));
            assertEquals(v, out.toString(), "written back as read");
        }
    }

    @Test
    void toRleFollowsAnnToRle() throws IOException {
        SegmentationStore store = new SegmentationStore();
        double[] p1 = {3, 4, 25, 6, 12, 33};
        double[] p2 = {20.5, 1, 29, 1, 29, 9.5};
        int poly = store.appendPolygons(PolygonMask.of(List.of(p1, p2)));
        RleMask expected = MaskApi.merge(new RleMask[] {MaskApi.frPoly(p1, 40, 30), MaskApi.frPoly(p2, 40, 30)}, false);
        assertEquals(expected, store.toRle(poly, 40, 30));
        int rle = store.appendRle(expected);
        assertEquals(expected, store.toRle(rle, 1, 1), "an RLE keeps its own size");
        assertArrayEquals(new int[] {40, 30}, store.rleSize(rle));
    }
}
