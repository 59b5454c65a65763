package dev.densepred.datasets.mask;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every case of {@code ${fixtures.dir}/coco_eval/mask_api.json}, produced by pycocotools 2.0's {@code mask} module
 * (see that folder's README). Integer outputs (count strings, areas, boxes, decoded pixels) must match exactly; IoUs
 * come from the same integer counts and the same double operations, so they must match exactly too.
 */
class MaskApiGoldenTest {

    static Stream<JsonObject> cases() throws IOException {
        Path file = Fixtures.dir("coco_eval").resolve("mask_api.json");
        try (Reader r = Files.newBufferedReader(file)) {
            JsonArray all = JsonParser.parseReader(r).getAsJsonArray();
            List<JsonObject> out = new ArrayList<>();
            all.forEach(e -> out.add(e.getAsJsonObject()));
            return out.stream();
        }
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("cases")
    void matchesPycocotools(JsonObject c) {
        String name = c.get("kind").getAsString() + " " + c.get("name").getAsString();
        switch (c.get("kind").getAsString()) {
            case "poly_to_rle" -> polyToRle(name, c);
            case "uncompressed_to_rle" -> uncompressedToRle(name, c);
            case "decode" -> decode(name, c);
            case "iou_rle" -> iouRle(name, c);
            case "iou_bbox" -> iouBbox(name, c);
            case "merge" -> merge(name, c);
            default -> fail(name + ": unknown case kind");
        }
    }

    private static void polyToRle(String name, JsonObject c) {
        int h = c.get("h").getAsInt();
        int w = c.get("w").getAsInt();
        JsonArray polys = c.getAsJsonArray("polygons");
        JsonArray each = c.getAsJsonArray("rle_counts_each");
        RleMask[] parts = new RleMask[polys.size()];
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            parts[i] = MaskApi.frPoly(doubles(polys.get(i).getAsJsonArray()), h, w);
            String got = parts[i].toCompressedString();
            String want = each.get(i).getAsString();
            int idx = i;
            checks.add(() -> assertEquals(want, got, name + ": polygon #" + idx + " counts (exact)"));
        }
        RleMask merged = MaskApi.merge(parts, false);
        checks.addAll(rleChecks(name, merged, c));
        assertAll(name, checks);
    }

    private static void uncompressedToRle(String name, JsonObject c) {
        RleMask m = RleMask.of(c.get("h").getAsInt(), c.get("w").getAsInt(), ints(c.getAsJsonArray("counts")));
        assertAll(name, rleChecks(name, m, c));
    }

    private static void decode(String name, JsonObject c) {
        int h = c.get("h").getAsInt();
        int w = c.get("w").getAsInt();
        RleMask m = RleMask.fromCompressedString(h, w, c.get("rle_counts").getAsString());
        byte[] col = m.decodeColumnMajor();
        BitMask bits = BitMask.fromRle(m);
        JsonArray rows = c.getAsJsonArray("mask");
        List<Executable> checks = new ArrayList<>();
        for (int y = 0; y < h; y++) {
            JsonArray row = rows.get(y).getAsJsonArray();
            for (int x = 0; x < w; x++) {
                int want = row.get(x).getAsInt();
                int gotRle = col[x * h + y];
                boolean gotBit = bits.get(x, y);
                if (gotRle != want || gotBit != (want == 1)) {
                    int fx = x;
                    int fy = y;
                    checks.add(() -> fail(name + ": pixel (x=" + fx + ", y=" + fy + ") expected " + want + ", decode gave "
                            + gotRle + ", bit mask gave " + gotBit));
                }
            }
        }
        checks.add(() -> assertEquals(m, RleMask.encodeColumnMajor(h, w, col), name + ": encode(decode(rle)) == rle"));
        checks.add(() -> assertEquals(m, bits.toRle(), name + ": bit mask back to RLE"));
        checks.add(() -> assertEquals(m.area(), bits.area(), name + ": bit mask area"));
        assertAll(name, checks);
    }

    private static void iouRle(String name, JsonObject c) {
        RleMask[] dt = rles(c.getAsJsonArray("dt"));
        RleMask[] gt = rles(c.getAsJsonArray("gt"));
        boolean[] crowd = crowd(c.getAsJsonArray("iscrowd"));
        assertIou(name, MaskApi.iou(dt, gt, crowd), c.getAsJsonArray("iou"));
    }

    private static void iouBbox(String name, JsonObject c) {
        double[][] dt = boxes(c.getAsJsonArray("dt"));
        double[][] gt = boxes(c.getAsJsonArray("gt"));
        boolean[] crowd = crowd(c.getAsJsonArray("iscrowd"));
        assertIou(name, MaskApi.bboxIou(dt, gt, crowd), c.getAsJsonArray("iou"));
    }

    private static void merge(String name, JsonObject c) {
        int h = c.get("h").getAsInt();
        int w = c.get("w").getAsInt();
        JsonArray strings = c.getAsJsonArray("rles");
        RleMask[] in = new RleMask[strings.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = RleMask.fromCompressedString(h, w, strings.get(i).getAsString());
        }
        RleMask merged = MaskApi.merge(in, c.get("intersect").getAsInt() == 1);
        assertAll(name, rleChecks(name, merged, c));
    }

    private static List<Executable> rleChecks(String name, RleMask m, JsonObject c) {
        String want = c.get("rle_counts").getAsString();
        double[] bbox = doubles(c.getAsJsonArray("bbox"));
        long area = c.get("area").getAsLong();
        byte[] ascii = want.getBytes(StandardCharsets.ISO_8859_1);
        double[] scannedBox = new double[4];
        long scannedArea = RleMask.scanCompressed(m.height(), m.width(), ascii, 0, ascii.length, scannedBox);
        return List.of(
                () -> assertEquals(want, m.toCompressedString(), name + ": counts string (exact)"),
                () -> assertEquals(area, scannedArea, name + ": area scanned from the string (exact)"),
                () -> assertArrayEquals(bbox, scannedBox, name + ": bbox scanned from the string (exact)"),
                () -> assertEquals(m, RleMask.fromCompressedString(m.height(), m.width(), want), name + ": string decodes to the same runs"),
                () -> assertEquals(area, m.area(), name + ": area (exact)"),
                () -> assertArrayEquals(bbox, m.toBbox(), name + ": bbox [x,y,w,h] (exact)"));
    }

    private static void assertIou(String name, double[][] got, JsonArray want) {
        List<Executable> checks = new ArrayList<>();
        for (int d = 0; d < want.size(); d++) {
            JsonArray row = want.get(d).getAsJsonArray();
            for (int g = 0; g < row.size(); g++) {
                double w = row.get(g).getAsDouble();
                double v = got[d][g];
                int fd = d;
                int fg = g;
                checks.add(() -> assertEquals(w, v, 0.0, name + ": iou[dt=" + fd + "][gt=" + fg + "] (tolerance 0)"));
            }
        }
        assertAll(name, checks);
    }

    private static RleMask[] rles(JsonArray a) {
        RleMask[] out = new RleMask[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonObject o = a.get(i).getAsJsonObject();
            JsonArray size = o.getAsJsonArray("size");
            out[i] = RleMask.fromCompressedString(size.get(0).getAsInt(), size.get(1).getAsInt(), o.get("counts").getAsString());
        }
        return out;
    }

    private static boolean[] crowd(JsonArray a) {
        boolean[] out = new boolean[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt() != 0;
        }
        return out;
    }

    private static double[][] boxes(JsonArray a) {
        double[][] out = new double[a.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = doubles(a.get(i).getAsJsonArray());
        }
        return out;
    }

    private static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        int i = 0;
        for (JsonElement e : a) {
            out[i++] = e.getAsDouble();
        }
        return out;
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        int i = 0;
        for (JsonElement e : a) {
            out[i++] = e.getAsInt();
        }
        return out;
    }
}
