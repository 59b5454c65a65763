package dev.densepred.detection.eval;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.datasets.coco.CocoInstances;
import dev.densepred.datasets.coco.CocoInstancesReader;
import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every {@code case_*} folder under {@code ${fixtures.dir}/coco_eval}, for {@code bbox} and {@code segm}: the 12
 * stats and every class-wise AP against pycocotools 2.0's values in {@code expected.json} (see that folder's README).
 * The tolerance is 1e-12 as the README asks; the means use numpy's pairwise summation, so the values are expected
 * to be bit-identical, and a second assertion checks exactly that.
 */
class CocoEvaluatorGoldenTest {

    private static final double TOLERANCE = 1e-12;

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Fixtures.dir("coco_eval"))) {
            for (Path dir : dirs.filter(p -> p.getFileName().toString().startsWith("case_") && Files.isDirectory(p)).sorted().toList()) {
                for (IouType type : IouType.values()) {
                    out.add(Arguments.of(dir.getFileName().toString(), type, dir));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesPycocotools(String name, IouType type, Path dir) throws IOException {
        CocoInstances gt = CocoInstancesReader.read(dir.resolve("gt.json"));
        CocoResults dets = CocoResultsReader.read(dir.resolve("dets_" + type.cocoName() + ".json"), gt);
        JsonObject expected = JsonParser.parseString(Files.readString(dir.resolve("expected.json")))
                .getAsJsonObject().getAsJsonObject(type.cocoName());
        // One thread and two: the result must not depend on the split.
        CocoEvalResult one = CocoEvaluator.evaluate(gt, dets, type, new CocoEvaluator.Settings(CocoEvalParams.defaults(), 1));
        CocoEvalResult two = CocoEvaluator.evaluate(gt, dets, type, new CocoEvaluator.Settings(CocoEvalParams.defaults(), 2));
        assertArrayEquals(one.stats(), two.stats(), name + " " + type + ": stats with 1 and 2 threads");

        String where = name + " " + type.cocoName();
        double[] stats = one.stats();
        JsonArray want = expected.getAsJsonArray("stats");
        List<Executable> checks = new ArrayList<>();
        List<String> names = CocoEvalResult.statNames();
        for (int i = 0; i < 12; i++) {
            double w = want.get(i).getAsDouble();
            double got = stats[i];
            String label = where + ": stats[" + i + "] " + names.get(i);
            checks.add(() -> assertEquals(w, got, TOLERANCE, label + " (tolerance " + TOLERANCE + ")"));
            checks.add(() -> assertEquals(Double.doubleToLongBits(w), Double.doubleToLongBits(got), label
                    + " bit-exact: expected " + w + ", got " + got));
        }
        long[] catIds = one.categoryIds();
        JsonObject perCat = expected.getAsJsonObject("per_category_ap");
        checks.add(() -> assertEquals(perCat.size(), catIds.length, where + ": number of categories"));
        for (int k = 0; k < catIds.length; k++) {
            JsonElement w = perCat.get(Long.toString(catIds[k]));
            double got = one.categoryAp(k);
            String label = where + ": per-category AP of category " + catIds[k];
            if (w == null || w.isJsonNull()) {
                checks.add(() -> assertTrue(w != null && Double.isNaN(got), label + ": expected null, got " + got));
            } else {
                double wv = w.getAsDouble();
                checks.add(() -> assertEquals(wv, got, TOLERANCE, label + " (tolerance " + TOLERANCE + ")"));
                checks.add(() -> assertEquals(Double.doubleToLongBits(wv), Double.doubleToLongBits(got), label + " bit-exact"));
            }
        }
        assertAll(where, checks);
    }

    @Test
    void defaultParamsAreTheFixtureParams() throws IOException {
        CocoEvalParams p = CocoEvalParams.defaults();
        for (Path dir : Fixtures.list(Fixtures.dir("coco_eval"), "")) {
            Path expected = dir.resolve("expected.json");
            if (!dir.getFileName().toString().startsWith("case_") || !Files.exists(expected)) {
                continue;
            }
            JsonObject params = JsonParser.parseString(Files.readString(expected)).getAsJsonObject().getAsJsonObject("params");
            String c = dir.getFileName().toString();
            assertArrayEquals(doubles(params.getAsJsonArray("iouThrs")), p.iouThrs(), 0.0, c + ": iouThrs (exact)");
            assertArrayEquals(doubles(params.getAsJsonArray("recThrs")), p.recThrs(), 0.0, c + ": recThrs (exact)");
            JsonArray md = params.getAsJsonArray("maxDets");
            assertArrayEquals(new int[] {md.get(0).getAsInt(), md.get(1).getAsInt(), md.get(2).getAsInt()}, p.maxDets(), c);
            JsonArray ranges = params.getAsJsonArray("areaRng");
            for (int a = 0; a < ranges.size(); a++) {
                assertArrayEquals(doubles(ranges.get(a).getAsJsonArray()), p.areaRanges()[a], 0.0, c + ": areaRng[" + a + "]");
            }
            JsonArray labels = params.getAsJsonArray("areaRngLbl");
            for (int a = 0; a < labels.size(); a++) {
                assertEquals(labels.get(a).getAsString(), p.areaLabels()[a], c + ": areaRngLbl[" + a + "]");
            }
        }
    }

    private static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }
}
