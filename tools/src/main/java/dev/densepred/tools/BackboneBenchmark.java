package dev.densepred.tools;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.cuda.CudaUtils;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.convnext.ConvNeXt;
import dev.densepred.backbone.mambaout.MambaOut;
import dev.densepred.backbone.mambavision.MambaVision;
import dev.densepred.backbone.resnet.ResNet;
import dev.densepred.backbone.vim.Vim;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Devices;
import dev.densepred.engine.train.amp.MixedPrecision;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code benchmark backbone}: forward latency and throughput of the MambaOut backbone (dense-prediction mode: the
 * four stage maps with their output norms) per size, input size and batch, with its parameter count and
 * multiply-accumulates, optionally against timm's model traced to TorchScript and run by the same native library
 * through DJL. The two models alternate, iteration by iteration, so that a busy machine slows both alike.
 *
 * <p>With {@code --compare}, it instead tabulates the registered backbones side by side (MambaOut-T, ResNet-50,
 * ConvNeXt-T, MambaVision-T, Vim-T/S): parameters, MACs, forward and forward+backward time and peak memory.
 */
@Command(
        name = "backbone",
        mixinStandardHelpOptions = true,
        description = "Time the MambaOut backbone forward pass (and timm's TorchScript, if given) per size, input size and batch.",
        footer = {"", "Examples:",
                "  densepred benchmark backbone --sizes tiny --resolutions 224x224 --batches 1",
                "  densepred benchmark backbone --sizes tiny --torchscript mambaout_tiny_features.pt --weights mambaout_tiny_timm.pth",
                "  densepred benchmark backbone --sizes femto,tiny,small,base --resolutions 224x224,800x1216 --batches 1,8 --json out.json",
                "  densepred benchmark backbone --compare all --resolutions 800x1216,512x512 --warmup 1 --iterations 1"})
