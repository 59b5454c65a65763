package dev.densepred.engine.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kill -9 during saves: a child JVM saves checkpoints back to back ({@link CheckpointWriterMain}) and is killed at
 * random moments (seeded). After each kill the newest valid checkpoint must be at least the last one the child
 * reported as saved, and its tensors must all carry its own iteration (a torn or mixed checkpoint fails this). The
 * next child continues from it, cleaning what the killed one left.
 */
class CheckpointCrashTest {

    @Test
    void killedSavesLeaveTheLastCommittedCheckpointIntact(@TempDir Path dir) throws Exception {
        Random random = new Random(11);
        for (int round = 0; round < 4; round++) {
            Process child = start(dir);
            AtomicLong lastReported = new AtomicLong(-1);
            CountDownLatch firstSave = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        lastReported.set(Long.parseLong(line.substring("saved ".length())));
                        firstSave.countDown();
                    }
                } catch (IOException closedByTheKill) {
                    // the stream ends with the process
                }
            });
            reader.start();
            assertTrue(firstSave.await(60, TimeUnit.SECONDS), "the child saved nothing (round " + round + ")");
            Thread.sleep(random.nextInt(400));
            long reportedBeforeKill = lastReported.get();
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join();
            CheckpointStore store = new CheckpointStore(dir);
            List<String> warnings = new ArrayList<>();
            CheckpointStore.Entry latest = store.latestValid(warnings::add).orElseThrow();
            long it = latest.meta().iteration();
            assertTrue(it >= reportedBeforeKill, "round " + round + ": newest valid checkpoint " + it
                    + " is older than the last one reported saved, " + reportedBeforeKill + " (" + warnings + ")");
            assertConsistent(store, latest);
        }
    }

    private static Process start(Path dir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx512m", "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=off",
                "-cp", System.getProperty("java.class.path"), CheckpointWriterMain.class.getName(), dir.toString());
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    private static void assertConsistent(CheckpointStore store, CheckpointStore.Entry e) throws IOException {
        long it = e.meta().iteration();
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> model = new HashMap<>(CheckpointWriterMain.model(m, 0));
            Map<String, NDArray> opt = new HashMap<>(CheckpointWriterMain.optimizer(m, 0));
            store.load(e, CheckpointStore.MODEL, model, m);
            store.load(e, CheckpointStore.OPTIMIZER, opt, m);
            assertEquals(it, model.get("weight").min().getFloat(), e.name());
            assertEquals(it, model.get("weight").max().getFloat(), e.name());
            assertEquals(-it, model.get("bias").max().getFloat(), e.name());
            assertEquals(2 * it, opt.get("weight.exp_avg").min().getFloat(), e.name());
            assertEquals(it, e.meta().optimizerSteps().get("weight"), e.name());
        }
    }

    @Test
    void failedWriteBetweenFilesLeavesThePreviousCheckpointAsLatest(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        try (NDManager m = NDManager.newBaseManager()) {
            store.save("iter_1", CheckpointWriterMain.model(m, 1), CheckpointWriterMain.optimizer(m, 1), CheckpointWriterMain.meta(1));
            // the optimizer file cannot be created: the model file of iter_2 is written, then the save fails
            Files.createDirectory(dir.resolve("iter_2.optim.safetensors.tmp"));
            assertThrowsIo(() -> store.save("iter_2", CheckpointWriterMain.model(m, 2), CheckpointWriterMain.optimizer(m, 2),
                    CheckpointWriterMain.meta(2)));
        }
        assertTrue(Files.exists(dir.resolve("iter_2.model.safetensors")));
        assertEquals(1, store.latestValid(w -> {}).orElseThrow().meta().iteration());
        assertEquals(1, store.list().size());
        Files.delete(dir.resolve("iter_2.optim.safetensors.tmp"));
        store.removeLeftovers();
        assertTrue(Files.notExists(dir.resolve("iter_2.model.safetensors")), "the orphaned model file is removed");
        assertConsistent(store, store.latestValid(w -> {}).orElseThrow());
    }

    @Test
    void damagedNewestCheckpointIsSkippedWithTheReason(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        try (NDManager m = NDManager.newBaseManager()) {
            for (long it = 1; it <= 2; it++) {
                store.save("iter_" + it, CheckpointWriterMain.model(m, it), CheckpointWriterMain.optimizer(m, it), CheckpointWriterMain.meta(it));
            }
        }
        Path file = dir.resolve("iter_2.model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 5] ^= 0x40;
        Files.write(file, bytes);
        List<String> warnings = new ArrayList<>();
        assertEquals(1, store.latestValid(warnings::add).orElseThrow().meta().iteration());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("iter_2.model.safetensors") && warnings.get(0).contains("CRC32C"), warnings.get(0));
    }

    @Test
    void loadingIntoADifferentModelNamesTheTensors(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointStore.Entry e = store.save("iter_1", CheckpointWriterMain.model(m, 1), CheckpointWriterMain.optimizer(m, 1),
                    CheckpointWriterMain.meta(1));
            Map<String, NDArray> renamed = Map.of("weight", m.zeros(new ai.djl.ndarray.types.Shape(1024, 1024)),
                    "head.bias", m.zeros(new ai.djl.ndarray.types.Shape(1024)));
            IOException names = assertThrowsIo(() -> store.load(e, CheckpointStore.MODEL, renamed, m));
            assertTrue(names.getMessage().contains("missing [head.bias]") && names.getMessage().contains("unexpected [bias]"), names.getMessage());
            Map<String, NDArray> reshaped = Map.of("weight", m.zeros(new ai.djl.ndarray.types.Shape(1024, 1024)),
                    "bias", m.zeros(new ai.djl.ndarray.types.Shape(512)));
            IOException shape = assertThrowsIo(() -> store.load(e, CheckpointStore.MODEL, reshaped, m));
            assertTrue(shape.getMessage().contains("'bias'") && shape.getMessage().contains("(1024)") && shape.getMessage().contains("(512)"),
                    shape.getMessage());
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static IOException assertThrowsIo(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            return e;
        }
        throw new AssertionError("expected an IOException");
    }
}
