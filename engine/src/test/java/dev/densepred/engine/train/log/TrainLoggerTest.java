package dev.densepred.engine.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Window means, the ETA, the line layout and the JSON lines, from known step records. */
class TrainLoggerTest {

    private static TrainLogger.Step step(long it, double loss, double seconds) {
        Map<String, Double> losses = new LinkedHashMap<>();
        losses.put("loss_cls", loss);
        losses.put("acc", 50.0 + it);
        return new TrainLogger.Step(it, 2e-4, losses, 1.5 * it, 512, 1, seconds, 0.01);
    }

    @Test
    void writesWindowMeansWithEtaToConsoleLogAndJsonLines(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
                TrainLogger log = new TrainLogger(dir, out, new TrainLogger.Config(2), true, 4, 12, 0, () -> 321)) {
            log.step(step(1, 1.0, 0.5));
            log.step(step(2, 0.5, 1.5));
            log.eval(4, Map.of("mIoU", 41.25), 12);
        }
        List<String> lines = Files.readAllLines(dir.resolve("train.log"));
        String expected = "Epoch(train) [1][2/4]  lr: 2.0000e-04  eta: 0:00:10  time: 1.0000  data_time: 0.0100  memory: ";
        assertTrue(lines.get(0).startsWith(expected), lines.get(0));
        assertTrue(lines.get(0).endsWith("  gpu_memory: 321  grad_norm: 2.2500  loss: 0.7500  loss_cls: 0.7500  acc: 51.5000"
                + "  loss_scale: 512  skipped: 1"), lines.get(0));
        assertEquals("Epoch(val) [1]  mIoU: 41.2500  time: 12.0 s", lines.get(1));
        assertEquals(String.join("\n", lines) + "\n", console.toString(StandardCharsets.UTF_8));
        List<String> json = Files.readAllLines(dir.resolve("scalars.jsonl"));
        JsonObject train = JsonParser.parseString(json.get(0)).getAsJsonObject();
        assertEquals(2, train.get("iter").getAsInt());
        assertEquals(0.75, train.get("loss").getAsDouble());
        assertEquals(51.5, train.get("acc").getAsDouble());
        assertEquals(10.0, train.get("eta_seconds").getAsDouble(), "1 s per iteration, 10 to go");
        assertEquals("val", JsonParser.parseString(json.get(1)).getAsJsonObject().get("mode").getAsString());
    }

    @Test
    void iterationRunsLogTheirPositionAndTheLastIteration(@TempDir Path dir) throws IOException {
        try (TrainLogger log = new TrainLogger(dir, null, new TrainLogger.Config(50), false, 7, 120, 100, null)) {
            for (long it = 101; it <= 120; it++) {
                log.step(step(it, 1.0, 0.1));
            }
        }
        List<String> lines = Files.readAllLines(dir.resolve("train.log"));
        assertEquals(1, lines.size(), "only the last iteration closes a window before 150");
        assertTrue(lines.get(0).startsWith("Iter(train) [120/120]  lr: 2.0000e-04  eta: 0:00:00"), lines.get(0));
    }

    @Test
    void residentMemoryIsReadFromProcStatus(@TempDir Path dir) throws IOException {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t  204800 kB\nThreads: 3\n");
        assertEquals(200, ResidentMemory.parse(status));
        Files.writeString(status, "Name:\tjava\n");
        assertEquals(-1, ResidentMemory.parse(status));
        assertEquals(-1, ResidentMemory.parse(dir.resolve("missing")));
    }
}