final class BackboneBenchmark implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--sizes", split = ",", defaultValue = "femto,kobe,tiny,small,base",
            description = "MambaOut sizes (femto, kobe, tiny, small, base, timm's small_rw, base_short_rw, base_tall_rw, base_wide_rw, base_plus_rw, or mini). Default: ${DEFAULT-VALUE}.")
    List<String> sizes;

    @Option(names = "--resolutions", split = ",", defaultValue = "224x224,800x1216",
            description = "Input sizes HxW. Default: ${DEFAULT-VALUE}.")
    List<String> resolutions;

    @Option(names = "--batches", split = ",", defaultValue = "1,8", description = "Batch sizes. Default: ${DEFAULT-VALUE}.")
    List<Integer> batches;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed passes per case. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--iterations", defaultValue = "5", description = "Timed passes per case. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--torchscript", paramLabel = "[SIZE=]FILE",
            description = "timm's model traced to TorchScript, returning the four stage maps (see docs/backbones.md); "
                    + "SIZE= may be left out when one size is benchmarked. Repeatable.")
    List<String> torchscript = new ArrayList<>();

    @Option(names = "--weights", paramLabel = "[SIZE=]FILE",
            description = "Weights (timm or official names, .safetensors or .pth) for our model, e.g. the traced model's state_dict, "
                    + "so that the outputs of both can be compared. Repeatable.")
    List<String> weights = new ArrayList<>();

    @Option(names = "--threads", description = "PyTorch intra-op threads (default: the engine's choice).")
    Integer threads;

    @Option(names = "--train",
            description = "Time forward + backward (loss: the sum of the maps' means) instead of the forward alone; the "
                    + "TorchScript then runs with gradients on its parameters. Stochastic depth is off on our side, "
                    + "as in the traced model.")
    boolean train;

    @Option(names = "--fp16",
            description = "Hold convolution and linear weights and the input in float16, as fp16 training does (norms stay "
                    + "float32). The TorchScript is float32 only, so --torchscript is refused with it; the float16 peer is "
                    + "timm under torch.autocast (tools/python/timm_peer.py).")
    boolean fp16;

    @Option(names = "--clock", defaultValue = "wall",
            description = "wall (elapsed time) or cpu (CPU time of the calling thread, needs --threads 1; steady when other jobs share the machine). Default: ${DEFAULT-VALUE}.")
    String clock;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--compare", split = ",", paramLabel = "NAME",
            description = "Compare backbones instead (dense mode, batch 1, at --resolutions): any of "
                    + "mambaout_tiny, resnet50, resnet50_v1c, convnext_tiny, mambavision_t, vim_t, vim_s, or 'all'. Prints params, MACs, "
                    + "forward and forward+backward time and peak memory per backbone and input size.")
    List<String> compare = new ArrayList<>();

    @Option(names = "--skip", split = ",", paramLabel = "NAME@HxW",
            description = "With --compare: forward+backward cases not to run (e.g. vim_t@800x1216 where memory does not allow).")
    List<String> skip = new ArrayList<>();

    /** One measured case. */
    record Result(String size, int batch, int height, int width, long params, long macsPerImage,
                  double oursMedianMs, double oursMinMs, double oursPeakMib, Double torchscriptMedianMs, Double torchscriptMinMs,
                  Double maxAbsDiff) {}

    @Override
    public Integer call() throws IOException, MalformedModelException {
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --iterations >= 1");
        }
        if (!clock.equals("wall") && !clock.equals("cpu")) {
            throw new IllegalArgumentException("--clock must be wall or cpu, got '" + clock + "'");
        }
        if (clock.equals("cpu") && (threads == null || threads != 1)) {
            throw new IllegalArgumentException("--clock cpu measures the calling thread only: add --threads 1");
        }
        if (!compare.isEmpty()) {
            return compareBackbones();
        }
        Map<String, Path> traced = perSize("--torchscript", torchscript);
        if (fp16 && !traced.isEmpty()) {
            throw new IllegalArgumentException("--fp16 times our model alone: the TorchScript runs in float32 (its float16 peer is "
                    + "timm under torch.autocast, tools/python/timm_peer.py)");
        }
        Map<String, Path> weightFiles = perSize("--weights", weights);
        List<int[]> sizesHw = new ArrayList<>();
        for (String r : resolutions) {
            sizesHw.add(HeightWidth.parse("--resolutions", r));
        }
        Device dev = startEngine();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s, %s, %s, %d warm-up + %d timed passes, %s time in ms (median / min); peak: %s%n",
                engineLine(dev), train ? "forward + backward" : "forward",
                fp16 ? "float16 weights and input" : "float32", warmup, iterations, clock,
                dev.isGpu() ? "GPU memory in use after our pass (the caching allocator keeps its peak)" : "resident-set growth during our pass");
        out.printf(sizeColumn() + " %-12s %8s %8s %17s %8s %9s %17s %7s %9s%n",
                "size", "input", "params", "GMACs", "ours", "img/s", "peak MiB", "torchscript", "ratio", "max|diff|");
        out.flush();
        List<Result> results = new ArrayList<>();
        for (String size : sizes) {
            MambaOut.Config config = MambaOut.Config.named(size);
            try (NDManager root = NDManager.newBaseManager(dev); Model ts = traced.containsKey(size) ? loadTorchScript(traced.get(size), dev, train) : null) {
                Engine.getInstance().setRandomSeed(0);
                MambaOut model = new MambaOut(train ? config.withDropPathRate(0) : config);
                model.initialize(root);
                if (weightFiles.containsKey(size)) {
                    model.loadPretrained(weightFiles.get(size));
                }
                if (fp16) {
                    MixedPrecision.convertReplica(model);
                }
                model.train(train);
                for (int[] hw : sizesHw) {
                    for (int batch : batches) {
                        Result r = measure(size, model, ts, root, batch, hw[0], hw[1], weightFiles.containsKey(size));
                        results.add(r);
                        print(out, r);
                    }
                }
            }
        }
        if (json != null) {
            writeJson(results);
        }
        return 0;
    }

    private Result measure(String size, MambaOut model, Model ts, NDManager root, int batch, int h, int w, boolean sameWeights) {
        double[] ours = new double[iterations];
        double[] script = ts == null ? null : new double[iterations];
        double peakMib = 0;
        Double diff = null;
        Device dev = root.getDevice();
        try (NDManager inputs = root.newSubManager()) {
            NDArray images = inputs.randomNormal(new Shape(batch, 3, h, w));
            if (fp16) {
                images = images.toType(DataType.FLOAT16, false);
            }
            for (int it = -warmup; it < iterations; it++) {
                try (NDManager m = root.newSubManager()) {
                    // Alternate which model goes first, so that neither always finds the caches warm.
                    boolean oursFirst = ts == null || (it & 1) == 0;
                    NDArray x = images.duplicate(); // in m, where the pass's arrays (and the autograd graph) go
                    x.attach(m);
                    NDList traced = oursFirst ? null : timeTorchScript(ts, x, m, script, it);
                    long base = dev.isGpu() ? 0 : PeakMemory.reset();
                    long t0 = now();
                    List<NDArray> maps;
                    try (Autograd.Recording r = train ? Autograd.record() : Autograd.noGrad()) {
                        maps = model.forward(x);
                        backwardIfTraining(maps);
                    }
                    sync(maps.get(maps.size() - 1));
                    long t1 = now();
                    if (it >= 0) {
                        ours[it] = (t1 - t0) / 1e6;
                        long used = dev.isGpu() ? CudaUtils.getGpuMemory(dev).getUsed() : PeakMemory.peak() - base;
                        peakMib = Math.max(peakMib, used / 1048576.0);
                    }
                    if (oursFirst && ts != null) {
                        traced = timeTorchScript(ts, x, m, script, it);
                    }
                    if (traced != null && it == -warmup && sameWeights) {
                        diff = maxAbsDiff(maps, traced);
                    }
                    for (NDArray map : maps) {
                        map.close();
                    }
                }
            }
        }
        return new Result(size, batch, h, w, model.parameterCount(), model.macs(h, w), median(ours), min(ours), peakMib,
                script == null ? null : median(script), script == null ? null : min(script), diff);
    }

    private NDList timeTorchScript(Model ts, NDArray images, NDManager m, double[] times, int it) {
        long t0 = now();
        NDList traced;
        try (Autograd.Recording r = train ? Autograd.record() : Autograd.noGrad()) {
            traced = ((PtSymbolBlock) ts.getBlock()).forward(new ParameterStore(m, false), new NDList(images), train);
            backwardIfTraining(traced);
        }
        sync(traced.get(traced.size() - 1));
        long t1 = now();
        if (it >= 0) {
            times[it] = (t1 - t0) / 1e6;
        }
        return traced;
    }

    private long now() {
        return clock.equals("cpu") ? ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** CPU ops return when done; on a GPU, reading one value waits for the queued kernels. */
    private static void sync(NDArray last) {
        if (last.getDevice().isGpu()) {
            last.max().getFloat();
        }
    }

    private static double maxAbsDiff(List<NDArray> ours, NDList traced) {
        if (traced.size() != ours.size()) {
            throw new IllegalArgumentException("the TorchScript returned " + traced.size() + " maps, ours " + ours.size()
                    + ": trace the four stage maps as docs/backbones.md shows");
        }
        double worst = 0;
        for (int i = 0; i < ours.size(); i++) {
            if (!ours.get(i).getShape().equals(traced.get(i).getShape())) {
                throw new IllegalArgumentException("map " + i + ": ours " + ours.get(i).getShape() + ", TorchScript " + traced.get(i).getShape());
            }
            worst = Math.max(worst, ours.get(i).sub(traced.get(i)).abs().max().getFloat());
        }
        return worst;
    }

    private static Model loadTorchScript(Path file, Device dev, boolean train) throws IOException, MalformedModelException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such TorchScript file");
        }
        Model model = Model.newInstance(file.getFileName().toString(), dev, "PyTorch");
        model.load(file, null, Map.of("trainParam", Boolean.toString(train))); // trainParam: parameters that take gradients
        return model;
    }

    /** Loads the native library (before any direct JNI call), applies {@code --threads} and returns {@code --device}. */
    private Device startEngine() {
        Engine.getInstance();
        Device dev = Devices.parse(device);
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        return dev;
    }

    /** The first words of both tables' header: engine, device and thread count. */
    private static String engineLine(Device dev) {
        Engine engine = Engine.getInstance();
        return String.format(Locale.ROOT, "engine %s %s, device %s, intra-op threads %d", engine.getEngineName(), engine.getVersion(),
                Devices.name(dev), JniUtils.getNumThreads());
    }

    /** With {@code --train}: back-propagates the sum of the maps' means (both models' gradients accumulate alike). */
    private void backwardIfTraining(List<NDArray> maps) {
        if (train) {
            backwardFromMeans(maps);
        }
    }

    /** Back-propagates the sum of the maps' means: the loss both timing modes use for forward + backward. */
    private static void backwardFromMeans(List<NDArray> maps) {
        NDArray loss = null;
        for (NDArray map : maps) {
            NDArray term = map.mean();
            loss = loss == null ? term : loss.add(term);
        }
        Autograd.backward(loss);
    }

    /** The table's size column, wide enough for the longest size asked for (the _rw names are longer). */
    private String sizeColumn() {
        return "%-" + Math.max(6, sizes.stream().mapToInt(String::length).max().orElse(0)) + "s";
    }

    private void print(PrintWriter out, Result r) {
        String script = r.torchscriptMedianMs() == null ? "-" : String.format(Locale.ROOT, "%8.1f / %6.1f", r.torchscriptMedianMs(), r.torchscriptMinMs());
        String ratio = r.torchscriptMedianMs() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.oursMedianMs() / r.torchscriptMedianMs());
        String diff = r.maxAbsDiff() == null ? "-" : String.format(Locale.ROOT, "%.1e", r.maxAbsDiff());
        out.printf(Locale.ROOT, sizeColumn() + " %-12s %7.2fM %8.2f %8.1f / %6.1f %8.1f %9.0f %17s %7s %9s%n",
                r.size(), r.batch() + "x" + r.height() + "x" + r.width(), r.params() / 1e6, r.macsPerImage() / 1e9,
                r.oursMedianMs(), r.oursMinMs(), r.batch() * 1000.0 / r.oursMedianMs(), r.oursPeakMib(), script, ratio, diff);
        out.flush();
    }

    /** The backbones {@code --compare} knows, each in its dense configuration with its published defaults. */
    private static final List<String> COMPARABLE = List.of("mambaout_tiny", "resnet50", "resnet50_v1c", "convnext_tiny", "mambavision_t", "vim_t", "vim_s");

    private static Backbone comparable(String name) {
        return switch (name) {
            case "mambaout_tiny" -> new MambaOut(MambaOut.Config.tiny());
            case "resnet50" -> new ResNet(ResNet.Config.defaults());
            case "resnet50_v1c" -> new ResNet(ResNet.V1cConfig.defaults().resnet());
            case "convnext_tiny" -> new ConvNeXt(ConvNeXt.Config.tiny());
            case "mambavision_t" -> new MambaVision(MambaVision.Config.tiny());
            case "vim_t" -> new Vim(Vim.Config.tiny());
            case "vim_s" -> new Vim(Vim.Config.small());
            default -> throw new IllegalArgumentException("--compare: unknown backbone '" + name + "'; known: " + String.join(", ", COMPARABLE));
        };
    }

    private static long macs(Backbone b, int h, int w) {
        if (b instanceof MambaOut m) {
            return m.macs(h, w);
        } else if (b instanceof ResNet r) {
            return r.macs(h, w);
        } else if (b instanceof ConvNeXt c) {
            return c.macs(h, w);
        } else if (b instanceof MambaVision v) {
            return v.macs(h, w);
        } else if (b instanceof Vim v) {
            return v.macs(h, w);
        }
        throw new IllegalArgumentException(b.getClass().getSimpleName() + " has no MAC count");
    }

    /** One row of the comparison; times in ms (median), memory in MiB above the resident size before the pass. */
    record Comparison(String name, int height, int width, long params, long macs, double forwardMs, double forwardPeakMib,
                      Double trainMs, Double trainPeakMib) {}

    private Integer compareBackbones() throws IOException {
        List<String> names = compare.contains("all") ? COMPARABLE : compare;
        Device dev = startEngine();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s, batch 1, %d warm-up + %d timed passes, median ms; "
                        + "peak = growth of the process's peak resident memory during one pass (MiB)%n",
                engineLine(dev), warmup, iterations);
        out.printf("| backbone | input | params | GMACs | forward ms | forward peak MiB | fwd+bwd ms | fwd+bwd peak MiB |%n");
        out.printf("|---|---|---|---|---|---|---|---|%n");
        out.flush();
        List<Comparison> rows = new ArrayList<>();
        for (String name : names) {
            for (String r : resolutions) {
                int[] hw = HeightWidth.parse("--resolutions", r);
                try (NDManager root = NDManager.newBaseManager(dev)) {
                    Engine.getInstance().setRandomSeed(0);
                    Backbone model = comparable(name);
                    model.initialize(root);
                    Comparison c = compareOne(name, model, root, hw[0], hw[1], skip.contains(name + "@" + hw[0] + "x" + hw[1]));
                    rows.add(c);
                    out.printf(Locale.ROOT, "| %s | %dx%d | %.2fM | %.1f | %.0f | %.0f | %s | %s |%n", c.name(), c.height(), c.width(),
                            c.params() / 1e6, c.macs() / 1e9, c.forwardMs(), c.forwardPeakMib(),
                            c.trainMs() == null ? "skipped" : String.format(Locale.ROOT, "%.0f", c.trainMs()),
                            c.trainPeakMib() == null ? "skipped" : String.format(Locale.ROOT, "%.0f", c.trainPeakMib()));
                    out.flush();
                }
            }
        }
        if (json != null) {
            Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(rows));
        }
        return 0;
    }

    private Comparison compareOne(String name, Backbone model, NDManager root, int h, int w, boolean skipTrain) {
        double[] fwd = new double[iterations];
        double[] train = new double[iterations];
        double fwdPeak = 0;
        double trainPeak = 0;
        try (NDManager inputs = root.newSubManager()) {
            NDArray images = inputs.randomNormal(new Shape(1, 3, h, w));
            model.train(false);
            for (int it = -warmup; it < iterations; it++) {
                long base = PeakMemory.reset();
                try (NDManager m = root.newSubManager(); Autograd.Recording r = Autograd.noGrad()) {
                    NDArray x = images.duplicate();
                    x.attach(m);
                    long t0 = System.nanoTime();
                    List<NDArray> maps = model.forward(x);
                    sync(maps.get(maps.size() - 1));
                    long t1 = System.nanoTime();
                    if (it >= 0) {
                        fwd[it] = (t1 - t0) / 1e6;
                        fwdPeak = Math.max(fwdPeak, (PeakMemory.peak() - base) / 1048576.0);
                    }
                }
            }
            if (!skipTrain) {
                model.train(true);
                for (int it = -warmup; it < iterations; it++) {
                    long base = PeakMemory.reset();
                    try (NDManager m = root.newSubManager()) {
                        NDArray x = images.duplicate();
                        x.attach(m);
                        long t0 = System.nanoTime();
                        try (Autograd.Recording r = Autograd.record()) {
                            backwardFromMeans(model.forward(x));
                        }
                        long t1 = System.nanoTime();
                        if (it >= 0) {
                            train[it] = (t1 - t0) / 1e6;
                            trainPeak = Math.max(trainPeak, (PeakMemory.peak() - base) / 1048576.0);
                        }
                    }
                }
            }
        }
        return new Comparison(name, h, w, model.parameterCount(), macs(model, h, w), median(fwd), fwdPeak,
                skipTrain ? null : median(train), skipTrain ? null : trainPeak);
    }

    private void writeJson(List<Result> results) throws IOException {
        JsonObject root = new JsonObject();
        root.addProperty("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        root.addProperty("device", device);
        root.addProperty("intra_op_threads", JniUtils.getNumThreads());
        root.addProperty("clock", clock);
        root.addProperty("mode", train ? "forward+backward" : "forward");
        root.addProperty("precision", fp16 ? "fp16" : "fp32");
        root.addProperty("warmup", warmup);
        root.addProperty("iterations", iterations);
        JsonArray arr = new JsonArray();
        for (Result r : results) {
            JsonObject o = new JsonObject();
            o.addProperty("size", r.size());
            o.addProperty("batch", r.batch());
            o.addProperty("height", r.height());
            o.addProperty("width", r.width());
            o.addProperty("params", r.params());
            o.addProperty("macs_per_image", r.macsPerImage());
            o.addProperty("ours_median_ms", r.oursMedianMs());
            o.addProperty("ours_min_ms", r.oursMinMs());
            o.addProperty("images_per_s", r.batch() * 1000.0 / r.oursMedianMs());
            o.addProperty("ours_peak_mib", r.oursPeakMib());
            if (r.torchscriptMedianMs() != null) {
                o.addProperty("torchscript_median_ms", r.torchscriptMedianMs());
                o.addProperty("torchscript_min_ms", r.torchscriptMinMs());
                o.addProperty("ratio_median", r.oursMedianMs() / r.torchscriptMedianMs());
            }
            if (r.maxAbsDiff() != null) {
                o.addProperty("max_abs_diff", r.maxAbsDiff());
            }
            arr.add(o);
        }
        root.add("results", arr);
        Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(root));
    }

    /** {@code SIZE=FILE} entries, or one bare {@code FILE} when a single size is benchmarked. */
    private Map<String, Path> perSize(String option, List<String> values) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (String v : values) {
            int eq = v.indexOf('=');
            if (eq < 0) {
                if (sizes.size() != 1) {
                    throw new IllegalArgumentException(option + " " + v + ": name the size (SIZE=FILE) when benchmarking " + sizes);
                }
                out.put(sizes.get(0), Path.of(v));
            } else {
                String size = v.substring(0, eq);
                if (!sizes.contains(size)) {
                    throw new IllegalArgumentException(option + " " + v + ": size '" + size + "' is not among --sizes " + sizes);
                }
                out.put(size, Path.of(v.substring(eq + 1)));
            }
        }
        return out;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }
}
