package dev.densepred.tools;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** {@code densepred eval-coco} run in-process on every fixture case, and on bad input. */
class EvalCocoCommandTest {

    /** The left part of pycocotools' 12 summary lines with default parameters, as it prints them. */
    private static final List<String> PYCOCOTOOLS_LINES = List.of(
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ",
            " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = ",
            " Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = ",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = ",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = ",
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = ",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = ",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = ",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = ",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = ",
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = ");

    @TempDir
    Path tmp;

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Fixtures.dir("coco_eval"))) {
            for (Path dir : dirs.filter(p -> p.getFileName().toString().startsWith("case_") && Files.isDirectory(p)).sorted().toList()) {
                out.add(Arguments.of(dir.getFileName().toString(), "bbox", dir));
                out.add(Arguments.of(dir.getFileName().toString(), "segm", dir));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void printsThePycocotoolsSummaryAndWritesJson(String name, String type, Path dir) throws IOException {
        Path json = tmp.resolve("metrics.json");
        CliRun r = CliRun.of("eval-coco", "--gt", dir.resolve("gt.json").toString(), "--results",
                dir.resolve("dets_" + type + ".json").toString(), "--iou-type", type, "--json", json.toString());
        String where = name + " " + type;
        assertEquals(0, r.exitCode(), where + ": exit code; stderr: " + r.err());
        assertEquals("", r.err(), where + ": nothing on stderr");

        JsonObject expected = JsonParser.parseString(Files.readString(dir.resolve("expected.json"))).getAsJsonObject()
                .getAsJsonObject(type);
        JsonArray stats = expected.getAsJsonArray("stats");
        String[] lines = r.out().split("\n");
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            // Python's '{:0.3f}': the exact binary value rounded half-even.
            String value = new BigDecimal(stats.get(i).getAsDouble()).setScale(3, RoundingMode.HALF_EVEN).toPlainString();
            String want = PYCOCOTOOLS_LINES.get(i) + value;
            String got = lines[i];
            int idx = i;
            checks.add(() -> assertEquals(want, got, where + ": summary line " + idx));
        }
        checks.add(() -> assertTrue(r.out().contains("per-category AP (" + type + "):"), where + ": per-category table follows"));

        JsonObject written = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonArray gotStats = written.getAsJsonArray("stats");
        for (int i = 0; i < 12; i++) {
            double w = stats.get(i).getAsDouble();
            double g = gotStats.get(i).getAsDouble();
            int idx = i;
            checks.add(() -> assertEquals(w, g, 1e-12, where + ": JSON stats[" + idx + "] (tolerance 1e-12)"));
        }
        JsonObject perCat = expected.getAsJsonObject("per_category_ap");
        JsonObject gotPerCat = written.getAsJsonObject("per_category_ap");
        checks.add(() -> assertEquals(perCat.keySet(), gotPerCat.keySet(), where + ": JSON per-category keys"));
        for (Map.Entry<String, JsonElement> e : perCat.entrySet()) {
            JsonElement g = gotPerCat.get(e.getKey());
            if (e.getValue().isJsonNull()) {
                checks.add(() -> assertTrue(g != null && g.isJsonNull(), where + ": category " + e.getKey() + " is null"));
            } else {
                checks.add(() -> assertEquals(e.getValue().getAsDouble(), g.getAsDouble(), 1e-12,
                        where + ": JSON per-category AP of " + e.getKey() + " (tolerance 1e-12)"));
            }
        }
        assertAll(where, checks);
    }

    @Test
    void badInputGivesOneLineErrors() throws IOException {
        Path dir = (Path) cases().findFirst().orElseThrow().get()[2];
        String gt = dir.resolve("gt.json").toString();
        String dets = dir.resolve("dets_bbox.json").toString();

        CliRun missing = CliRun.of("eval-coco", "--gt", tmp.resolve("nope.json").toString(), "--results", dets, "--iou-type", "bbox");
        assertEquals(2, missing.exitCode(), "missing file: exit 2");
        assertTrue(missing.err().startsWith("error: --gt " + tmp.resolve("nope.json") + ": no such file"), missing.err());

        CliRun type = CliRun.of("eval-coco", "--gt", gt, "--results", dets, "--iou-type", "keypoints");
        assertEquals(2, type.exitCode(), "unknown iou type: exit 2");
        assertTrue(type.err().contains("unknown iou type 'keypoints'; expected bbox or segm"), type.err());

        Path bad = Files.writeString(tmp.resolve("bad.json"),
                "[{\"image_id\": -5, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 0.5}]");
        CliRun record = CliRun.of("eval-coco", "--gt", gt, "--results", bad.toString(), "--iou-type", "bbox");
        assertEquals(2, record.exitCode(), "bad record: exit 2");
        assertTrue(record.err().startsWith("error: " + bad + ": results[0] (image_id -5, category_id 1): image_id -5 is not in"),
                record.err());
        assertEquals("", record.out(), "no summary after an error");

        CliRun help = CliRun.of("eval-coco", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("Examples:") && help.out().contains("--iou-type"), help.out());
    }
}
