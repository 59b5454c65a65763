package dev.densepred.engine.train;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;

import com.google.gson.JsonObject;

import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.checkpoint.CheckpointMeta;
import dev.densepred.engine.train.checkpoint.CheckpointStore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The training loop end to end on {@link TinyNet}: resume, mixed precision, failures, data parallelism, memory. */
class RunnerTest {

    /** Fields of a logged step that must repeat exactly; time, memory and ETA are left out. */
    private static final String[] EXACT = {"iter", "epoch", "lr", "loss", "loss_mse", "loss_l1", "mae", "grad_norm", "loss_scale", "skipped_steps"};

    private static Runner<TinyBatch, TinyTask> runner(TrainingConfig cfg, Path dir, TinySource source, TinyNet.Norm norm,
            double dropout, TinyTask.Faults faults, boolean resume) throws IOException {
        return Runner.<TinyBatch, TinyTask>builder(cfg, dir, m -> new TinyTask(m, norm, dropout, faults), source)
                .console(null).resume(resume).build();
    }

    private static String resumeConfig(boolean fp16) {
        return "{\"train_cfg\":{\"by_epoch\":false,\"max_iters\":8,\"val_interval\":-1},"
                + "\"optim_wrapper\":{\"optimizer\":{\"type\":\"AdamW\",\"lr\":0.01,\"weight_decay\":0.05},"
                + "  \"paramwise_cfg\":{\"norm_decay_mult\":0,\"bias_decay_mult\":0,\"flat_decay_mult\":0},"
                + "  \"clip_grad\":{\"max_norm\":0.5},\"accumulative_counts\":2},"
                + "\"param_scheduler\":[{\"type\":\"LinearLR\",\"start_factor\":0.1,\"by_epoch\":false,\"begin\":0,\"end\":3},"
                + "  {\"type\":\"PolyLR\",\"eta_min\":0.001,\"power\":0.9,\"by_epoch\":false,\"begin\":3,\"end\":8}],"
                + "\"fp16\":{\"enabled\":" + fp16 + ",\"growth_interval\":2},"
                + "\"default_hooks\":{\"logger\":{\"interval\":1},\"checkpoint\":{\"interval\":3}},"
                + "\"randomness\":{\"seed\":3}}";
    }

