package dev.densepred.segmentation.job;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.densepred.datasets.ade.TestTimeAug;
import dev.densepred.datasets.batch.Collate;
import dev.densepred.datasets.batch.ImageBatch;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.engine.config.Config;
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
import dev.densepred.segmentation.EncoderDecoder;
import dev.densepred.segmentation.TestConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * {@code benchmark model} for segmentation configs: one training step split into data (collate and copy to the
 * device), forward (losses), backward and optimizer (the config's optimizer over its parameter groups), and inference
 * images/s in whole, slide and multi-scale-with-flip modes, with peak memory. Inputs are synthetic (random pixels
 * and labels), so the figures need no dataset; each figure is the median of the timed iterations, taken after a host
 * sync. The training step runs in float32 (the runner's float16 path adds casts and loss scaling on top).
 */
final class SegBenchmark {

    private SegBenchmark() {}

    @SuppressWarnings("try") // the resources are guards: grad mode, restored on close
    static Map<String, Double> run(Config cfg, TaskJob.BenchmarkOptions o, Device device, PrintStream out) throws IOException {
        int[] trainHw = o.inputSize() != null ? o.inputSize() : new int[] {512, 512};
        // a 4:3 ADE20K image at the (2048, 512) test scale
        int[] testHw = o.inputSize() != null ? o.inputSize() : new int[] {512, 683};
        Map<String, Double> result = new LinkedHashMap<>();
        LongSupplier gpuMemory = device.isGpu() ? () -> CudaUtils.getGpuMemory(device).getUsed() >> 20 : () -> -1;
        try (NDManager root = NDManager.newBaseManager(device)) {
            EncoderDecoder model = SegmentationJob.loadModel(cfg, null, root, new PrintStream(java.io.OutputStream.nullOutputStream()));
            out.printf(Locale.ROOT, "%s on %s (%d intra-op threads): %,d parameters; median of %d after %d warm-up%n",
                    cfg.find("model.backbone.type").map(c -> c.node().getAsString()).orElse("?") + " UperNet", Devices.name(device),
                    JniUtils.getNumThreads(), model.parameterCount(), o.iterations(), o.warmup());
            long[] peak = {ResidentMemory.megabytes(), gpuMemory.getAsLong()};
            Runnable sample = () -> {
                peak[0] = Math.max(peak[0], ResidentMemory.megabytes());
                peak[1] = Math.max(peak[1], gpuMemory.getAsLong());
            };

            double[] step = trainStep(cfg, model, root, o, trainHw, sample);
            String[] parts = {"data", "forward", "backward", "optimizer"};
            out.printf(Locale.ROOT, "training step, batch %d at %dx%d, float32:%n", o.batchSize(), trainHw[0], trainHw[1]);
            double total = 0;
            for (int i = 0; i < parts.length; i++) {
                out.printf(Locale.ROOT, "  %-10s %9.1f ms%n", parts[i], step[i]);
                result.put("train_" + parts[i] + "_ms", step[i]);
                total += step[i];
            }
            out.printf(Locale.ROOT, "  %-10s %9.1f ms  (%.2f images/s)%n", "total", total, o.batchSize() * 1000 / total);
            result.put("train_step_ms", total);
            result.put("train_peak_rss_mib", (double) peak[0]);

            model.train(false);
            TestConfig configured = model.testConfig();
            TestConfig slide = configured.mode() == TestConfig.Mode.SLIDE ? configured : TestConfig.slide(512, 341);
            TestTimeAug tta = SegmentationJob.testTimeAug(cfg);
            out.printf(Locale.ROOT, "inference on a %dx%d image:%n", testHw[0], testHw[1]);
            try (Autograd.Recording off = Autograd.noGrad()) {
                model.setTestConfig(TestConfig.defaults());
                record(out, result, "whole", inferMillis(model, root, o, testHw, null, sample));
                model.setTestConfig(slide);
                record(out, result, "slide " + slide.cropSize()[0] + "/" + slide.stride()[0], "slide",
                        inferMillis(model, root, o, testHw, null, sample));
                model.setTestConfig(TestConfig.defaults());
                record(out, result, "multi-scale+flip (" + tta.viewCount() + " views, whole)", "aug",
                        inferMillis(model, root, o, testHw, tta, sample));
                model.setTestConfig(configured);
            }
            result.put("peak_rss_mib", (double) peak[0]);
            out.printf(Locale.ROOT, "peak resident memory %d MiB%s%n", peak[0], peak[1] >= 0 ? ", GPU memory used " + peak[1] + " MiB" : "");
            if (peak[1] >= 0) {
                result.put("peak_gpu_mib", (double) peak[1]);
            }
        }
        if (o.jsonOut() != null) {
            JsonObject json = new JsonObject();
            result.forEach(json::addProperty);
            Files.writeString(o.jsonOut(), new GsonBuilder().setPrettyPrinting().create().toJson(json));
        }
        return result;
    }

    private static void record(PrintStream out, Map<String, Double> result, String mode, double ms) {
        record(out, result, mode, mode, ms);
    }

    private static void record(PrintStream out, Map<String, Double> result, String label, String key, double ms) {
        out.printf(Locale.ROOT, "  %-36s %9.1f ms/image  %7.2f images/s%n", label, ms, 1000 / ms);
        result.put("infer_" + key + "_ms", ms);
        result.put("infer_" + key + "_images_per_s", 1000 / ms);
    }

    /** Median milliseconds of data, forward, backward and optimizer. */
    private static double[] trainStep(Config cfg, EncoderDecoder model, NDManager root, TaskJob.BenchmarkOptions o, int[] hw,
                                      Runnable sample) {
        TrainingConfig training = TrainingConfig.from(cfg);
        OptimizerSpec opt = training.optimWrapper().optimizerSpec();
        ParamGroups groups = ParamGroups.build(model, training.optimWrapper().paramwiseCfg(), opt.lr(), opt.weightDecay(), null);
        Map<String, Parameter> params = model.parameters();
        Map<String, NDArray> masters = new LinkedHashMap<>();
        for (ParamGroup g : groups.groups()) {
            for (String name : g.params()) {
                masters.put(name, params.get(name).array());
            }
        }
        Optimizer optimizer = opt.build(groups.groups(), masters, root);
        double[] lrs = groups.groups().stream().mapToDouble(ParamGroup::lr).toArray();
        List<ImageSample> samples = syntheticBatch(o.batchSize(), hw, model.numClasses());
        Collate collate = new Collate(new Collate.Config(1, null, 0f, 255, Collate.LabelType.INT64));
        model.train(true);
        List<List<Double>> times = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < o.warmup() + o.iterations(); i++) {
            long t0 = System.nanoTime();
            long t1;
            long t2;
            long t3;
            try (Scope scope = Scope.open(root); Autograd.Recording rec = Autograd.record()) {
                ImageBatch b = collate.collate(samples, scope.manager());
                b.images().getFloat(0, 0, 0, 0);
                t1 = System.nanoTime();
                Losses losses = model.forwardTrain(b.images(), b.labels());
                NDArray total = losses.total();
                total.getFloat();
                t2 = System.nanoTime();
                Autograd.backward(total);
                firstGradient(masters, scope.manager());
                t3 = System.nanoTime();
            }
            try (Scope scope = Scope.open(root); Autograd.Recording off = Autograd.noGrad()) {
                List<NDArray> grads = new ArrayList<>();
                for (Optimizer.Slot s : optimizer.slots()) {
                    PtNDArray g = JniUtils.getGradient((PtNDArray) params.get(s.name()).array());
                    if (g != null) {
                        g.attach(scope.manager());
                    }
                    grads.add(g);
                }
                optimizer.step(grads, lrs, 1.0);
                NDArray first = masters.values().iterator().next();
                first.getFloat(new long[first.getShape().dimension()]);
                for (Parameter p : params.values()) {
                    if (p.trainable()) {
                        Autograd.zeroGradient(p.array());
                    }
                }
            }
            long t4 = System.nanoTime();
            sample.run();
            if (i >= o.warmup()) {
                times.get(0).add((t1 - t0) / 1e6);
                times.get(1).add((t2 - t1) / 1e6);
                times.get(2).add((t3 - t2) / 1e6);
                times.get(3).add((t4 - t3) / 1e6);
            }
        }
        return times.stream().mapToDouble(SegBenchmark::median).toArray();
    }

    /** Waits for the backward pass by reading one gradient element. */
    private static void firstGradient(Map<String, NDArray> masters, NDManager scope) {
        PtNDArray g = JniUtils.getGradient((PtNDArray) masters.values().iterator().next());
        if (g != null) {
            g.attach(scope);
            g.getFloat(new long[g.getShape().dimension()]);
        }
    }

    /** Median milliseconds per image: one view (whole or slide), or {@code tta}'s views merged. */
    private static double inferMillis(EncoderDecoder model, NDManager root, TaskJob.BenchmarkOptions o, int[] hw, TestTimeAug tta,
                                      Runnable sample) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < o.warmup() + o.iterations(); i++) {
            long t0 = System.nanoTime();
            try (Scope scope = Scope.open(root)) {
                NDArray pred;
                if (tta == null) {
                    NDArray image = scope.manager().randomNormal(new Shape(1, 3, hw[0], hw[1]));
                    pred = model.predict(image, new ImageMeta(hw[0], hw[1], hw[0], hw[1], 1, 1, false, hw[0], hw[1]));
                } else {
                    List<NDArray> views = new ArrayList<>();
                    List<ImageMeta> metas = new ArrayList<>();
                    for (double r : tta.config().imgRatios()) {
                        int[] wh = tta.viewSize(hw[1], hw[0], r);
                        for (int f = 0; f < (tta.config().flip() ? 2 : 1); f++) {
                            views.add(scope.manager().randomNormal(new Shape(1, 3, wh[1], wh[0])));
                            metas.add(new ImageMeta(hw[0], hw[1], wh[1], wh[0], (double) wh[0] / hw[1], (double) wh[1] / hw[0], f == 1,
                                    wh[1], wh[0]));
                        }
                    }
                    pred = model.predictAug(views, metas);
                }
                pred.getInt(0, 0);
            }
            sample.run();
            if (i >= o.warmup()) {
                times.add((System.nanoTime() - t0) / 1e6);
            }
        }
        return median(times);
    }

    /** Random pixels (already normalised) and random labels, one class per 32x32 block so the loss is not trivial. */
    private static List<ImageSample> syntheticBatch(int n, int[] hw, int classes) {
        Random rng = new Random(0);
        List<ImageSample> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            Planar<GrayF32> img = new Planar<>(GrayF32.class, hw[1], hw[0], 3);
            for (int b = 0; b < 3; b++) {
                float[] d = img.getBand(b).data;
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) rng.nextGaussian();
                }
            }
            GrayU8 labels = new GrayU8(hw[1], hw[0]);
            for (int y = 0; y < hw[0]; y++) {
                for (int x = 0; x < hw[1]; x++) {
                    labels.set(x, y, Math.floorMod((x / 32) * 7 + (y / 32) * 13 + k, classes));
                }
            }
            out.add(new ImageSample(img, labels));
        }
        return out;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
