package dev.densepred.engine.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.util.cuda.CudaUtils;

import com.google.gson.GsonBuilder;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.data.BatchSource;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Devices;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.amp.LossScaler;
import dev.densepred.engine.train.amp.MixedPrecision;
import dev.densepred.engine.train.checkpoint.CheckpointHook;
import dev.densepred.engine.train.checkpoint.CheckpointMeta;
import dev.densepred.engine.train.checkpoint.CheckpointStore;
import dev.densepred.engine.train.log.TrainLogger;
import dev.densepred.engine.train.optim.OptimWrapper;
import dev.densepred.engine.train.optim.Optimizer;
import dev.densepred.engine.train.optim.OptimizerSpec;
import dev.densepred.engine.train.optim.ParamGroup;
import dev.densepred.engine.train.optim.ParamGroups;
import dev.densepred.engine.train.parallel.DataParallel;
import dev.densepred.engine.train.schedule.LrSchedule;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The training loop, the twin of mmengine's {@code Runner} with its epoch- and iteration-based train loops and
 * default hooks. One iteration is one optimizer step: {@code accumulative_counts} micro-batches per replica, each
 * forward and backward with the loss scaled; then gradients reduced over replicas and unscaled into float32, a
 * finiteness check, clipping, the optimizer (AdamW or SGD) on the float32 masters and the copy back into the model.
 * After the step come logging, periodic checkpoints, evaluation and the best checkpoint.
 *
 * <pre>{@code
 * TrainingConfig cfg = TrainingConfig.from(ConfigLoader.load(file));
 * try (Runner<DetBatch, MaskRcnnTask> runner = Runner.builder(cfg, workDir, MaskRcnnTask::new, cocoTrain)
 *         .evaluator(new CocoEvaluatorHook(cocoVal)).resume(true).build()) {
 *     runner.train();
 * }
 * }</pre>
 *
 * <p>Resuming ({@link Builder#resume}) continues from the newest complete checkpoint in the work directory with the
 * same weights, optimizer state, loss scale, data position and per-iteration random seeds, so it produces the same
 * losses as an uninterrupted run; the learning rate is a closed form of the iteration.
 *
 * @param <B> batch type
 * @param <T> task type
 */
public final class Runner<B, T extends TrainTask<B>> implements AutoCloseable {

    /**
     * What a finished run reports.
     *
     * @param iterations optimizer steps completed
     * @param lastMetrics the last evaluation's metrics (empty without evaluation)
     * @param best the best evaluation by {@code save_best}, or null
     */
    public record Result(long iterations, Map<String, Double> lastMetrics, CheckpointMeta.Best best) {}

    /** Collects a runner's collaborators and options. */
    public static final class Builder<B, T extends TrainTask<B>> {
        private final TrainingConfig config;
        private final Path workDir;
        private final TrainTask.Factory<T> tasks;
        private final BatchSource<B> data;
        private Evaluator<T> evaluator;
        private boolean resume;
        private Path resumeFrom;
        private Config resolved;
        private PrintStream console = System.out;

        private Builder(TrainingConfig config, Path workDir, TrainTask.Factory<T> tasks, BatchSource<B> data) {
            this.config = config;
            this.workDir = workDir;
            this.tasks = tasks;
            this.data = data;
        }

        /** The evaluation hook (none by default). */
        public Builder<B, T> evaluator(Evaluator<T> e) {
            this.evaluator = e;
            return this;
        }

        /** Continue from the newest complete checkpoint in the work directory, if there is one. */
        public Builder<B, T> resume(boolean on) {
            this.resume = on;
            return this;
        }

        /** Continue from this checkpoint's JSON file. */
        public Builder<B, T> resumeFrom(Path checkpointJson) {
            this.resumeFrom = checkpointJson;
            return this;
        }

        /** The full resolved config, dumped into the work directory as {@code config.json} (else only these sections). */
        public Builder<B, T> resolvedConfig(Config cfg) {
            this.resolved = cfg;
            return this;
        }

        /** Where log lines and progress go; null for none (the files are written regardless). */
        public Builder<B, T> console(PrintStream out) {
            this.console = out;
            return this;
        }

        /** Builds the replicas, mixed precision, optimizer and schedule, and loads the checkpoint to resume from. */
        public Runner<B, T> build() throws IOException {
            return new Runner<>(this);
        }
    }

    /** Starts a runner for {@code config}, writing into {@code workDir}. */
    public static <B, T extends TrainTask<B>> Builder<B, T> builder(
            TrainingConfig config, Path workDir, TrainTask.Factory<T> tasks, BatchSource<B> data) {
        return new Builder<>(config, workDir, tasks, data);
    }

    private final TrainingConfig config;
    private final Path workDir;
    private final BatchSource<B> data;
    private final Evaluator<T> evaluator;
    private final Config resolved;
    private final PrintStream console;
    private final boolean byEpoch;
    private final int replicas;
    private final int accumulation;
    private final long iterationsPerEpoch;
    private final long maxIters;
    private final long seed;
    private final DataParallel<B, T> parallel;
    private final MixedPrecision precision;
    private final ParamGroups groups;
    private final Optimizer optimizer;
    private final OptimWrapper optim;
    private final List<String> slotNames = new ArrayList<>();
    private final LossScaler scaler;
    private final CheckpointStore store;
    private final CheckpointHook checkpoints;
    private final List<String> notes = new ArrayList<>();
    private long iteration;
    private CheckpointMeta.Best best;
    private CheckpointStore.Entry resumedFrom;
    private TrainLogger logger;

    private Runner(Builder<B, T> b) throws IOException {
        this.config = b.config;
        this.workDir = b.workDir;
        this.data = b.data;
        this.evaluator = b.evaluator;
        this.resolved = b.resolved;
        this.console = b.console;
        this.byEpoch = config.trainCfg().byEpoch();
        this.accumulation = config.optimWrapper().accumulativeCounts();
        List<Device> devices = devices(config.devices());
        this.replicas = devices.size();
        int perStep = replicas * accumulation;
        this.iterationsPerEpoch = data.batchesPerEpoch() / perStep;
        if (iterationsPerEpoch < 1) {
            throw new IllegalArgumentException("the data source has " + data.batchesPerEpoch() + " batches per epoch, fewer than one"
                    + " step needs (" + replicas + " replicas x optim_wrapper.accumulative_counts " + accumulation + ")");
        }
        this.maxIters = byEpoch ? config.trainCfg().maxEpochs() * iterationsPerEpoch : config.trainCfg().maxIters();
        this.store = new CheckpointStore(workDir);
        store.removeLeftovers();
        CheckpointStore.Entry resumeEntry = findResume(b);
        this.seed = resumeEntry != null ? resumeEntry.meta().seed() : config.randomness().seed();
        if (resumeEntry != null && seed != config.randomness().seed()) {
            notes.add("randomness.seed " + config.randomness().seed() + " is ignored: the run continues with the checkpoint's seed " + seed);
        }

        Engine.getInstance().setRandomSeed(intSeed(mix(seed, -1)));
        this.parallel = new DataParallel<>(devices, b.tasks);
        try {
            Module model = parallel.replica(0).task().model();
            // master weights and optimizer state: long-lived, beside the model on the first device
            NDManager stateManager = parallel.replica(0).root().newSubManager();
            boolean fp16 = config.fp16().enabled();
            this.precision = new MixedPrecision(model, fp16, stateManager);
            for (int r = 0; r < replicas; r++) {
                parallel.replica(r).task().model().train(true);
                if (fp16 && r > 0) {
                    MixedPrecision.convertReplica(parallel.replica(r).task().model());
                }
            }
            parallel.broadcast(precision.masters());
            OptimizerSpec opt = config.optimWrapper().optimizerSpec();
            try {
                this.groups = ParamGroups.build(model, config.optimWrapper().paramwiseCfg(), opt.lr(), opt.weightDecay(),
                        parallel.replica(0).task().layerIds().orElse(null));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("optim_wrapper.paramwise_cfg: " + e.getMessage(), e);
            }
            this.optimizer = opt.build(groups.groups(), precision.masters(), stateManager);
            optimizer.slots().forEach(s -> slotNames.add(s.name()));
            LrSchedule schedule = LrSchedule.build(config.paramScheduler(), byEpoch, iterationsPerEpoch);
            this.optim = new OptimWrapper(optimizer, schedule, config.optimWrapper().clipGrad());
            this.scaler = new LossScaler(config.fp16());
            this.checkpoints = new CheckpointHook(config.defaultHooks().checkpoint(), byEpoch, iterationsPerEpoch, maxIters);
            if (resumeEntry != null) {
                restore(resumeEntry);
            }
        } catch (IOException | RuntimeException e) {
            parallel.close();
            throw e;
        }
    }

    private static List<Device> devices(List<String> names) {
        if (names.isEmpty()) {
            return List.of(Engine.getInstance().defaultDevice());
        }
        List<Device> out = new ArrayList<>();
        for (String n : names) {
            try {
                out.add(Devices.parse(n));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("devices: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private CheckpointStore.Entry findResume(Builder<B, T> b) throws IOException {
        if (b.resumeFrom != null) {
            CheckpointStore.Entry e = CheckpointStore.open(b.resumeFrom);
            store.verify(e);
            return e;
        }
        if (b.resume) {
            return store.latestValid(notes::add).orElse(null);
        }
        List<CheckpointStore.Entry> earlier = store.list();
        if (!earlier.isEmpty()) {
            // a fresh run here would mix its checkpoints with the earlier run's, and a later resume could pick theirs
            throw new IllegalStateException(workDir + " holds checkpoints of an earlier run (up to iteration "
                    + earlier.get(earlier.size() - 1).meta().iteration() + "): resume it (--resume) or use another work directory");
        }
        return null;
    }

    private void restore(CheckpointStore.Entry e) throws IOException {
        CheckpointMeta m = e.meta();
        if (m.batchesPerEpoch() != data.batchesPerEpoch() || m.replicas() != replicas || m.accumulativeCounts() != accumulation) {
            throw new IllegalArgumentException(e.json() + ": written with " + m.batchesPerEpoch() + " batches per epoch, " + m.replicas()
                    + " replicas and accumulative_counts " + m.accumulativeCounts() + "; this run has " + data.batchesPerEpoch() + ", "
                    + replicas + " and " + accumulation + ", so the data position would not match. Resume with the same data,"
                    + " devices and accumulation");
        }
        if (!optimizer.type().equals(m.optimizerType())) {
            throw new IllegalArgumentException(e.json() + ": written by optimizer " + m.optimizerType() + ", this run's"
                    + " optim_wrapper.optimizer is " + optimizer.type() + "; its state cannot continue another optimizer's. Resume with"
                    + " type \"" + m.optimizerType() + "\", or start a new run in another work directory");
        }
        NDManager scratch = parallel.replica(0).root();
        store.load(e, CheckpointStore.MODEL, precision.stateTensors(), scratch);
        Map<String, NDArray> state;
        try {
            state = optimizer.restore(m.optimizerSteps());
        } catch (IllegalArgumentException ex) {
            throw new IOException(e.json() + ": " + ex.getMessage(), ex);
        }
        store.load(e, CheckpointStore.OPTIMIZER, state, scratch);
        scaler.restore(m.lossScaler());
        parallel.broadcast(precision.masters());
        iteration = m.iteration();
        best = m.best();
        for (CheckpointStore.Entry other : store.list()) {
            CheckpointMeta.Best b = other.meta().best();
            if (b != null && b.metric().equals(config.defaultHooks().checkpoint().saveBest()) && checkpoints.improves(best, b.value())) {
                best = b;
            }
        }
        resumedFrom = e;
    }

    /** The first replica's task (its model holds the trained weights; float16 ones under mixed precision). */
    public T task() {
        return parallel.replica(0).task();
    }

    /** Optimizer steps completed so far. */
    public long iteration() {
        return iteration;
    }

    /** Trains to the end; throws {@link TrainingDivergedException} when a loss or the gradients diverge. */
    public Result train() throws IOException {
        Files.createDirectories(workDir);
        Files.writeString(workDir.resolve("config.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
                .serializeSpecialFloatingPointValues().create().toJson(resolved != null ? resolved.node() : config.toJson()));
        Device first = parallel.replica(0).device();
        LongSupplier gpuMemory = first.isGpu() ? () -> CudaUtils.getGpuMemory(first).getUsed() >> 20 : null;
        logger = new TrainLogger(workDir, console, config.defaultHooks().logger(), byEpoch, iterationsPerEpoch, maxIters, iteration, gpuMemory);
        Map<String, Double> lastMetrics = Map.of();
        try {
            describeSetup();
            if (resumedFrom != null && iteration > 0 && evalDue(iteration)) {
                // the run may have stopped during this evaluation; it does not change the training state
                lastMetrics = evaluate();
            }
            BatchIterator<B> batches = null;
            long openEpoch = -1;
            try {
                while (iteration < maxIters) {
                    long epoch = iteration / iterationsPerEpoch;
                    if (batches == null || epoch != openEpoch) {
                        if (batches != null) {
                            batches.close();
                        }
                        int start = (int) ((iteration % iterationsPerEpoch) * replicas * accumulation);
                        batches = data.epoch(seed, Math.toIntExact(epoch), start);
                        openEpoch = epoch;
                    }
                    step(batches, epoch);
                    iteration++;
                    if (checkpoints.due(iteration)) {
                        save("regular", checkpoints.name(iteration), null);
                    }
                    if (evalDue(iteration)) {
                        lastMetrics = evaluate();
                    }
                }
            } finally {
                if (batches != null) {
                    batches.close();
                }
            }
        } finally {
            logger.close();
        }
        return new Result(iteration, lastMetrics, best);
    }

    private void describeSetup() {
        notes.forEach(logger::info);
        List<String> devs = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            devs.add(Devices.name(parallel.replica(r).device()));
        }
        logger.info(String.format(Locale.ROOT, "devices %s, %d iterations per epoch (%d batches, %d replicas, accumulative_counts %d),"
                + " %d iterations, fp16 %s, seed %d", devs, iterationsPerEpoch, data.batchesPerEpoch(), replicas, accumulation, maxIters,
                config.fp16().enabled() ? "on (loss scale " + (scaler.isDynamic() ? "dynamic" : scaler.scale()) + ")" : "off", seed));
        for (ParamGroup g : groups.groups()) {
            logger.info(String.format(Locale.ROOT, "param group %s: lr %.4e, weight_decay %.4g, %d tensors", g.name(), g.lr(),
                    g.weightDecay(), g.params().size()));
        }
        for (String k : groups.unusedKeys()) {
            logger.info("warning: paramwise_cfg.custom_keys '" + k + "' matches no trainable parameter");
        }
        if (resumedFrom != null) {
            logger.info("resumed from " + resumedFrom.json() + " at iteration " + iteration);
        }
    }

    @SuppressWarnings("try") // the resource is a guard: grad mode or precision, restored on close
    private void step(BatchIterator<B> batches, long epoch) {
        long t0 = System.nanoTime();
        long dataNanos = 0;
        long it = iteration;
        Engine.getInstance().setRandomSeed(intSeed(mix(seed, it)));
        double scale = scaler.scale();
        Map<String, Double> sums = new LinkedHashMap<>();
        List<DataParallel.LossValues> seen = new ArrayList<>();
        boolean nanLoss = false;
        boolean infLoss = false;
        for (int micro = 0; micro < accumulation; micro++) {
            List<B> batch = new ArrayList<>(replicas);
            for (int r = 0; r < replicas; r++) {
                long d0 = System.nanoTime();
                if (!batches.hasNext()) {
                    throw new IllegalStateException("the data source's epoch " + (epoch + 1) + " ended before its " + data.batchesPerEpoch()
                            + " batches (iteration " + (it + 1) + ")");
                }
                batch.add(batches.next());
                dataNanos += System.nanoTime() - d0;
            }
            int m = micro;
            List<DataParallel.LossValues> values = parallel.forwardBackward(batch, scale / accumulation,
                    (r, device, scope) -> new StepContext(scope, device, precision.inputType(), it, (int) epoch, r, mix(seed, it, m, r)));
            seen.addAll(values);
            for (DataParallel.LossValues v : values) {
                for (int i = 0; i < v.values().length; i++) {
                    float x = v.values()[i];
                    String name = v.names().get(i);
                    sums.merge(name, (double) x, Double::sum);
                    // only the summed entries matter; an undefined accuracy must not stop training
                    if (Losses.isLoss(name)) {
                        nanLoss |= Float.isNaN(x);
                        infLoss |= Float.isInfinite(x);
                    }
                }
            }
        }
        double gradNorm;
        boolean overflow;
        try (Scope scope = Scope.open(parallel.replica(0).root()); Autograd.Recording off = Autograd.noGrad()) {
            List<NDArray> grads = parallel.gradients(scope.manager(), slotNames, 1.0 / (replicas * scale));
            gradNorm = optim.gradNorm(grads);
            boolean fp16 = precision.enabled();
            if (nanLoss || (infLoss && !fp16)) {
                throw diverged(it, "the loss is not finite", seen, gradNorm);
            }
            overflow = infLoss || !Double.isFinite(gradNorm);
            if (overflow && !fp16) {
                throw diverged(it, "the gradient norm is not finite", seen, gradNorm);
            }
            if (!overflow) {
                optim.step(grads, it, gradNorm);
                parallel.broadcast(precision.masters());
            }
        }
        parallel.zeroGradients();
        if (precision.enabled()) {
            scaler.update(overflow);
            if (scaler.exhausted()) {
                throw diverged(it, "the gradients overflowed in " + scaler.state().consecutiveSkips()
                        + " steps in a row (loss scale now " + scaler.scale() + ")", seen, gradNorm);
            }
        }
        Map<String, Double> means = new LinkedHashMap<>();
        sums.forEach((k, v) -> means.put(k, v / (replicas * accumulation)));
        logger.step(new TrainLogger.Step(it + 1, optim.lr(it), means, gradNorm, scale, scaler.state().skippedSteps(),
                (System.nanoTime() - t0) / 1e9, dataNanos / 1e9));
    }

    /** The error for a diverged step; {@code losses} holds every micro-batch's values, replica by replica. */
    private TrainingDivergedException diverged(long it, String what, List<DataParallel.LossValues> losses, double gradNorm) {
        StringBuilder values = new StringBuilder();
        for (int k = 0; k < losses.size(); k++) {
            DataParallel.LossValues v = losses.get(k);
            values.append(k == 0 ? "" : "; ").append("micro-batch ").append(k / replicas).append(" replica ").append(k % replicas).append(':');
            for (int i = 0; i < v.values().length; i++) {
                values.append(i == 0 ? " " : ", ").append(v.names().get(i)).append('=').append(v.values()[i]);
            }
        }
        String last;
        try {
            last = store.list().stream().reduce((a, b) -> b).map(e -> e.json().getFileName() + " (iteration "
                    + e.meta().iteration() + ")").orElse("none");
        } catch (IOException e) {
            last = "unknown (" + e.getMessage() + ")";
        }
        // 1-based, as the log lines and checkpoint names count
        String msg = "training stopped at iteration " + (it + 1) + " (epoch " + (it / iterationsPerEpoch + 1) + "): " + what + "; losses: "
                + values + "; grad_norm=" + gradNorm + ". Nothing was saved for this iteration; the last checkpoint is " + last;
        logger.fileOnly("error: " + msg);
        return new TrainingDivergedException(it, msg);
    }

    private boolean evalDue(long it) {
        TrainingConfig.Loop loop = config.trainCfg();
        if (evaluator == null || loop.valInterval() < 0) {
            return false;
        }
        if (byEpoch) {
            if (it % iterationsPerEpoch != 0) {
                return false;
            }
            long e = it / iterationsPerEpoch;
            return e >= loop.valBegin() && (e % loop.valInterval() == 0 || e == loop.maxEpochs());
        }
        return it >= loop.valBegin() && (it % loop.valInterval() == 0 || it == maxIters);
    }

    @SuppressWarnings("try") // the resource is a guard: grad mode or precision, restored on close
    private Map<String, Double> evaluate() {
        T task = parallel.replica(0).task();
        Module model = task.model();
        long t0 = System.nanoTime();
        Map<String, Double> metrics;
        model.train(false);
        try (MixedPrecision.Restore fp32 = precision.fullPrecision();
                Autograd.Recording off = Autograd.noGrad();
                NDManager manager = parallel.replica(0).root().newSubManager()) {
            PrintStream out = console != null ? console : new PrintStream(OutputStream.nullOutputStream());
            EvalContext ctx = new EvalContext(manager, parallel.replica(0).device(), iteration, iteration / iterationsPerEpoch, out);
            metrics = evaluator.evaluate(task, ctx);
        } finally {
            model.train(true);
        }
        logger.eval(iteration, metrics, (System.nanoTime() - t0) / 1e9);
        String metric = config.defaultHooks().checkpoint().saveBest();
        if (metric != null) {
            Double value = metrics.get(metric);
            if (value == null) {
                throw new ConfigException("default_hooks.checkpoint.save_best: metric '" + metric + "' is not among the evaluator's "
                        + metrics.keySet());
            }
            if (checkpoints.improves(best, value)) {
                best = new CheckpointMeta.Best(metric, value, iteration);
                save("best", checkpoints.bestName(iteration), metrics);
            }
        }
        return metrics;
    }

    private void save(String kind, String name, Map<String, Double> metrics) {
        Map<String, Long> steps = new LinkedHashMap<>();
        optimizer.slots().forEach(s -> steps.put(s.name(), s.step()));
        CheckpointMeta meta = new CheckpointMeta(CheckpointMeta.FORMAT, kind, iteration, iteration / iterationsPerEpoch,
                iteration % iterationsPerEpoch, iterationsPerEpoch, data.batchesPerEpoch(), replicas, accumulation, seed,
                scaler.state(), optimizer.type(), steps, best, metrics, null, null);
        try {
            store.save(name, precision.stateTensors(), optimizer.stateTensors(), meta);
            checkpoints.prune(store);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save checkpoint " + workDir.resolve(name + ".json") + ": " + e.getMessage(), e);
        }
        logger.info("saved checkpoint " + name + " (iteration " + iteration + ")");
    }

    /** A well-mixed 64-bit function of the run seed and indices (murmur3's finaliser over a running hash). */
    static long mix(long seed, long... indices) {
        long h = seed ^ 0x9E3779B97F4A7C15L;
        for (long i : indices) {
            h = fmix(h ^ fmix(i + 0x632BE59BD9B4E019L));
        }
        return fmix(h);
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    private static int intSeed(long h) {
        return (int) (h ^ (h >>> 32)) & Integer.MAX_VALUE;
    }

    @Override
    public void close() {
        parallel.close();
    }
}
