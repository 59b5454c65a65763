package dev.densepred.tools;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.data.BatchSource;
import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Linear;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.nn.Sequential;
import dev.densepred.engine.runtime.Devices;
import dev.densepred.engine.train.Losses;
import dev.densepred.engine.train.Runner;
import dev.densepred.engine.train.StepContext;
import dev.densepred.engine.train.TrainTask;
import dev.densepred.engine.train.TrainingConfig;
import dev.densepred.engine.train.optim.AdamW;
import dev.densepred.engine.train.optim.Optimizer;
import dev.densepred.engine.train.optim.OptimizerSpec;
import dev.densepred.engine.train.optim.ParamGroup;
import dev.densepred.engine.train.optim.Sgd;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;

/**
 * {@code benchmark train-step}: what the training engine itself costs per optimizer step, on a parameter set shaped
 * exactly like ResNet-50's (25.6M parameters in 161 tensors): the update alone of AdamW and of SGD with momentum
 * (random float32 gradients), and per precision a whole runner iteration (AdamW) whose loss is a trivial function of
 * every parameter, so that the time is the engine's: loss scaling, backward into every parameter, gradient collection
 * and unscaling, the gradient norm, clipping, AdamW, the copy back into float16 leaves and zeroing.
 */
@Command(
        name = "train-step",
        mixinStandardHelpOptions = true,
        description = "Time the training engine's optimizer step on a ResNet-50-sized parameter set (fp32 and fp16).",
        footer = {"", "Examples:", "  densepred benchmark train-step", "  densepred benchmark train-step --device gpu:0 --iters 50"})
final class TrainStepBenchmark implements Callable<Integer> {

