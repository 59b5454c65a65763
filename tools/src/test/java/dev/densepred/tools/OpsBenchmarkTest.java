package dev.densepred.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code benchmark ops} runs end to end on a tiny problem, prints its table and writes every row to JSON. */
class OpsBenchmarkTest {

    @Test
    void tinyRunWritesTableAndJson(@TempDir Path dir) throws IOException {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        Path json = dir.resolve("ops.json");
        int code = cli.execute("benchmark", "ops", "--rois", "16", "--channels", "4", "--image", "96x128", "--nms-boxes", "40,1500",
                "--warmup", "0", "--repeat", "1", "--json", json.toString());
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("RoIAlign multi-level fwd+bwd"), out.toString());
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonArray results = root.getAsJsonArray("results");
        // 2 sampling ratios x (forward, forward+backward) + 2 NMS sizes x (plain, batched)
        assertEquals(8, results.size());
        for (JsonElement r : results) {
            assertTrue(r.getAsJsonObject().get("median_ms").getAsDouble() >= 0, r.toString());
        }
    }

    @Test
    void badImageSizeIsAUsageError() {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("benchmark", "ops", "--image", "800"));
        assertTrue(err.toString().contains("HEIGHTxWIDTH"), err.toString());
    }
}
