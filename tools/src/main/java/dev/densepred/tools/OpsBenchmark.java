package dev.densepred.tools;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import dev.densepred.detection.box.Nms;
import dev.densepred.detection.roi.MultiLevelRoiExtractor;
import dev.densepred.detection.roi.RoiAlign;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Devices;
import dev.densepred.engine.runtime.Scope;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code benchmark ops}: the detection ops that run per image outside the convolutions. Multi-level RoIAlign
 * (mmdetection's extractor, 7 x 7, aligned) over an FPN pyramid of a padded image at strides 4-32, forward and
 * forward + backward, for sampling ratios 0 and 2; host NMS and batched NMS on clustered boxes, including the bulk
 * copy from the device. Times are medians over {@code --repeat} runs after {@code --warmup} runs.
 */
@Command(
        name = "ops",
        mixinStandardHelpOptions = true,
        description = "Time multi-level RoIAlign (forward, forward+backward) and NMS (plain, batched).",
        footer = {"", "Examples:", "  densepred benchmark ops", "  densepred benchmark ops --rois 512 --repeat 20 --json ops.json",
            "  densepred benchmark ops --device gpu"})
final class OpsBenchmark implements Callable<Integer> {

    private static final int[] STRIDES = {4, 8, 16, 32};

    @Option(names = "--rois", defaultValue = "1000", description = "RoIs per RoIAlign call (default: ${DEFAULT-VALUE}).")
    int rois;

    @Option(names = "--channels", defaultValue = "256", description = "Feature channels (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--image", defaultValue = "800x1333", description = "Image HEIGHTxWIDTH before padding to 32 (default: ${DEFAULT-VALUE}).")
    String image;

    @Option(names = "--sampling-ratios", split = ",", defaultValue = "0,2", description = "RoIAlign sampling ratios (default: ${DEFAULT-VALUE}).")
    int[] samplingRatios;

    @Option(names = "--nms-boxes", split = ",", defaultValue = "2000,20000", description = "NMS input sizes (default: ${DEFAULT-VALUE}).")
    int[] nmsBoxes;

    @Option(names = "--iou", defaultValue = "0.5", description = "NMS IoU threshold, plain and batched alike (default: ${DEFAULT-VALUE}).")
    double iou;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeat", defaultValue = "10", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu[:N] (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the synthetic data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Also write the results to this JSON file.")
    Path json;

    @Spec
    CommandSpec spec;

    private record Row(String op, String setting, double medianMs, double minMs, double cpuMs) {}

    @Override
    public Integer call() throws IOException {
        if (rois <= 0 || channels <= 0 || repeat <= 0 || warmup < 0) {
            throw new IllegalArgumentException("--rois, --channels and --repeat must be positive and --warmup >= 0");
        }
        int[] hw = HeightWidth.parse("--image", image);
        int height = hw[0];
        int width = hw[1];
        Device dev = Devices.parse(device);
        PrintWriter out = spec.commandLine().getOut();
        List<Row> rows = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager(dev)) {
            rows.addAll(roiAlign(root, height, width));
            rows.addAll(nms(root, height, width));
        }
        out.printf("device %s, torch threads %d, %d RoIs, %d channels, image %dx%d padded to 32%n", Devices.name(dev),
                JniUtils.getNumThreads(), rois, channels, height, width);
        out.printf("%-34s %-36s %10s %10s %10s%n", "op", "setting", "median ms", "min ms", "cpu ms");
        for (Row r : rows) {
            out.printf("%-34s %-36s %10.2f %10.2f %10.2f%n", r.op, r.setting, r.medianMs, r.minMs, r.cpuMs);
        }
        out.flush();
        if (json != null) {
            writeJson(rows, dev, height, width);
        }
        return 0;
    }

    private List<Row> roiAlign(NDManager root, int height, int width) {
        Engine.getInstance().setRandomSeed((int) seed);
        int padH = (height + 31) / 32 * 32;
        int padW = (width + 31) / 32 * 32;
        List<NDArray> feats = new ArrayList<>();
        for (int s : STRIDES) {
            feats.add(root.randomNormal(new Shape(1, channels, padH / s, padW / s)));
        }
        NDArray roiArray = root.create(randomRois(height, width), new Shape(rois, 5));
        // The gradient arriving from the box head.
        NDArray upstream = root.randomNormal(new Shape(rois, channels, 7, 7));
        List<Row> out = new ArrayList<>();
        for (int ratio : samplingRatios) {
            MultiLevelRoiExtractor extractor = new MultiLevelRoiExtractor(new MultiLevelRoiExtractor.Config(
                    new RoiAlign.Config(7, ratio, true), channels, Arrays.stream(STRIDES).boxed().toList(), 56));
            String setting = "7x7 aligned, sampling_ratio " + ratio;
            out.add(time("RoIAlign multi-level forward", setting, watch -> {
                try (Scope scope = Scope.open(root)) {
                    watch.start();
                    extractor.forward(feats, roiArray).get(0, 0, 0, 0).getFloat();
                    watch.stop();
                }
            }));
            out.add(time("RoIAlign multi-level fwd+bwd", setting, watch -> {
                try (Scope scope = Scope.open(root)) {
                    // Fresh leaves, so the gradients are written once rather than accumulated (as inside a network).
                    List<NDArray> leaves = new ArrayList<>();
                    for (NDArray f : feats) {
                        NDArray leaf = f.duplicate();
                        leaf.attach(scope.manager());
                        leaf.setRequiresGradient(true);
                        leaves.add(leaf);
                    }
                    watch.start();
                    try (Autograd.Recording r = Autograd.record()) {
                        NDArray pooled = extractor.forward(leaves, roiArray);
                        JniUtils.backward((PtNDArray) pooled, (PtNDArray) upstream, false, false);
                    }
                    for (NDArray leaf : leaves) {
                        leaf.getGradient().get(0, 0, 0, 0).getFloat();
                    }
                    watch.stop();
                }
            }));
        }
        return out;
    }

    /** RoIs of sqrt(area) log-uniform in [16, 800] px and aspect ratio log-uniform in [1/2, 2], clipped to the image. */
    private float[] randomRois(int height, int width) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] out = new float[5 * rois];
        for (int i = 0; i < rois; i++) {
            double size = 16 * Math.pow(50, rnd.nextDouble());
            double aspect = Math.pow(4, rnd.nextDouble() - 0.5);
            double w = size / Math.sqrt(aspect);
            double h = size * Math.sqrt(aspect);
            double cx = rnd.nextDouble() * width;
            double cy = rnd.nextDouble() * height;
            out[5 * i + 1] = (float) Math.max(0, cx - w / 2);
            out[5 * i + 2] = (float) Math.max(0, cy - h / 2);
            out[5 * i + 3] = (float) Math.min(width, cx + w / 2);
            out[5 * i + 4] = (float) Math.min(height, cy + h / 2);
        }
        return out;
    }

    private List<Row> nms(NDManager root, int height, int width) {
        List<Row> out = new ArrayList<>();
        for (int n : nmsBoxes) {
            SplittableRandom rnd = new SplittableRandom(seed + n);
            // Detector-like input: boxes jittered around n/20 objects, 80 classes, uniform scores.
            int objects = Math.max(1, n / 20);
            float[][] objectBoxes = new float[objects][];
            int[] objectClass = new int[objects];
            for (int o = 0; o < objects; o++) {
                double w = 16 + rnd.nextDouble() * 300;
                double h = 16 + rnd.nextDouble() * 300;
                double x = rnd.nextDouble() * (width - w);
                double y = rnd.nextDouble() * (height - h);
                objectBoxes[o] = new float[] {(float) x, (float) y, (float) (x + w), (float) (y + h)};
                objectClass[o] = rnd.nextInt(80);
            }
            float[] boxes = new float[4 * n];
            float[] scores = new float[n];
            int[] classes = new int[n];
            for (int i = 0; i < n; i++) {
                int o = rnd.nextInt(objects);
                float[] b = objectBoxes[o];
                float w = b[2] - b[0];
                float h = b[3] - b[1];
                for (int k = 0; k < 4; k++) {
                    boxes[4 * i + k] = b[k] + (float) ((rnd.nextDouble() - 0.5) * 0.3 * (k % 2 == 0 ? w : h));
                }
                scores[i] = (float) rnd.nextDouble();
                classes[i] = rnd.nextDouble() < 0.7 ? objectClass[o] : rnd.nextInt(80);
            }
            NDArray boxArray = root.create(boxes, new Shape(n, 4));
            NDArray scoreArray = root.create(scores);
            NDArray classArray = root.create(classes);
            out.add(time("NMS (device copy + host)", n + " boxes, IoU " + iou, watch -> {
                watch.start();
                Nms.nms(boxArray, scoreArray, iou);
                watch.stop();
            }));
            out.add(time("batched NMS (device copy + host)", n + " boxes, 80 classes, IoU " + iou, watch -> {
                watch.start();
                Nms.batched(boxArray, scoreArray, classArray, iou);
                watch.stop();
            }));
        }
        return out;
    }

    /** One run of a measurement: does its setup, then brackets the measured part with the watch. */
    private interface Timed {
        void run(Stopwatch watch);
    }

    /**
     * Wall time and process CPU time (all threads) of the measured part; CPU time is the steadier figure on a
     * shared machine.
     */
    private static final class Stopwatch {
        private final com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private long wall0;
        private long cpu0;
        long wall;
        long cpu;

        void start() {
            wall0 = System.nanoTime();
            cpu0 = os.getProcessCpuTime();
        }

        void stop() {
            wall = System.nanoTime() - wall0;
            cpu = os.getProcessCpuTime() - cpu0;
        }
    }

    private Row time(String op, String setting, Timed body) {
        Stopwatch watch = new Stopwatch();
        for (int i = 0; i < warmup; i++) {
            body.run(watch);
        }
        double[] ms = new double[repeat];
        double cpu = 0;
        for (int i = 0; i < repeat; i++) {
            body.run(watch);
            ms[i] = watch.wall / 1e6;
            cpu += watch.cpu / 1e6;
        }
        Arrays.sort(ms);
        double median = repeat % 2 == 1 ? ms[repeat / 2] : (ms[repeat / 2 - 1] + ms[repeat / 2]) / 2;
        return new Row(op, setting, median, ms[0], cpu / repeat);
    }

    private void writeJson(List<Row> rows, Device dev, int height, int width) throws IOException {
        JsonObject root = new JsonObject();
        root.addProperty("device", Devices.name(dev));
        root.addProperty("torch_threads", JniUtils.getNumThreads());
        root.addProperty("rois", rois);
        root.addProperty("channels", channels);
        root.addProperty("image", height + "x" + width);
        root.addProperty("warmup", warmup);
        root.addProperty("repeat", repeat);
        root.addProperty("nms_iou", iou);
        JsonArray results = new JsonArray();
        for (Row r : rows) {
            JsonObject o = new JsonObject();
            o.addProperty("op", r.op);
            o.addProperty("setting", r.setting);
            o.addProperty("median_ms", r.medianMs);
            o.addProperty("min_ms", r.minMs);
            o.addProperty("process_cpu_ms", r.cpuMs);
            results.add(o);
        }
        root.add("results", results);
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(root));
    }
}