    @Option(names = "--device", defaultValue = "cpu", description = "Device (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--iters", defaultValue = "20", description = "Measured iterations (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", defaultValue = "5", description = "Iterations before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--json", description = "Also write the figures to this JSON file.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        // loads the native library before JniUtils is touched
        String engine = Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion();
        Module shapes = new Resnet50Parameters();
        out.printf(Locale.ROOT, "ResNet-50-shaped parameters: %,d in %d tensors; %s on %s, intra-op threads %d; median of %d after %d warm-up%n",
                shapes.parameterCount(), shapes.parameters().size(), engine, device, JniUtils.getNumThreads(), iters, warmup);
        JsonObject result = new JsonObject();
        result.addProperty("parameters", shapes.parameterCount());
        result.addProperty("device", device);
        double adamw = updateMillis(AdamW.Config.defaults());
        result.addProperty("adamw_update_ms", adamw);
        out.printf(Locale.ROOT, "%-40s %10.1f ms%n", "AdamW update alone (fp32 masters)", adamw);
        double sgd = updateMillis(new Sgd.Config(0.02, 0.9, 0, 1e-4, false));
        result.addProperty("sgd_update_ms", sgd);
        out.printf(Locale.ROOT, "%-40s %10.1f ms%n", "SGD momentum update alone (fp32 masters)", sgd);
        for (boolean fp16 : new boolean[] {false, true}) {
            double ms = runnerMillis(fp16);
            String key = fp16 ? "runner_iteration_fp16_ms" : "runner_iteration_fp32_ms";
            result.addProperty(key, ms);
            out.printf(Locale.ROOT, "%-40s %10.1f ms%n", "runner iteration, trivial loss, " + (fp16 ? "fp16" : "fp32"), ms);
        }
        if (json != null) {
            Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(result));
        }
        return 0;
    }

    /** Median milliseconds of one update by {@code spec}'s optimizer over every parameter, in one group. */
    private double updateMillis(OptimizerSpec spec) {
        try (NDManager m = NDManager.newBaseManager(Devices.parse(device))) {
            Module model = new Resnet50Parameters();
            model.initialize(m);
            Map<String, NDArray> masters = new LinkedHashMap<>();
            model.parameters().forEach((k, p) -> masters.put(k, p.array()));
            ParamGroup all = new ParamGroup("all", spec.lr(), spec.weightDecay(), List.copyOf(masters.keySet()));
            Optimizer optimizer = spec.build(List.of(all), masters, m);
            List<NDArray> grads = new ArrayList<>();
            masters.values().forEach(p -> grads.add(m.randomNormal(p.getShape()).mul(1e-3)));
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < warmup + iters; i++) {
                long t0 = System.nanoTime();
                optimizer.step(grads, new double[] {spec.lr()}, 1.0);
                // one element to the host: waits for the update to finish on an asynchronous device
                masters.values().iterator().next().getFloat(0, 0, 0, 0);
                if (i >= warmup) {
                    times.add((System.nanoTime() - t0) / 1e6);
                }
            }
            return median(times);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private double runnerMillis(boolean fp16) throws Exception {
        Path dir = Files.createTempDirectory("train-step");
        int n = warmup + iters;
        String cfg = String.format(Locale.ROOT, "{\"train_cfg\":{\"by_epoch\":false,\"max_iters\":%d,\"val_interval\":-1},"
                + "\"optim_wrapper\":{\"clip_grad\":{\"max_norm\":35}},\"fp16\":{\"enabled\":%s},\"devices\":[\"%s\"],"
                + "\"default_hooks\":{\"logger\":{\"interval\":1}}}", n, fp16, device);
        TrainingConfig config = TrainingConfig.from(Config.of(JsonParser.parseString(cfg).getAsJsonObject(), "train-step benchmark"));
        try (Runner<Integer, SumTask> runner = Runner.<Integer, SumTask>builder(config, dir, SumTask::new, new Batches())
                .console(null).build()) {
            runner.train();
        }
        // one logged line per iteration; the first ones are the warm-up
        List<Double> times = new ArrayList<>();
        List<String> lines = Files.readAllLines(dir.resolve("scalars.jsonl"));
        for (String line : lines.subList(warmup, lines.size())) {
            times.add(JsonParser.parseString(line).getAsJsonObject().get("time").getAsDouble() * 1000);
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
        return median(times);
    }

    /** Every parameter summed with a small weight: gradients reach all of them, the forward costs next to nothing. */
    private static final class SumTask implements TrainTask<Integer> {
        private final Module model = new Resnet50Parameters();

        SumTask(NDManager manager) {
            model.initialize(manager);
        }

        @Override
        public Module model() {
            return model;
        }

        @Override
        public Losses losses(Integer batch, StepContext ctx) {
            NDArray total = null;
            for (Parameter p : model.parameters().values()) {
                // a parameter's sum lands in the model's manager: move it to the step's scope before going on
                NDArray sum = p.array().sum();
                sum.attach(ctx.manager());
                NDArray s = Functional.toFloat32(sum);
                total = total == null ? s : total.add(s);
            }
            return new Losses().add("loss", Functional.mul(total, 1e-3));
        }
    }

    /** An endless supply of placeholder batches. */
    private static final class Batches implements BatchSource<Integer> {
        @Override
        public int batchesPerEpoch() {
            return 1000;
        }

        @Override
        public BatchIterator<Integer> epoch(long seed, int epoch, int start) {
            return new BatchIterator<>() {
                int next = start;

                @Override
                public boolean hasNext() {
                    return next < 1000;
                }

                @Override
                public Integer next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return next++;
                }

                @Override
                public void close() {}
            };
        }
    }

    /** torchvision's ResNet-50 parameter names and shapes (no forward: only the optimizer's view is measured). */
    private static final class Resnet50Parameters extends Module {
        Resnet50Parameters() {
            Conv2d.Options noBias = Conv2d.Options.defaults().withBias(false);
            addChild("conv1", new Conv2d(3, 64, 7, noBias));
            addChild("bn1", new BatchNorm2d(64));
            int in = 64;
            int[] blocks = {3, 4, 6, 3};
            for (int s = 0; s < 4; s++) {
                int width = 64 << s;
                Sequential<Module> stage = addChild("layer" + (s + 1), new Sequential<>());
                for (int b = 0; b < blocks[s]; b++) {
                    stage.add(new Bottleneck(in, width, b == 0));
                    in = width * 4;
                }
            }
            addChild("fc", new Linear(2048, 1000, true));
        }
    }

    private static final class Bottleneck extends Module {
        Bottleneck(int in, int width, boolean downsample) {
            Conv2d.Options noBias = Conv2d.Options.defaults().withBias(false);
            addChild("conv1", new Conv2d(in, width, 1, noBias));
            addChild("bn1", new BatchNorm2d(width));
            addChild("conv2", new Conv2d(width, width, 3, noBias));
            addChild("bn2", new BatchNorm2d(width));
            addChild("conv3", new Conv2d(width, width * 4, 1, noBias));
            addChild("bn3", new BatchNorm2d(width * 4));
            if (downsample) {
                Sequential<Module> d = addChild("downsample", new Sequential<>());
                d.add(new Conv2d(in, width * 4, 1, noBias));
                d.add(new BatchNorm2d(width * 4));
            }
        }
    }
}
