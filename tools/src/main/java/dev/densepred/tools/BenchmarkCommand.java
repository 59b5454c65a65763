package dev.densepred.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code benchmark}: a group of measurements, one subcommand each. Each prints a table and can write JSON, so the
 * README's figures can be reproduced with the command shown next to them.
 */
@Command(
        name = "benchmark",
        mixinStandardHelpOptions = true,
        description = "Measure speed and memory (subcommands below).",
        subcommands = {
            DataBenchmark.class,
            OpsBenchmark.class,
            TrainStepBenchmark.class,
            CocoLoadBenchmark.class,
            CocoEvalBenchmark.class,
            BackboneBenchmark.class,
            ModelBenchmark.class,
        })
final class BenchmarkCommand implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
