package dev.densepred.tools;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.runtime.Devices;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code env}: what this installation runs on, proven by a small convolution. */
@Command(
        name = "env",
        mixinStandardHelpOptions = true,
        description = "Print Java, DJL and PyTorch versions, devices and thread counts, and run a small convolution to prove the native library works.",
        footer = {"", "Examples:", "  densepred env", "  densepred env --no-check"})
final class EnvCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--no-check", negatable = true, defaultValue = "true", description = "Run a 3x3 convolution forward pass (default: true).")
    boolean check;

    @Override
    public Integer call() {
        PrintStream out = WriterStream.of(spec.commandLine().getOut());
        Engine engine = Engine.getInstance();
        out.printf("java            %s (%s)%n", System.getProperty("java.version"), System.getProperty("java.vm.name"));
        out.printf("os              %s %s%n", System.getProperty("os.name"), System.getProperty("os.arch"));
        out.printf("djl             %s%n", Engine.getDjlVersion());
        out.printf("engine          %s %s%n", engine.getEngineName(), engine.getVersion());
        out.printf("offline         %s%n", System.getProperty("ai.djl.offline", "false"));
        out.printf("devices         %s%n", Devices.available());
        out.printf("torch threads   intra-op %d, inter-op %d%n", JniUtils.getNumThreads(), JniUtils.getNumInteropThreads());
        out.printf("cpu cores       %d%n", Runtime.getRuntime().availableProcessors());
        out.printf("max heap        %d MiB%n", Runtime.getRuntime().maxMemory() >> 20);
        if (check) {
            try (NDManager m = NDManager.newBaseManager()) {
                engine.setRandomSeed(0);
                Conv2d conv = new Conv2d(3, 8, 3, Conv2d.Options.defaults().withPadding(1));
                conv.initialize(m);
                NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(1, 3, 32, 32));
                NDArray y = conv.forward(x);
                out.printf("check           conv 3x3 forward %s -> %s on %s: ok%n", x.getShape(), y.getShape(), y.getDevice());
            }
        }
        return 0;
    }
}
