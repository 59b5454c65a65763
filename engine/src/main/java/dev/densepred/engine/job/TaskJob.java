package dev.densepred.engine.job;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.train.Runner;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one model family (instance segmentation, semantic segmentation) offers the command line. The commands in
 * {@code tools} pick the family from the config ({@link #handles}) and call it; every method reads only the resolved
 * config and the files named, and prints progress and tables to {@code out}.
 */
public interface TaskJob {

    /** A short name for messages, e.g. "detection". */
    String name();

    /** Whether {@code cfg} describes a model of this family (usually by {@code model.type}). */
    boolean handles(Config cfg);

    /**
     * Trains as the config says, writing checkpoints, logs and the resolved config into {@code workDir};
     * {@code resume} continues from the latest complete checkpoint there.
     */
    Runner.Result train(Config cfg, Path workDir, boolean resume, PrintStream out) throws IOException;

    /**
     * Evaluates {@code checkpoint} (null: the freshly initialised model, for an untrained baseline) on the
     * config's test set and returns the metrics by name (e.g. {@code bbox_mAP}, {@code segm_mAP}, {@code mIoU}).
     */
    Map<String, Double> test(Config cfg, Path checkpoint, TestOptions options, PrintStream out) throws IOException;

    /** Predicts on {@code images} and writes one PNG per image with the prediction drawn into {@code outDir}. */
    List<Path> infer(Config cfg, Path checkpoint, List<Path> images, Path outDir, PrintStream out) throws IOException;

    /** Writes PNGs of what the training pipeline feeds the model (augmented images, targets drawn). */
    List<Path> browse(Config cfg, Path outDir, int count, PrintStream out) throws IOException;

    /** Measures training step time, inference throughput and memory for the config, and prints a table. */
    Map<String, Double> benchmark(Config cfg, BenchmarkOptions options, PrintStream out) throws IOException;

    /**
     * Options of {@link #test}.
     *
     * @param augTest multi-scale and flip testing where the family supports it
     * @param resultsOut where to write the results file (COCO results JSON), or null
     * @param showDir where to write visualisations of the predictions, or null
     */
    record TestOptions(boolean augTest, Path resultsOut, Path showDir) {}

    /**
     * Options of {@link #benchmark}.
     *
     * @param iterations timed iterations per measurement
     * @param warmup untimed iterations before them
     * @param inputSize {@code [height, width]} of the synthetic input, or null for the config's test size
     * @param batchSize images per training step
     * @param jsonOut where to write the figures as JSON, or null
     */
    record BenchmarkOptions(int iterations, int warmup, int[] inputSize, int batchSize, Path jsonOut) {}
}
