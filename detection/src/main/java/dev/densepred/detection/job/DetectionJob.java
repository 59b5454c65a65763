package dev.densepred.detection.job;

import dev.densepred.datasets.coco.CocoDetection;
import dev.densepred.datasets.coco.DetectionSample;
import dev.densepred.datasets.image.ImageDecoder;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.datasets.loader.LoaderListener;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.mask.RleMask;
import dev.densepred.datasets.transform.BitmapMasks;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.detection.Detections;
import dev.densepred.detection.MaskRcnn;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.job.TaskJob;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Devices;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.Runner;
import dev.densepred.engine.train.TrainingConfig;
import dev.densepred.engine.train.checkpoint.ModelWeights;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * The command-line family of Mask R-CNN ({@code model.type} MaskRCNN): train through the engine's
 * {@link Runner} with COCO evaluation, test with the COCO tables, infer and browse pictures, and benchmark.
 */
public final class DetectionJob implements TaskJob {

    /** Instances drawn by {@code infer} score at least this (mmdet's visualizer default {@code pred_score_thr}). */
    public static final float DRAW_SCORE_THRESHOLD = 0.3f;

    @Override
    public String name() {
        return "detection";
    }

    @Override
    public boolean handles(Config cfg) {
        return cfg.find("model.type").map(c -> c.node().isJsonPrimitive() && "MaskRCNN".equals(c.node().getAsString())).orElse(false);
    }

    @Override
    public Runner.Result train(Config cfg, Path workDir, boolean resume, PrintStream out) throws IOException {
        TrainingConfig tc = TrainingConfig.from(cfg);
        DetectionSettings s = DetectionSettings.from(cfg);
        if (s.trainDataloader() == null) {
            throw new ConfigException(cfg.describe() + ": no train_dataloader to train on");
        }
        CocoDetection train = DetectionData.dataset(s.trainDataloader());
        int replicas = Math.max(1, tc.devices().size());
        AtomicLong skipped = new AtomicLong();
        LoaderListener listener = f -> {
            skipped.incrementAndGet();
            out.println("warning: " + f);
        };
        PrefetchLoader<CocoDetection.ImageRecord, DetectionSample> loader = DetectionData.loader(train, s.trainDataloader(), replicas, listener);
        out.printf("train set %s: %d images (%d filtered out: no annotations or smaller than min_size), %d batches per epoch%n",
                train.instances().source(), loader.records().size(), loader.filteredOut(), loader.batchesPerEpoch());
        Runner.Builder<LoadedBatch<DetectionSample>, MaskRcnnTask> builder = Runner.builder(tc, workDir,
                m -> new MaskRcnnTask(s.model(), m), loader);
        if (s.valDataloader() != null && tc.trainCfg().valInterval() != -1) {
            CocoDetection val = DetectionData.dataset(s.valDataloader());
            CocoDetectionEvaluator evaluator = new CocoDetectionEvaluator(val, s.valDataloader(), s.valEvaluator());
            boolean classwise = s.valEvaluator().classwise();
            builder.evaluator((task, ctx) -> evaluator.evaluate(task.maskRcnn(), ctx.manager(), ctx.device(), null, classwise, ctx.console()));
        }
        try (Runner<LoadedBatch<DetectionSample>, MaskRcnnTask> runner = builder.resolvedConfig(cfg).resume(resume).console(out).build()) {
            Runner.Result r = runner.train();
            if (skipped.get() > 0) {
                out.printf("warning: %d training samples were skipped as bad data (listed above)%n", skipped.get());
            }
            return r;
        }
    }