    /**
     * 8 iterations straight versus a run that crashes in iteration 4, after the checkpoint of iteration 3, and a new
     * runner that resumes: every logged step (losses, lr, grad norm, loss scale) and the final state are identical.
     * Two micro-batches per step, 2 steps per epoch (so the resume lands inside an epoch), dropout, batch norm,
     * clipping, warm-up then poly, and under FP16 a loss scale that grows every 2 steps.
     */
    @ParameterizedTest(name = "fp16={0}")
    @ValueSource(booleans = {false, true})
    void resumedRunRepeatsTheUninterruptedOne(boolean fp16, @TempDir Path tmp) throws IOException {
        TrainingConfig cfg = Runs.config(resumeConfig(fp16));
        Path straight = tmp.resolve("straight");
        Path split = tmp.resolve("split");
        try (var r = runner(cfg, straight, new TinySource(5, 4), TinyNet.Norm.BATCH, 0.2, TinyTask.Faults.NONE, false)) {
            r.train();
        }
        TinyTask.Faults crash = new TinyTask.Faults(4, -1, -1, -1);
        try (var r = runner(cfg, split, new TinySource(5, 4), TinyNet.Norm.BATCH, 0.2, crash, false)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, r::train);
            assertTrue(e.getMessage().contains("simulated crash"), e.getMessage());
        }
        try (var r = runner(cfg, split, new TinySource(5, 4), TinyNet.Norm.BATCH, 0.2, TinyTask.Faults.NONE, true)) {
            assertEquals(3, r.iteration(), "resumed from the checkpoint of iteration 3");
            r.train();
        }
        IllegalStateException fresh = assertThrows(IllegalStateException.class,
                () -> runner(cfg, split, new TinySource(5, 4), TinyNet.Norm.BATCH, 0.2, TinyTask.Faults.NONE, false));
        assertTrue(fresh.getMessage().contains("earlier run") && fresh.getMessage().contains("--resume"), fresh.getMessage());
        List<JsonObject> expected = Runs.scalars(straight, "train");
        List<JsonObject> actual = Runs.scalars(split, "train");
        assertEquals(8, expected.size());
        assertEquals(4 + 5, actual.size(), "iterations 1-4 before the crash, 4-8 after resuming");
        List<Executable> checks = sameSteps(expected, actual);
        if (fp16) {
            checks.add(() -> assertTrue(expected.stream().map(o -> o.get("loss_scale")).distinct().count() > 1,
                    "the loss scale changed during the run, so its state had to be resumed"));
        }
        assertAll(checks);
        CheckpointStore.Entry a = new CheckpointStore(straight).list().stream().filter(e -> e.name().equals("iter_8")).findFirst().orElseThrow();
        CheckpointStore.Entry b = new CheckpointStore(split).list().stream().filter(e -> e.name().equals("iter_8")).findFirst().orElseThrow();
        assertEquals(a.meta().files(), b.meta().files(), "final model and optimizer files are byte-identical (size, CRC32C)");
        assertEquals(a.meta().lossScaler(), b.meta().lossScaler());
    }

    /**
     * SGD (Nesterov momentum, or plain SGD, which keeps no state) for 8 iterations straight versus 4, a crash, and a
     * resume from the checkpoint of iteration 4: the same logged steps and byte-identical final files. The model has a
     * parameter that never gets a gradient: it has no momentum buffer and step count 0, and the resume restores that.
     * The warm-up and the step of the schedule change the learning rate, clipping scales the gradients. Resuming the
     * SGD checkpoint with AdamW is refused, naming the checkpoint.
     */
    @ParameterizedTest(name = "momentum={0}")
    @ValueSource(booleans = {true, false})
    void sgdResumedHalfwayRepeatsTheUninterruptedRun(boolean momentum, @TempDir Path tmp) throws IOException {
        String sgd = momentum ? "{\"type\":\"SGD\",\"lr\":0.05,\"momentum\":0.9,\"weight_decay\":0.001,\"nesterov\":true}"
                : "{\"type\":\"SGD\",\"lr\":0.05,\"weight_decay\":0.001}";
        String cfg = "{\"train_cfg\":{\"by_epoch\":false,\"max_iters\":8,\"val_interval\":-1},"
                + "\"optim_wrapper\":{\"optimizer\":%s,\"paramwise_cfg\":{\"norm_decay_mult\":0},\"clip_grad\":{\"max_norm\":0.5}},"
                + "\"param_scheduler\":[{\"type\":\"LinearLR\",\"start_factor\":0.1,\"by_epoch\":false,\"begin\":0,\"end\":3},"
                + "  {\"type\":\"MultiStepLR\",\"milestones\":[6],\"gamma\":0.1,\"by_epoch\":false}],"
                + "\"default_hooks\":{\"logger\":{\"interval\":1},\"checkpoint\":{\"interval\":4}},\"randomness\":{\"seed\":5}}";
        TrainingConfig config = Runs.config(String.format(cfg, sgd));
        Path straight = tmp.resolve("straight");
        Path split = tmp.resolve("split");
        TinyTask.Faults crash = new TinyTask.Faults(4, -1, -1, -1);
        for (Path dir : List.of(straight, split)) {
            TinyTask.Faults faults = dir == split ? crash : TinyTask.Faults.NONE;
            try (var r = idleRunner(config, dir, faults, false)) {
                if (dir == split) {
                    assertThrows(IllegalStateException.class, r::train);
                } else {
                    r.train();
                }
            }
        }
        try (var r = idleRunner(config, split, TinyTask.Faults.NONE, true)) {
            assertEquals(4, r.iteration(), "resumed from the checkpoint of iteration 4");
            r.train();
        }
        List<JsonObject> expected = Runs.scalars(straight, "train");
        List<JsonObject> actual = Runs.scalars(split, "train");
        assertEquals(8, expected.size());
        assertEquals(4 + 4, actual.size(), "iterations 1-4 before the crash, 5-8 after resuming");
        List<Executable> checks = sameSteps(expected, actual);
        CheckpointStore.Entry half = new CheckpointStore(split).list().stream().filter(e -> e.name().equals("iter_4")).findFirst().orElseThrow();
        checks.add(() -> assertEquals("SGD", half.meta().optimizer()));
        checks.add(() -> assertEquals(0L, half.meta().optimizerSteps().get("idle"), "the idle parameter was never updated"));
        checks.add(() -> assertEquals(4L, half.meta().optimizerSteps().get("head.weight")));
        try (SafeTensorsReader reader = SafeTensorsReader.open(split.resolve("iter_4.optim.safetensors"))) {
            List<String> expectedState = new ArrayList<>();
            if (momentum) {
                for (String p : half.meta().optimizerSteps().keySet()) {
                    if (!p.equals("idle")) {
                        expectedState.add(p + ".momentum_buffer");
                    }
                }
            }
            List<String> state = reader.tensors().keySet().stream().sorted().toList();
            checks.add(() -> assertEquals(expectedState.stream().sorted().toList(), state, "torch's state: a buffer per updated parameter"));
        }
        checks.add(() -> assertTrue(expected.stream().map(o -> o.get("lr")).distinct().count() > 2, "the learning rate changed"));
        CheckpointStore.Entry a = new CheckpointStore(straight).list().stream().filter(e -> e.name().equals("iter_8")).findFirst().orElseThrow();
        CheckpointStore.Entry b = new CheckpointStore(split).list().stream().filter(e -> e.name().equals("iter_8")).findFirst().orElseThrow();
        checks.add(() -> assertEquals(a.meta().files(), b.meta().files(), "final model and optimizer files are byte-identical (size, CRC32C)"));
        assertAll(checks);
        TrainingConfig adamw = Runs.config(String.format(cfg, "{\"type\":\"AdamW\",\"lr\":0.05}"));
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> idleRunner(adamw, split, TinyTask.Faults.NONE, true));
        assertTrue(other.getMessage().contains("iter_8.json") && other.getMessage().contains("written by optimizer SGD")
                && other.getMessage().contains("AdamW"), other.getMessage());
    }

    private static Runner<TinyBatch, TinyTask> idleRunner(TrainingConfig cfg, Path dir, TinyTask.Faults faults, boolean resume) throws IOException {
        return Runner.<TinyBatch, TinyTask>builder(cfg, dir, m -> new TinyTask(m, new TinyNet(TinyNet.Norm.BATCH, true), 0.2, faults),
                new TinySource(5, 4)).console(null).resume(resume).build();
    }

    /** Checks that every step of {@code actual} logged the {@link #EXACT} values of the same iteration of {@code expected}. */
    private static List<Executable> sameSteps(List<JsonObject> expected, List<JsonObject> actual) {
        List<Executable> checks = new ArrayList<>();
        for (JsonObject a : actual) {
            JsonObject e = expected.get(a.get("iter").getAsInt() - 1);
            for (String key : EXACT) {
                checks.add(() -> assertEquals(e.get(key), a.get(key), "iteration " + a.get("iter") + " " + key));
            }
        }
        return checks;
    }

    @Test
    void fp16WithStaticScaleTracksFp32(@TempDir Path tmp) throws IOException {
        String base = "{\"train_cfg\":{\"by_epoch\":false,\"max_iters\":20,\"val_interval\":-1},"
                + "\"optim_wrapper\":{\"optimizer\":{\"type\":\"AdamW\",\"lr\":0.01}},"
                + "\"default_hooks\":{\"logger\":{\"interval\":1}},\"fp16\":{\"enabled\":%s,\"loss_scale\":512}}";
        for (String fp16 : new String[] {"false", "true"}) {
            try (var r = runner(Runs.config(String.format(base, fp16)), tmp.resolve(fp16), new TinySource(6, 4), TinyNet.Norm.BATCH, 0,
                    TinyTask.Faults.NONE, false)) {
                r.train();
            }
        }
        List<JsonObject> f32 = Runs.scalars(tmp.resolve("false"), "train");
        List<JsonObject> f16 = Runs.scalars(tmp.resolve("true"), "train");
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < f32.size(); i++) {
            double a = f32.get(i).get("loss").getAsDouble();
            double b = f16.get(i).get("loss").getAsDouble();
            int it = i + 1;
            checks.add(() -> assertEquals(a, b, 0.02 * a, "loss at iteration " + it));
            checks.add(() -> assertEquals(512.0, f16.get(it - 1).get("loss_scale").getAsDouble(), "static scale"));
            checks.add(() -> assertEquals(0, f16.get(it - 1).get("skipped_steps").getAsInt(), "no overflow at 512"));
        }
        double first = f32.get(0).get("loss").getAsDouble();
        double last = f32.get(f32.size() - 1).get("loss").getAsDouble();
        checks.add(() -> assertTrue(last < 0.7 * first, "training lowers the loss: " + first + " -> " + last));
        assertAll(checks);
    }

    /**
     * A spike whose float16 gradients overflow at iteration 4: that step is skipped with the weights untouched, the
     * scale halves, and it doubles after every 3 clean steps (GradScaler's rule, re-derived here from the skips).
     */
    @Test
    void overflowSkipsTheStepHalvesTheScaleAndGrowthResumes(@TempDir Path dir) throws IOException {
        TrainingConfig cfg = Runs.config("{\"train_cfg\":{\"by_epoch\":false,\"max_iters\":12,\"val_interval\":-1},"
                + "\"optim_wrapper\":{\"optimizer\":{\"type\":\"AdamW\",\"lr\":0.003}},"
                + "\"default_hooks\":{\"logger\":{\"interval\":1}},"
                + "\"fp16\":{\"enabled\":true,\"init_scale\":1024,\"growth_interval\":3}}");
        TinyTask task;
        try (var r = runner(cfg, dir, new TinySource(6, 8), TinyNet.Norm.BATCH, 0, new TinyTask.Faults(-1, -1, -1, 4), false)) {
            r.train();
            task = r.task();
        }
        List<JsonObject> log = Runs.scalars(dir, "train");
        List<Executable> checks = new ArrayList<>();
        double scale = 1024;
        int clean = 0;
        long skipped = 0;
        for (JsonObject line : log) {
            long it = line.get("iter").getAsLong() - 1;
            double s = scale;
            checks.add(() -> assertEquals(s, line.get("loss_scale").getAsDouble(), "scale used at iteration " + it));
            boolean skip = it == 4;
            skipped += skip ? 1 : 0;
            long k = skipped;
            checks.add(() -> assertEquals(k, line.get("skipped_steps").getAsLong(), "skipped steps after iteration " + it));
            if (skip) {
                scale /= 2;
                clean = 0;
            } else if (++clean == 3) {
                scale *= 2;
                clean = 0;
            }
        }
        checks.add(() -> assertArrayEquals(task.weightsAtStart().get(4L), task.weightsAtStart().get(5L), "weights after the skipped step"));
        checks.add(() -> assertFalse(java.util.Arrays.equals(task.weightsAtStart().get(5L), task.weightsAtStart().get(6L)), "a clean step moves them"));
        CheckpointStore.Entry last = new CheckpointStore(dir).list().get(0);
        checks.add(() -> assertTrue(last.meta().optimizerSteps().values().stream().allMatch(s -> s == 11), "AdamW stepped 11 of 12 times"));
        assertAll(checks);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nan loss fp32", "nan loss fp16", "nan gradient fp32"})
    void nonFiniteLossStopsNamingIterationAndLossesWithoutSaving(String kind, @TempDir Path dir) throws IOException {
        boolean fp16 = kind.endsWith("fp16");
        TinyTask.Faults faults = kind.startsWith("nan loss") ? new TinyTask.Faults(-1, 5, -1, -1) : new TinyTask.Faults(-1, -1, 5, -1);
        TrainingConfig cfg = Runs.config("{\"train_cfg\":{\"by_epoch\":false,\"max_iters\":10,\"val_interval\":-1},"
                + "\"default_hooks\":{\"checkpoint\":{\"interval\":1}},\"fp16\":{\"enabled\":" + fp16 + ",\"init_scale\":256}}");
        try (var r = runner(cfg, dir, new TinySource(4, 4), TinyNet.Norm.BATCH, 0, faults, false)) {
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, r::train);
            assertEquals(5, e.iteration());
            String m = e.getMessage();
            // the 0-based iteration 5 is the sixth, logged as [6/10] after the checkpoint iter_5
            assertAll(() -> assertTrue(m.contains("iteration 6 (epoch 2)"), m),
                    () -> assertTrue(m.contains("loss_mse=") && m.contains("loss_l1=") && m.contains("mae="), m),
                    () -> assertTrue(kind.startsWith("nan loss") ? m.contains("loss_mse=NaN") : m.contains("gradient norm is not finite"), m),
                    () -> assertTrue(m.contains("iter_5.json"), "names the last good checkpoint: " + m));
        }
        List<CheckpointStore.Entry> saved = new CheckpointStore(dir).list();
        assertEquals(5, saved.get(saved.size() - 1).meta().iteration(), "nothing saved after the last good iteration");
        try (SafeTensorsReader reader = SafeTensorsReader.open(dir.resolve("iter_5.model.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            for (String name : reader.tensors().keySet()) {
                assertTrue(reader.load(name, m).isInfinite().logicalOr(reader.load(name, m).isNaN()).none().getBoolean(), name);
            }
        }
        assertTrue(Files.readString(dir.resolve("train.log")).contains("error: training stopped at iteration 6"));
    }

    /** Two replicas of batch 2 against one replica of batch 4 (layer norm: no batch statistics). */
    @Test
    void twoReplicasOfHalfBatchesMatchOneReplicaOfWholeBatches(@TempDir Path tmp) throws IOException {
        String base = "{\"train_cfg\":{\"by_epoch\":true,\"max_epochs\":2,\"val_interval\":-1},"
                + "\"optim_wrapper\":{\"optimizer\":{\"type\":\"AdamW\",\"lr\":0.01},\"clip_grad\":{\"max_norm\":1.0}},"
                + "\"default_hooks\":{\"logger\":{\"interval\":1}},\"devices\":%s}";
        try (var r = runner(Runs.config(String.format(base, "[\"cpu\"]")), tmp.resolve("one"), TinySource.merged(4, 2), TinyNet.Norm.LAYER, 0,
                TinyTask.Faults.NONE, false)) {
            r.train();
        }
        try (var r = runner(Runs.config(String.format(base, "[\"cpu\",\"cpu\"]")), tmp.resolve("two"), TinySource.halves(4, 2),
                TinyNet.Norm.LAYER, 0, TinyTask.Faults.NONE, false)) {
            r.train();
        }
        List<JsonObject> one = Runs.scalars(tmp.resolve("one"), "train");
        List<JsonObject> two = Runs.scalars(tmp.resolve("two"), "train");
        assertEquals(8, one.size());
        assertEquals(one.size(), two.size(), "same iterations per epoch");
        List<Executable> checks = new ArrayList<>();
        for (int i = 0; i < one.size(); i++) {
            for (String key : new String[] {"loss", "grad_norm", "lr"}) {
                double a = one.get(i).get(key).getAsDouble();
                double b = two.get(i).get(key).getAsDouble();
                int it = i + 1;
                checks.add(() -> assertEquals(a, b, 1e-5 * Math.abs(a), key + " at iteration " + it));
            }
        }
        assertAll(checks);
    }

    /** A short and a long run end with the same number of live native arrays: nothing grows per iteration. */
    @Test
    void nativeMemoryDoesNotGrowWithIterations(@TempDir Path tmp) throws IOException {
        int[] live = new int[2];
        int[] iters = {3, 25};
        for (int k = 0; k < 2; k++) {
            TrainingConfig cfg = Runs.config("{\"train_cfg\":{\"by_epoch\":false,\"max_iters\":" + iters[k] + ",\"val_interval\":2},"
                    + "\"optim_wrapper\":{\"clip_grad\":{\"max_norm\":1}},\"fp16\":{\"enabled\":true},"
                    + "\"default_hooks\":{\"logger\":{\"interval\":5}}}");
            try (var r = Runner.<TinyBatch, TinyTask>builder(cfg, tmp.resolve("run" + k), m -> new TinyTask(m, TinyNet.Norm.BATCH, 0.1,
                    TinyTask.Faults.NONE), new TinySource(4, 4)).console(null).evaluator((task, ctx) -> {
                        try (Scope s = Scope.open(ctx.manager())) {
                            float v = task.model().forward(s.manager().ones(new ai.djl.ndarray.types.Shape(1, 3, 8, 8))).sum().getFloat();
                            return Map.of("out", (double) v);
                        }
                    }).build()) {
                r.train();
                NDManager models = r.task().model().parameters().values().iterator().next().array().getManager();
                live[k] = Scope.liveArrays(models.getParentManager());
            }
        }
        assertEquals(live[0], live[1], "live arrays after " + iters[0] + " and " + iters[1] + " iterations");
    }

    @Test
    void epochRunEvaluatesKeepsBestAndLastCheckpointsAndLogs(@TempDir Path dir) throws IOException {
        TrainingConfig cfg = Runs.config("{\"train_cfg\":{\"by_epoch\":true,\"max_epochs\":4,\"val_interval\":1},"
                + "\"param_scheduler\":[{\"type\":\"MultiStepLR\",\"milestones\":[2],\"gamma\":0.1}],"
                + "\"default_hooks\":{\"logger\":{\"interval\":2},\"checkpoint\":{\"interval\":1,\"max_keep_ckpts\":2,"
                + "\"save_best\":\"val/err\",\"rule\":\"less\"}}}");
        double[] err = {0.5, 0.3, 0.4, 0.35};
        Runner.Result result;
        try (var r = Runner.<TinyBatch, TinyTask>builder(cfg, dir, m -> new TinyTask(m, TinyNet.Norm.BATCH), new TinySource(3, 4))
                .console(null).evaluator((task, ctx) -> Map.of("val/err", err[(int) ctx.epoch() - 1], "val/acc", 1.0)).build()) {
            result = r.train();
        }
        assertEquals(12, result.iterations());
        assertEquals(0.3, result.best().value());
        assertEquals(6, result.best().iteration());
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
        assertEquals(List.of("best_val_err_epoch_2.json", "config.json", "epoch_3.json", "epoch_4.json"), names);
        String log = Files.readString(dir.resolve("train.log"));
        assertAll(() -> assertTrue(log.contains("Epoch(train) [1][2/3]  lr: 1.0000e-03"), log),
                () -> assertTrue(log.contains("Epoch(train) [3][2/3]  lr: 1.0000e-04"), log),
                () -> assertTrue(log.lines().anyMatch(l -> l.startsWith("Epoch(val) [2]") && l.contains("  val/err: 0.3000")), log),
                () -> assertTrue(log.contains("param group default: lr 1.0000e-03, weight_decay 0.01000, 9 tensors"), log));
        List<JsonObject> val = Runs.scalars(dir, "val");
        assertEquals(4, val.size());
        assertEquals(6, val.get(1).get("iter").getAsInt());
        assertTrue(Files.readString(dir.resolve("config.json")).contains("\"save_best\": \"val/err\""));
        // an explicit checkpoint: the last epoch again, the interrupted evaluation of epoch 3 first, the best kept
        try (var r = Runner.<TinyBatch, TinyTask>builder(cfg, dir, m -> new TinyTask(m, TinyNet.Norm.BATCH), new TinySource(3, 4))
                .console(null).evaluator((task, ctx) -> Map.of("val/err", err[(int) ctx.epoch() - 1]))
                .resumeFrom(dir.resolve("epoch_3.json")).build()) {
            assertEquals(9, r.iteration());
            result = r.train();
        }
        assertEquals(12, result.iterations());
        assertEquals(new CheckpointMeta.Best("val/err", 0.3, 6), result.best());
        assertEquals(List.of(9, 12), Runs.scalars(dir, "val").subList(4, 6).stream().map(o -> o.get("iter").getAsInt()).toList());
    }
}
