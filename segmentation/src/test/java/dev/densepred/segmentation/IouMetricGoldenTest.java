package dev.densepred.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.io.TensorInfo;
import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link IouMetric} against mmsegmentation's IoUMetric on every case of {@code ${fixtures.dir}/miou/}: a case is a
 * {@code NAME_expected.json} with its {@code NAME.safetensors} of {@code pred_i} / {@code gt_reduced_i} maps.
 */
class IouMetricGoldenTest {

    private static final double TOL = 1e-12;

    @TestFactory
    List<DynamicTest> everyFixtureCase() {
        Path dir = Fixtures.dir("miou");
        List<Path> cases = Fixtures.list(dir, "_expected.json");
        assertFalse(cases.isEmpty(), "no *_expected.json in " + dir);
        List<DynamicTest> tests = new ArrayList<>();
        for (Path expected : cases) {
            String name = expected.getFileName().toString().replace("_expected.json", "");
            tests.add(DynamicTest.dynamicTest(name, () -> runCase(expected, dir.resolve(name + ".safetensors"))));
        }
        return tests;
    }

    private static void runCase(Path expectedFile, Path mapsFile) throws IOException {
        JsonObject e = JsonParser.parseString(Files.readString(expectedFile)).getAsJsonObject();
        int numClasses = e.get("num_classes").getAsInt();
        int ignore = e.get("ignore_index").getAsInt();
        int images = e.get("num_images").getAsInt();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            names.add("class" + c);
        }
        IouMetric total = new IouMetric(names, ignore);
        JsonArray perImage = e.getAsJsonArray("per_image");
        try (SafeTensorsReader r = SafeTensorsReader.open(mapsFile)) {
            for (int i = 0; i < images; i++) {
                int[] pred = u8(r, "pred_" + i);
                int[] gt = u8(r, "gt_reduced_" + i);
                IouMetric single = new IouMetric(names, ignore);
                single.add(pred, gt);
                JsonObject h = perImage.get(i).getAsJsonObject();
                String where = mapsFile.getFileName() + " image " + i;
                assertArrayEquals(longs(h, "area_intersect"), single.totalAreaIntersect(), where + " area_intersect");
                assertArrayEquals(longs(h, "area_union"), single.totalAreaUnion(), where + " area_union");
                assertArrayEquals(longs(h, "area_pred_label"), single.totalAreaPredLabel(), where + " area_pred_label");
                assertArrayEquals(longs(h, "area_label"), single.totalAreaLabel(), where + " area_label");
                total.add(pred, gt);
            }
        }
        assertEquals(images, total.imageCount());
        assertArrayEquals(longs(e, "total_area_intersect"), total.totalAreaIntersect(), "total_area_intersect");
        assertArrayEquals(longs(e, "total_area_union"), total.totalAreaUnion(), "total_area_union");
        assertArrayEquals(longs(e, "total_area_pred_label"), total.totalAreaPredLabel(), "total_area_pred_label");
        assertArrayEquals(longs(e, "total_area_label"), total.totalAreaLabel(), "total_area_label");
        assertPerClass(e.getAsJsonArray("IoU"), total.iou(), "IoU");
        assertPerClass(e.getAsJsonArray("Acc"), total.acc(), "Acc");
        assertEquals(ints(e, "classes_with_nan_IoU"), nanClasses(total.iou()), "classes with NaN IoU");
        assertEquals(ints(e, "classes_with_nan_Acc"), nanClasses(total.acc()), "classes with NaN Acc");
        assertEquals(e.get("aAcc").getAsDouble(), total.aAcc(), TOL, "aAcc");
        assertEquals(e.get("mIoU").getAsDouble(), total.mIoU(), TOL, "mIoU");
        assertEquals(e.get("mAcc").getAsDouble(), total.mAcc(), TOL, "mAcc");
        Map<String, Double> summary = total.summary();
        assertEquals(List.of("aAcc", "mIoU", "mAcc"), List.copyOf(summary.keySet()));
        for (String key : summary.keySet()) {
            double percent = Math.rint(e.get(key).getAsDouble() * 100 * 100) / 100;
            assertEquals(percent, summary.get(key), 0.0, key + " as mmseg reports it");
        }
        String table = total.table();
        assertEquals(numClasses + 4, table.lines().count(), "rule, header, rule, one row per class, rule");
        double[] iou = total.iou();
        double[] acc = total.acc();
        for (int c = 0; c < numClasses; c++) {
            String row = String.format(java.util.Locale.ROOT, "| %-8s | %6s | %6s |", "class" + c, cell(iou[c]), cell(acc[c]));
            assertTrue(table.contains(row), "table row " + row + " missing in\n" + table);
        }
    }

    @Test
    void refusesLabelsOutsideTheClassesButSkipsTheIgnoreIndex() {
        IouMetric m = new IouMetric(List.of("a", "b"));
        m.add(new int[] {0, 1, 1}, new int[] {0, 255, 1});
        assertArrayEquals(new long[] {1, 1}, m.totalAreaLabel());
        assertArrayEquals(new long[] {1, 1}, m.totalAreaPredLabel());
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[] {0}, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[] {5}, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[] {0, 1}, new int[] {0}));
        assertEquals(Map.of("aAcc", 100.0, "mIoU", 100.0, "mAcc", 100.0), m.summary());
    }

    @Test
    void roundsPercentagesHalfToEvenAsNumpy() {
        // np.round(x, 2) scales by 100 and rounds half to even: 0.125 -> 12.5 (exact) and 0.00125 * 100 -> 0.125.
        assertEquals(12.5, IouMetric.percent(0.125), 0.0);
        assertEquals(Math.rint(0.00125 * 100 * 100) / 100, IouMetric.percent(0.00125), 0.0);
        assertEquals(33.33, IouMetric.percent(1.0 / 3), 0.0);
    }

    private static String cell(double fraction) {
        return Double.isNaN(fraction) ? "nan" : String.format(java.util.Locale.ROOT, "%.2f", Math.rint(fraction * 100 * 100) / 100);
    }

    private static int[] u8(SafeTensorsReader r, String name) throws IOException {
        TensorInfo info = r.info(name);
        ByteBuffer b = r.bytes(name);
        int n = Math.toIntExact(info.shape()[0] * info.shape()[1]);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.get(b.position() + i) & 0xff;
        }
        return out;
    }

    private static long[] longs(JsonObject o, String key) {
        JsonArray a = o.getAsJsonArray(key);
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static void assertPerClass(JsonArray expected, double[] actual, String what) {
        assertEquals(expected.size(), actual.length, what + " length");
        for (int c = 0; c < actual.length; c++) {
            if (expected.get(c).isJsonNull()) {
                assertTrue(Double.isNaN(actual[c]), what + "[" + c + "] should be NaN, got " + actual[c]);
            } else {
                assertEquals(expected.get(c).getAsDouble(), actual[c], TOL, what + "[" + c + "]");
            }
        }
    }

    private static List<Integer> nanClasses(double[] v) {
        List<Integer> out = new ArrayList<>();
        for (int c = 0; c < v.length; c++) {
            if (Double.isNaN(v[c])) {
                out.add(c);
            }
        }
        return out;
    }

    private static List<Integer> ints(JsonObject o, String key) {
        List<Integer> out = new ArrayList<>();
        o.getAsJsonArray(key).forEach(x -> out.add(x.getAsInt()));
        return out;
    }
}
