package dev.densepred.detection.job;

import dev.densepred.datasets.coco.CocoDetection;
import dev.densepred.datasets.coco.DetectionSample;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.transform.BitmapMasks;
import dev.densepred.datasets.transform.BoxTargets;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.detection.MaskRcnn;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.job.TaskJob;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Devices;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.Losses;
import dev.densepred.engine.train.TrainingConfig;
import dev.densepred.engine.train.log.ResidentMemory;
import dev.densepred.engine.train.optim.Optimizer;
import dev.densepred.engine.train.optim.OptimizerSpec;
import dev.densepred.engine.train.optim.ParamGroup;
import dev.densepred.engine.train.optim.ParamGroups;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.engine.PtNDArray;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * {@code benchmark model} for Mask R-CNN: a float32 training step on synthetic images with synthetic instances
 * (split into data = the collate copy to the device, forward = {@code forwardTrain}, backward, optimizer = the
 * config's optimizer over its parameter groups, at their initial learning rates, and zeroing), inference images/s
 * ({@code predict}, batch 1), and the peak resident set. The input is the config's test size (its test {@code Resize} scale, landscape) unless one is given.
 * Each phase ends with a host read of one value, so asynchronous devices are timed to completion.
 */
final class DetectionBenchmark {

    /** Instances per synthetic training image. */
    static final int INSTANCES = 8;

    private final Config cfg;
    private final TaskJob.BenchmarkOptions options;
    private final PrintStream out;

    DetectionBenchmark(Config cfg, TaskJob.BenchmarkOptions options, PrintStream out) {
        this.cfg = cfg;
        this.options = options;
        this.out = out;
    }

    Map<String, Double> run() throws IOException {
        TrainingConfig tc = TrainingConfig.from(cfg);
        DetectionSettings s = DetectionSettings.from(cfg);
        int[] hw = options.inputSize() != null ? options.inputSize() : testSize(s);
        Device device = DetectionJob.device(tc);
        Map<String, Double> result = new LinkedHashMap<>();
        loaderThroughput(s, tc).ifPresent(ips -> {
            result.put("loader_images_per_s", ips);
            out.printf(Locale.ROOT, "data loader, real train set: %.1f images/s (%d workers: decode, pipeline, masks)%n",
                    ips, s.trainDataloader().numWorkers());
        });
        long peak = ResidentMemory.megabytes();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Engine.getInstance().setRandomSeed((int) tc.randomness().seed());
            MaskRcnn model = MaskRcnn.build(DetectionJob.withoutPretrained(s.model()), manager);
            out.printf(Locale.ROOT, "Mask R-CNN, %,d parameters, %s, input %dx%d (HxW), training batch %d, float32, intra-op threads %d; median of %d after %d warm-up%n",
                    model.parameterCount(), Devices.name(device), hw[0], hw[1], options.batchSize(), JniUtils.getNumThreads(),
                    options.iterations(), options.warmup());
            OptimizerSpec opt = tc.optimWrapper().optimizerSpec();
            ParamGroups groups = ParamGroups.build(model, tc.optimWrapper().paramwiseCfg(), opt.lr(), opt.weightDecay(), null);
            Map<String, Parameter> params = model.parameters();
            Map<String, NDArray> masters = new LinkedHashMap<>();
            for (ParamGroup g : groups.groups()) {
                for (String name : g.params()) {
                    masters.put(name, params.get(name).array());
                }
            }
            Optimizer optimizer = opt.build(groups.groups(), masters, manager);
            double[] lrs = groups.groups().stream().mapToDouble(ParamGroup::lr).toArray();
            List<DetectionSample> samples = syntheticSamples(hw, options.batchSize(), model.numClasses());
            DetectionCollate collate = new DetectionCollate();
            String[] phases = {"data", "forward", "backward", "optimizer"};
            List<List<Double>> times = new ArrayList<>();
            for (int k = 0; k < phases.length; k++) {
                times.add(new ArrayList<>());
            }
            model.train(true);
            for (int i = 0; i < options.warmup() + options.iterations(); i++) {
                double[] t = new double[phases.length];
                try (Scope scope = Scope.open(manager)) {
                    long t0 = System.nanoTime();
                    DetectionCollate.Batch b = collate.collate(samples, scope.manager());
                    b.images().getFloat(0, 0, 0, 0); // waits for the copy to the device
                    long t1 = System.nanoTime();
                    long t2;
                    try (Autograd.Recording rec = Autograd.record()) {
                        Losses losses = model.forwardTrain(b.images(), b.metas(), b.targets());
                        NDArray total = losses.total();
                        total.getFloat();
                        t2 = System.nanoTime();
                        Autograd.backward(total);
                    }
                    List<NDArray> grads = new ArrayList<>(masters.size());
                    for (NDArray p : masters.values()) {
                        PtNDArray g = JniUtils.getGradient((PtNDArray) p);
                        if (g != null) {
                            g.attach(scope.manager());
                        }
                        grads.add(g);
                    }
                    // a host read waits for the backward pass on an asynchronous device
                    grads.stream().filter(g -> g != null).findFirst().ifPresent(g -> g.getFloat(new long[g.getShape().dimension()]));
                    long t3 = System.nanoTime();
                    optimizer.step(grads, lrs, 1.0);
                    for (NDArray p : masters.values()) {
                        Autograd.zeroGradient(p);
                    }
                    NDArray first = masters.values().iterator().next();
                    first.getFloat(new long[first.getShape().dimension()]);
                    long t4 = System.nanoTime();
                    t[0] = (t1 - t0) / 1e6;
                    t[1] = (t2 - t1) / 1e6;
                    t[2] = (t3 - t2) / 1e6;
                    t[3] = (t4 - t3) / 1e6;
                }
                peak = Math.max(peak, ResidentMemory.megabytes());
                if (i >= options.warmup()) {
                    for (int k = 0; k < phases.length; k++) {
                        times.get(k).add(t[k]);
                    }
                }
            }
            double step = 0;
            out.printf("%-28s %10s%n", "training step (median)", "ms");
            for (int k = 0; k < phases.length; k++) {
                double ms = median(times.get(k));
                step += ms;
                result.put("train_" + phases[k] + "_ms", ms);
                out.printf(Locale.ROOT, "  %-26s %10.1f%n", phases[k], ms);
            }
            result.put("train_step_ms", step);
            out.printf(Locale.ROOT, "  %-26s %10.1f%n", "total", step);

            model.train(false);
            List<Double> infer = new ArrayList<>();
            List<DetectionSample> one = samples.subList(0, 1);
            try (Autograd.Recording off = Autograd.noGrad()) {
                for (int i = 0; i < options.warmup() + options.iterations(); i++) {
                    try (Scope scope = Scope.open(manager)) {
                        long t0 = System.nanoTime();
                        DetectionCollate.Batch b = collate.collate(one, scope.manager());
                        model.predict(b.images(), b.metas());
                        long t1 = System.nanoTime();
                        if (i >= options.warmup()) {
                            infer.add((t1 - t0) / 1e6);
                        }
                    }
                    peak = Math.max(peak, ResidentMemory.megabytes());
                }
            }
            double inferMs = median(infer);
            result.put("inference_ms", inferMs);
            result.put("inference_images_per_s", 1000 / inferMs);
            result.put("peak_rss_mib", (double) peak);
            out.printf(Locale.ROOT, "inference, batch 1 (median)  %10.1f ms  = %.2f images/s%n", inferMs, 1000 / inferMs);
            out.printf(Locale.ROOT, "peak resident set            %10d MiB%n", peak);
        }
        if (options.jsonOut() != null) {
            JsonObject json = new JsonObject();
            json.addProperty("height", hw[0]);
            json.addProperty("width", hw[1]);
            json.addProperty("batch", options.batchSize());
            result.forEach(json::addProperty);
            Files.writeString(options.jsonOut(), new GsonBuilder().setPrettyPrinting().create().toJson(json));
        }
        return result;
    }

    /**
     * Images per second through the config's training loader (decode, transforms, mask rasterisation, on its
     * worker threads), when its annotation file is readable: whole epochs until at least 20 images after one
     * warm-up epoch.
     */
    private Optional<Double> loaderThroughput(DetectionSettings s, TrainingConfig tc) throws IOException {
        if (s.trainDataloader() == null || s.trainDataloader().dataset() == null) {
            return Optional.empty();
        }
        CocoDetection train;
        try {
            train = DetectionData.dataset(s.trainDataloader());
        } catch (java.nio.file.NoSuchFileException e) {
            out.println("data loader: skipped (" + e.getMessage() + " not found)");
            return Optional.empty();
        }
        PrefetchLoader<CocoDetection.ImageRecord, DetectionSample> loader = DetectionData.loader(train, s.trainDataloader(),
                Math.max(1, tc.devices().size()), f -> out.println("warning: " + f));
        long images = 0;
        long start = 0;
        for (int epoch = 0; images < 20 || epoch < 2; epoch++) {
            if (epoch == 1) {
                start = System.nanoTime();
                images = 0;
            }
            try (BatchIterator<LoadedBatch<DetectionSample>> it = loader.epoch(tc.randomness().seed(), epoch, 0)) {
                while (it.hasNext()) {
                    images += it.next().samples().size();
                }
            }
        }
        return Optional.of(images / ((System.nanoTime() - start) / 1e9));
    }

    /** {@code [height, width]} of a landscape image after the test pipeline's keep-ratio Resize. */
    static int[] testSize(DetectionSettings s) {
        int[] scale = {1333, 800};
        DetectionSettings.DataLoader d = s.testDataloader() != null ? s.testDataloader() : s.valDataloader();
        if (d != null && d.dataset() != null && d.dataset().has("pipeline")) {
            for (var e : d.dataset().at("pipeline").node().getAsJsonArray()) {
                var o = e.getAsJsonObject();
                if (o.has("type") && o.get("type").getAsString().equals("Resize") && o.has("scale")) {
                    var a = o.getAsJsonArray("scale");
                    scale = new int[] {a.get(0).getAsInt(), a.get(1).getAsInt()};
                }
            }
        }
        return new int[] {Math.min(scale[0], scale[1]), Math.max(scale[0], scale[1])};
    }

    /** Normal-noise images of {@code hw} with {@link #INSTANCES} random boxes each, masks filling the boxes. */
    static List<DetectionSample> syntheticSamples(int[] hw, int batch, int numClasses) {
        SplittableRandom rnd = new SplittableRandom(0);
        int h = hw[0];
        int w = hw[1];
        List<DetectionSample> out = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            Planar<GrayF32> img = new Planar<>(GrayF32.class, w, h, 3);
            for (int c = 0; c < 3; c++) {
                float[] d = img.getBand(c).data;
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) rnd.nextGaussian();
                }
            }
            float[] boxes = new float[INSTANCES * 4];
            int[] labels = new int[INSTANCES];
            var rles = new dev.densepred.datasets.mask.RleMask[INSTANCES];
            for (int i = 0; i < INSTANCES; i++) {
                int bw = 16 + rnd.nextInt(Math.max(1, w / 3));
                int bh = 16 + rnd.nextInt(Math.max(1, h / 3));
                int x = rnd.nextInt(Math.max(1, w - bw));
                int y = rnd.nextInt(Math.max(1, h - bh));
                boxes[4 * i] = x;
                boxes[4 * i + 1] = y;
                boxes[4 * i + 2] = x + bw;
                boxes[4 * i + 3] = y + bh;
                labels[i] = rnd.nextInt(Math.max(1, numClasses));
                rles[i] = dev.densepred.datasets.mask.MaskApi.frBbox(new double[] {x, y, bw, bh}, h, w);
            }
            ImageSample sample = new ImageSample(img, null);
            out.add(new DetectionSample(-1, null, sample, new BoxTargets(boxes, true), labels, BitmapMasks.fromRle(rles, w, h)));
        }
        return out;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