    @Override
    public Map<String, Double> test(Config cfg, Path checkpoint, TestOptions options, PrintStream out) throws IOException {
        TrainingConfig tc = TrainingConfig.from(cfg);
        DetectionSettings s = DetectionSettings.from(cfg);
        DetectionSettings.DataLoader data = s.testData(cfg);
        CocoDetection dataset = DetectionData.dataset(data);
        DetectionSettings.Metric metric = s.testEvaluator();
        Device device = device(tc);
        try (NDManager manager = NDManager.newBaseManager(device)) {
            MaskRcnn model = model(s, tc, checkpoint, manager, out);
            Map<String, Double> coco;
            try (Autograd.Recording off = Autograd.noGrad()) {
                coco = new CocoDetectionEvaluator(dataset, data, metric).evaluate(model, manager, device, options.resultsOut(), true, out);
            }
            if (options.showDir() != null) {
                List<Path> files = new ArrayList<>();
                for (CocoDetection.ImageRecord r : dataset.records()) {
                    files.add(r.file());
                }
                infer(model, manager, dataset, files, options.showDir(), out);
            }
            Map<String, Double> metrics = new LinkedHashMap<>(coco);
            coco.forEach((k, v) -> metrics.put(k.substring("coco/".length()), v));
            return metrics;
        }
    }

    /**
     * The model of the config, seeded as the run would be, in evaluation mode, with the weights of
     * {@code checkpoint} when given. The backbone's ImageNet weights are not loaded: a checkpoint replaces them, and
     * the untrained baseline is the from-scratch initialisation.
     */
    private static MaskRcnn model(DetectionSettings s, TrainingConfig tc, Path checkpoint, NDManager manager, PrintStream out) throws IOException {
        Engine.getInstance().setRandomSeed((int) tc.randomness().seed());
        MaskRcnn model = MaskRcnn.build(withoutPretrained(s.model()), manager);
        if (checkpoint != null) {
            ModelWeights.load(model, checkpoint);
            out.println("loaded " + ModelWeights.resolve(checkpoint));
        } else {
            out.println("no checkpoint: evaluating the freshly initialised model (no pretrained weights loaded)");
        }
        model.train(false);
        return model;
    }

    /** The {@code model} section without {@code backbone.pretrained}, so building it reads no weight file. */
    static Config withoutPretrained(Config model) {
        JsonObject copy = model.node().getAsJsonObject().deepCopy();
        if (copy.has("backbone") && copy.get("backbone").isJsonObject()) {
            copy.getAsJsonObject("backbone").remove("pretrained");
        }
        JsonObject root = new JsonObject();
        root.add("model", copy);
        return Config.of(root, model.originOf(model.path())).at("model");
    }

    static Device device(TrainingConfig tc) {
        return tc.devices().isEmpty() ? Engine.getInstance().defaultDevice() : Devices.parse(tc.devices().get(0));
    }

    @Override
    public List<Path> infer(Config cfg, Path checkpoint, List<Path> images, Path outDir, PrintStream out) throws IOException {
        TrainingConfig tc = TrainingConfig.from(cfg);
        DetectionSettings s = DetectionSettings.from(cfg);
        CocoDetection dataset = DetectionData.dataset(s.testData(cfg));
        Device device = device(tc);
        try (NDManager manager = NDManager.newBaseManager(device)) {
            MaskRcnn model = model(s, tc, checkpoint, manager, out);
            return infer(model, manager, dataset, images, outDir, out);
        }
    }

    private static List<Path> infer(MaskRcnn model, NDManager root, CocoDetection dataset, List<Path> images, Path outDir, PrintStream out) throws IOException {
        Files.createDirectories(outDir);
        List<String> names = dataset.classNames();
        DetectionCollate collate = new DetectionCollate();
        List<Path> written = new ArrayList<>();
        for (Path file : images) {
            DetectionSample sample = dataset.loadImage(file, new SplittableRandom(0));
            Detections d;
            try (Scope scope = Scope.open(root); Autograd.Recording off = Autograd.noGrad()) {
                DetectionCollate.Batch b = collate.collate(List.of(sample), scope.manager());
                d = model.predict(b.images(), b.metas()).get(0);
            }
            var rgb = ImageDecoder.readRgb(file);
            BufferedImage img = DetectionPainter.toImage(rgb, rgb.width, rgb.height);
            Detections shown = aboveThreshold(d, DRAW_SCORE_THRESHOLD);
            byte[] masks = shown.masks().isEmpty() ? null
                    : BitmapMasks.fromRle(shown.masks().toArray(new RleMask[0]), rgb.width, rgb.height).toArray();
            DetectionPainter.draw(img, shown.boxes(), shown.scores(), shown.labels(), masks, names);
            String base = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
            Path png = outDir.resolve(base + ".png");
            ImageIO.write(img, "png", png.toFile());
            out.printf("%s: %d detections, %d with score >= %.2f%n", file, d.size(), shown.size(), DRAW_SCORE_THRESHOLD);
            written.add(png);
        }
        return written;
    }

