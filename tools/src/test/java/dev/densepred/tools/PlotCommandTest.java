package dev.densepred.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/** {@code densepred plot} on a synthetic run log, and its errors. */
class PlotCommandTest {

    @TempDir
    Path tmp;

    private Path workDir(boolean withEval) throws IOException {
        Path dir = tmp.resolve("run");
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        for (int it = 10; it <= 100; it += 10) {
            lines.add(String.format(Locale.ROOT,
                    "{\"mode\":\"train\",\"epoch\":1,\"iter\":%d,\"lr\":%.6f,\"loss\":%.4f,\"loss_cls\":%.4f,\"loss_bbox\":%.4f,\"acc\":0.5,"
                            + "\"grad_norm\":1.0,\"loss_scale\":65536,\"skipped_steps\":0,\"time\":0.5,\"data_time\":0.01,\"eta_seconds\":3,\"memory\":900}",
                    it, 1e-4 * it / 100, 2.0 / it, 1.0 / it, 1.0 / it));
            if (withEval && it % 50 == 0) {
                lines.add("{\"mode\":\"val\",\"epoch\":1,\"iter\":" + it + ",\"mIoU\":" + it / 200.0 + ",\"time\":2.0}");
            }
        }
        Files.write(dir.resolve("scalars.jsonl"), lines);
        return dir;
    }

    @Test
    void readsCurvesAndWritesOneChartPerPanel() throws IOException {
        Path dir = workDir(true);
        TrainingCurves curves = TrainingCurves.read(dir);
        assertEquals(List.of("lr", "loss", "loss_cls", "loss_bbox", "acc", "grad_norm", "loss_scale", "time", "data_time", "memory"),
                List.copyOf(curves.train().keySet()));
        assertEquals(10, curves.train().get("loss").y().size());
        assertEquals(List.of(50.0, 100.0), curves.val().get("mIoU").x());

        Path png = tmp.resolve("out/curves.png");
        CliRun r = CliRun.of("plot", dir.toString(), "--out", png.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("wrote " + png), r.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(4 * 320, img.getHeight(), "losses, lr, evaluation, time panels");
    }

    @Test
    void withoutEvaluationThePanelIsLeftOut() throws IOException {
        Path dir = workDir(false);
        assertEquals(0, CliRun.of("plot", dir.toString()).exitCode());
        assertEquals(3 * 320, ImageIO.read(dir.resolve("curves.png").toFile()).getHeight());
    }

    @Test
    void errorsNameTheFileAndLine() throws IOException {
        CliRun missing = CliRun.of("plot", tmp.resolve("nowhere").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("scalars.jsonl (not a work directory"), missing.err());
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.write(dir.resolve("scalars.jsonl"), List.of("{\"iter\": 1, \"loss\": 2}", "not json"));
        CliRun bad = CliRun.of("plot", dir.toString());
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("scalars.jsonl:2: not a JSON object"), bad.err());
    }

    @Test
    void writerStreamKeepsMultiByteCharactersSplitAcrossWrites() {
        StringWriter sink = new StringWriter();
        java.io.PrintStream ps = WriterStream.of(new PrintWriter(sink, true));
        byte[] bytes = "µ→✓ ok".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte b : bytes) {
            ps.write(b);
        }
        ps.flush();
        assertEquals("µ→✓ ok", sink.toString());
    }
}
