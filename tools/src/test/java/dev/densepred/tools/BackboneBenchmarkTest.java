package dev.densepred.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code densepred benchmark backbone} on the small {@code mini} network; its speed figures are not asserted. */
class BackboneBenchmarkTest {

    @Test
    void measuresEachCaseAndWritesJson(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("bench.json");
        CliRun r = CliRun.of("benchmark", "backbone", "--sizes", "mini", "--resolutions", "64x96,32x32", "--batches", "1,2",
                "--warmup", "0", "--iterations", "1", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("mini   2x64x96"), r.out());
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(4, root.getAsJsonArray("results").size());
        JsonObject first = root.getAsJsonArray("results").get(0).getAsJsonObject();
        assertEquals(64, first.get("height").getAsInt());
        assertTrue(first.get("ours_median_ms").getAsDouble() > 0);
        // The dense mini network: 159,612 parameters of the classifier fixture minus its head, plus 4 output norms.
        assertEquals(159_612L - (2 * 64 + 64 * 256 + 256 + 2 * 256 + 256 * 10 + 10) + 2 * (16 + 32 + 48 + 64), first.get("params").getAsLong());
    }

    @Test
    void timesForwardAndBackwardInFloat16(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("bench.json");
        CliRun r = CliRun.of("benchmark", "backbone", "--sizes", "mini", "--resolutions", "64x96", "--batches", "2", "--train", "--fp16",
                "--warmup", "0", "--iterations", "1", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("forward + backward, float16 weights and input"), r.out());
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals("forward+backward", root.get("mode").getAsString());
        assertEquals("fp16", root.get("precision").getAsString());
        JsonObject first = root.getAsJsonArray("results").get(0).getAsJsonObject();
        assertTrue(first.get("ours_median_ms").getAsDouble() > 0);
        assertTrue(first.get("ours_peak_mib").getAsDouble() >= 0);
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        CliRun r = CliRun.of("benchmark", "backbone", "--sizes", "mini", "--resolutions", "64by96");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("'64by96' is not HEIGHTxWIDTH"), r.err());
        r = CliRun.of("benchmark", "backbone", "--sizes", "mini,tiny", "--torchscript", "x.pt");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("name the size (SIZE=FILE)"), r.err());
        r = CliRun.of("benchmark", "backbone", "--sizes", "mini", "--clock", "cpu");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("add --threads 1"), r.err());
        r = CliRun.of("benchmark", "backbone", "--sizes", "mini", "--fp16", "--torchscript", "x.pt");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--fp16 times our model alone"), r.err());
        r = CliRun.of("benchmark", "backbone", "--sizes", "mini", "--resolutions", "32x32", "--batches", "1", "--torchscript", "missing.pt");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("missing.pt"), r.err());
    }
}