    private static Detections aboveThreshold(Detections d, float threshold) {
        float[] boxes = d.boxes();
        float[] scores = d.scores();
        int[] labels = d.labels();
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] >= threshold) {
                keep.add(i);
            }
        }
        float[] kb = new float[keep.size() * 4];
        float[] ks = new float[keep.size()];
        int[] kl = new int[keep.size()];
        List<RleMask> km = new ArrayList<>();
        for (int j = 0; j < keep.size(); j++) {
            int i = keep.get(j);
            System.arraycopy(boxes, 4 * i, kb, 4 * j, 4);
            ks[j] = scores[i];
            kl[j] = labels[i];
            if (!d.masks().isEmpty()) {
                km.add(d.masks().get(i));
            }
        }
        return new Detections(kb, ks, kl, km);
    }

    @Override
    public List<Path> browse(Config cfg, Path outDir, int count, PrintStream out) throws IOException {
        TrainingConfig tc = TrainingConfig.from(cfg);
        DetectionSettings s = DetectionSettings.from(cfg);
        if (s.trainDataloader() == null) {
            throw new ConfigException(cfg.describe() + ": no train_dataloader to browse");
        }
        CocoDetection train = DetectionData.dataset(s.trainDataloader());
        // the training pipeline up to the pixels the model sees, before normalising and padding, so it can be drawn
        List<Config> steps = new ArrayList<>();
        for (Config c : train.settings().pipeline()) {
            String type = c.type();
            if (!type.equals("Normalize") && !type.equals("Pad")) {
                steps.add(c);
            }
        }
        CocoDetection shown = CocoDetection.of(train.settings(), train.instances(), Pipeline.fromConfig(steps));
        PrefetchLoader<CocoDetection.ImageRecord, DetectionSample> loader =
                DetectionData.loader(shown, s.trainDataloader(), 1, f -> out.println("warning: " + f));
        Files.createDirectories(outDir);
        List<String> names = train.classNames();
        List<Path> written = new ArrayList<>();
        try (BatchIterator<LoadedBatch<DetectionSample>> it = loader.epoch(tc.randomness().seed(), 0, 0)) {
            while (it.hasNext() && written.size() < count) {
                for (DetectionSample sample : it.next().samples()) {
                    if (written.size() == count) {
                        break;
                    }
                    int w = sample.image().width();
                    int h = sample.image().height();
                    BufferedImage img = DetectionPainter.toImage(sample.image().image(), w, h);
                    DetectionPainter.draw(img, sample.boxes().toArray(), null, sample.labels(), sample.masks().toArray(), names);
                    Path png = outDir.resolve(String.format("%03d_image_%d%s.png", written.size(), sample.imageId(),
                            sample.image().meta().flipped() ? "_flipped" : ""));
                    ImageIO.write(img, "png", png.toFile());
                    out.printf("%s: %dx%d, %d instances%n", png.getFileName(), w, h, sample.size());
                    written.add(png);
                }
            }
        }
        return written;
    }

    @Override
    public Map<String, Double> benchmark(Config cfg, BenchmarkOptions options, PrintStream out) throws IOException {
        return new DetectionBenchmark(cfg, options, out).run();
    }
}
