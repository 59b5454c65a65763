package dev.densepred.engine.train.log;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The training log, the twin of mmengine's {@code LoggerHook}: every {@code interval} iterations one text line with
 * the means over the window (mmengine's smoothing), on the console and in {@code train.log}, and the same scalars as
 * one JSON object per line in {@code scalars.jsonl}; evaluation results go to both as well. Files are appended to,
 * so a resumed run continues them.
 *
 * <pre>
 * Epoch(train) [3][ 50/100]  lr: 2.0000e-04  eta: 0:01:23  time: 0.2512  data_time: 0.0103  memory: 1234  grad_norm: 3.2100
 *   loss: 0.8123  loss_cls: 0.5012  loss_bbox: 0.3111  loss_scale: 65536  skipped: 0
 * </pre>
 *
 * (one line in practice; "Iter(train) [  50/160000]" for iteration-based runs).
 */
public final class TrainLogger implements AutoCloseable {

    /**
     * {@code default_hooks.logger}.
     *
     * @param interval iterations per logged line
     */
    public record Config(int interval) {
        public Config {
            if (interval < 1) {
                throw new IllegalArgumentException("interval must be at least 1, got " + interval);
            }
        }

        public static Config defaults() {
            return new Config(50);
        }
    }

    /**
     * What one optimizer step reports.
     *
     * @param iteration steps completed, including this one
     * @param lr scheduled base learning rate of the step
     * @param losses mean of every loss entry over micro-batches and replicas
     * @param gradNorm total gradient norm (after unscaling, before clipping)
     * @param lossScale scale used for the step (1 without mixed precision)
     * @param skippedSteps steps skipped for overflow in the whole run so far
     * @param seconds the step's wall time, data included
     * @param dataSeconds time spent waiting for batches
     */
    public record Step(long iteration, double lr, Map<String, Double> losses, double gradNorm, double lossScale,
            long skippedSteps, double seconds, double dataSeconds) {}

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();

    private final Config config;
    private final PrintStream console;
    private final BufferedWriter text;
    private final BufferedWriter scalars;
    private final boolean byEpoch;
    private final long iterationsPerEpoch;
    private final long maxIters;
    private final LongSupplier gpuMemory;
    private final long startIteration;
    private final Map<String, Double> windowLosses = new LinkedHashMap<>();
    private double windowSeconds;
    private double windowData;
    private double windowGradNorm;
    private int windowSteps;
    private double runSeconds;

    /**
     * A logger writing into {@code workDir}.
     *
     * @param console where lines are echoed, or null
     * @param startIteration the iteration this run starts at (for the ETA)
     * @param gpuMemory MiB used on the first GPU, or null on CPU
     */
    public TrainLogger(Path workDir, PrintStream console, Config config, boolean byEpoch, long iterationsPerEpoch, long maxIters,
            long startIteration, LongSupplier gpuMemory) throws IOException {
        Files.createDirectories(workDir);
        this.config = config;
        this.console = console;
        this.byEpoch = byEpoch;
        this.iterationsPerEpoch = iterationsPerEpoch;
        this.maxIters = maxIters;
        this.startIteration = startIteration;
        this.gpuMemory = gpuMemory;
        this.text = open(workDir.resolve("train.log"));
        this.scalars = open(workDir.resolve("scalars.jsonl"));
    }

    private static BufferedWriter open(Path p) throws IOException {
        return Files.newBufferedWriter(p, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A free-form line (setup, warnings, checkpoints) on the console and in {@code train.log}. */
    public void info(String line) {
        if (console != null) {
            console.println(line);
        }
        write(text, line);
    }

    /** A line in {@code train.log} only, for what reaches the console another way (the exception that stops a run). */
    public void fileOnly(String line) {
        write(text, line);
    }

    /** Records a step; writes the window's line when the step closes a logging interval or the run. */
    public void step(Step s) {
        s.losses().forEach((k, v) -> windowLosses.merge(k, v, Double::sum));
        windowSeconds += s.seconds();
        windowData += s.dataSeconds();
        windowGradNorm += s.gradNorm();
        windowSteps++;
        runSeconds += s.seconds();
        if (s.iteration() % config.interval() != 0 && s.iteration() != maxIters) {
            return;
        }
        double n = windowSteps;
        JsonObject json = new JsonObject();
        json.addProperty("mode", "train");
        json.addProperty("epoch", epochOf(s.iteration()));
        json.addProperty("iter", s.iteration());
        json.addProperty("lr", s.lr());
        double total = 0;
        Map<String, Double> means = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : windowLosses.entrySet()) {
            double mean = e.getValue() / n;
            means.put(e.getKey(), mean);
            if (e.getKey().contains("loss")) {
                total += mean;
            }
        }
        json.addProperty("loss", total);
        means.forEach(json::addProperty);
        json.addProperty("grad_norm", windowGradNorm / n);
        json.addProperty("loss_scale", s.lossScale());
        json.addProperty("skipped_steps", s.skippedSteps());
        json.addProperty("time", windowSeconds / n);
        json.addProperty("data_time", windowData / n);
        double eta = runSeconds / (s.iteration() - startIteration) * (maxIters - s.iteration());
        json.addProperty("eta_seconds", eta);
        long rss = ResidentMemory.megabytes();
        if (rss >= 0) {
            json.addProperty("memory", rss);
        }
        if (gpuMemory != null) {
            json.addProperty("gpu_memory", gpuMemory.getAsLong());
        }
        write(scalars, GSON.toJson(json));

        StringBuilder line = new StringBuilder(position(s.iteration()));
        line.append(String.format(Locale.ROOT, "  lr: %.4e  eta: %s  time: %.4f  data_time: %.4f", s.lr(), Durations.format(eta),
                windowSeconds / n, windowData / n));
        if (rss >= 0) {
            line.append("  memory: ").append(rss);
        }
        if (gpuMemory != null) {
            line.append("  gpu_memory: ").append(json.get("gpu_memory").getAsLong());
        }
        line.append(String.format(Locale.ROOT, "  grad_norm: %.4f  loss: %.4f", windowGradNorm / n, total));
        means.forEach((k, v) -> line.append(String.format(Locale.ROOT, "  %s: %.4f", k, v)));
        line.append(String.format(Locale.ROOT, "  loss_scale: %.0f  skipped: %d", s.lossScale(), s.skippedSteps()));
        info(line.toString());
        windowLosses.clear();
        windowSeconds = 0;
        windowData = 0;
        windowGradNorm = 0;
        windowSteps = 0;
    }

    /** Logs an evaluation's metrics after {@code iteration} steps. */
    public void eval(long iteration, Map<String, Double> metrics, double seconds) {
        JsonObject json = new JsonObject();
        json.addProperty("mode", "val");
        json.addProperty("epoch", epochOf(iteration));
        json.addProperty("iter", iteration);
        metrics.forEach(json::addProperty);
        json.addProperty("time", seconds);
        write(scalars, GSON.toJson(json));
        StringBuilder line = new StringBuilder(byEpoch ? "Epoch(val) [" + epochOf(iteration) + "]" : "Iter(val) [" + iteration + "]");
        metrics.forEach((k, v) -> line.append(String.format(Locale.ROOT, "  %s: %.4f", k, v)));
        line.append(String.format(Locale.ROOT, "  time: %.1f s", seconds));
        info(line.toString());
    }

    private long epochOf(long iteration) {
        return byEpoch ? (iteration + iterationsPerEpoch - 1) / iterationsPerEpoch : iteration / iterationsPerEpoch;
    }

    private String position(long iteration) {
        if (!byEpoch) {
            int w = Long.toString(maxIters).length();
            return String.format("Iter(train) [%" + w + "d/%d]", iteration, maxIters);
        }
        long epoch = (iteration - 1) / iterationsPerEpoch + 1;
        long inEpoch = (iteration - 1) % iterationsPerEpoch + 1;
        int w = Long.toString(iterationsPerEpoch).length();
        return String.format("Epoch(train) [%d][%" + w + "d/%d]", epoch, inEpoch, iterationsPerEpoch);
    }

    private static void write(BufferedWriter w, String line) {
        try {
            w.write(line);
            w.newLine();
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training log: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        try (text; scalars) {
            text.flush();
            scalars.flush();
        }
    }
}
