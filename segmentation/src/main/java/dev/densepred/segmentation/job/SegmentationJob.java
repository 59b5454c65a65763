package dev.densepred.segmentation.job;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.Planar;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.densepred.datasets.SampleException;
import dev.densepred.datasets.ade.Ade20kClasses;
import dev.densepred.datasets.ade.Ade20kDataset;
import dev.densepred.datasets.ade.TestTimeAug;
import dev.densepred.datasets.batch.Collate;
import dev.densepred.datasets.image.ImageDecoder;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.datasets.transform.Normalize;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.job.TaskJob;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Devices;
import dev.densepred.engine.train.Runner;
import dev.densepred.engine.train.TrainingConfig;
import dev.densepred.engine.train.checkpoint.ModelWeights;
import dev.densepred.segmentation.EncoderDecoder;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Semantic segmentation for the command line: configs whose {@code model.type} is {@code EncoderDecoder} (UperNet
 * on ADE20K, as mmsegmentation 1.x). Reads {@code model}, {@code train_dataloader}, {@code val_dataloader},
 * {@code test_dataloader}, {@code tta} and the training sections of {@link TrainingConfig}.
 */
public final class SegmentationJob implements TaskJob {

    static final String MODEL_TYPE = "EncoderDecoder";

    @Override
    public String name() {
        return "segmentation";
    }

    @Override
    public boolean handles(Config cfg) {
        return cfg.find("model.type").map(c -> c.node().isJsonPrimitive() && MODEL_TYPE.equals(c.node().getAsString())).orElse(false);
    }

    @Override
    public Runner.Result train(Config cfg, Path workDir, boolean resume, PrintStream out) throws IOException {
        TrainingConfig training = TrainingConfig.from(cfg);
        DataLoaderConfig trainLoader = loaderConfig(cfg, "train_dataloader");
        DataLoaderConfig valLoader = loaderConfig(cfg, "val_dataloader");
        Ade20kDataset train = Ade20kDataset.open(trainLoader.dataset());
        Ade20kDataset val = Ade20kDataset.open(valLoader.dataset());
        if (train.size() < trainLoader.batchSize()) {
            throw new ConfigException(cfg.originOf("train_dataloader.batch_size") + ": train_dataloader.batch_size "
                    + trainLoader.batchSize() + " is larger than the " + train.size() + " training images of " + train);
        }
        // batch_size is the total over the devices, as in the detection configs: each replica takes its share.
        int replicas = Math.max(1, training.devices().size());
        if (trainLoader.batchSize() % replicas != 0) {
            throw new ConfigException(cfg.originOf("train_dataloader.batch_size") + ": train_dataloader.batch_size "
                    + trainLoader.batchSize() + " is the total over " + replicas + " devices and must be a multiple of it");
        }
        out.printf("train: %s; val: %s%n", train, val);
        // Full batches only, as mmengine's InfiniteSampler always gives; samples that fail to load are reported and skipped.
        PrefetchLoader<Ade20kDataset.Item, ImageSample> loader = PrefetchLoader.builder(train.items(), train::loadTrain)
                .batchSize(trainLoader.batchSize() / replicas).shuffle(true).dropLast(true).workers(trainLoader.numWorkers())
                .listener(f -> out.println("warning: " + f)).build();
        Config model = cfg.at("model");
        Runner.Result result;
        try (Runner<dev.densepred.datasets.loader.LoadedBatch<ImageSample>, UperNetTask> runner = Runner
                .<dev.densepred.datasets.loader.LoadedBatch<ImageSample>, UperNetTask>builder(training, workDir,
                        m -> new UperNetTask(model, m), loader)
                .evaluator((task, ctx) -> SegEvaluation.run(task.segmentor(), val, null, valLoader.numWorkers(), ctx.manager(),
                        ctx.console(), null).metrics())
                .resolvedConfig(cfg).resume(resume).console(out).build()) {
            result = runner.train();
        }
        if (loader.skippedSamples() > 0) {
            out.printf("warning: %d training samples were skipped as bad data (listed above)%n", loader.skippedSamples());
        }
        return result;
    }

    @Override
    public Map<String, Double> test(Config cfg, Path checkpoint, TestOptions options, PrintStream out) throws IOException {
        DataLoaderConfig testLoader = loaderConfig(cfg, "test_dataloader");
        Ade20kDataset test = Ade20kDataset.open(testLoader.dataset());
        TestTimeAug tta = options.augTest() ? testTimeAug(cfg) : null;
        out.printf("test: %s, %s%n", test, tta != null ? tta.viewCount() + " views per image (multi-scale and flip)"
                : "single scale, " + cfg.find("model.test_cfg.mode").map(c -> c.node().getAsString()).orElse("whole"));
        try (NDManager manager = NDManager.newBaseManager(device(cfg)); Autograd.Recording off = Autograd.noGrad()) {
            EncoderDecoder model = loadModel(cfg, checkpoint, manager, out);
            SegEvaluation.Result r = SegEvaluation.run(model, test, tta, testLoader.numWorkers(), manager, out, options.showDir());
            if (options.showDir() != null) {
                out.println("pictures of the predictions in " + options.showDir());
            }
            if (options.resultsOut() != null) {
                writeResults(options.resultsOut(), r);
                out.println("wrote " + options.resultsOut());
            }
            return r.metrics();
        }
    }

    @Override
    public List<Path> infer(Config cfg, Path checkpoint, List<Path> images, Path outDir, PrintStream out) throws IOException {
        DataLoaderConfig testLoader = loaderConfig(cfg, "test_dataloader");
        dev.densepred.datasets.transform.Pipeline pipeline =
                dev.densepred.datasets.transform.Pipeline.fromConfig(testLoader.dataset().pipeline());
        SegPainter painter = new SegPainter(Ade20kClasses::rgb, Ade20kClasses::name);
        Collate collate = new Collate(new Collate.Config(1, null, 0f, 255, Collate.LabelType.UINT8));
        List<Path> written = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(device(cfg)); Autograd.Recording off = Autograd.noGrad()) {
            EncoderDecoder model = loadModel(cfg, checkpoint, manager, out);
            for (Path file : images) {
                Planar<GrayF32> rgb = ImageDecoder.readRgb(file);
                ImageSample view = new ImageSample(rgb.clone(), null);
                pipeline.apply(view, new SplittableRandom(0));
                int[] pred;
                try (var scope = dev.densepred.engine.runtime.Scope.open(manager)) {
                    var batch = collate.collate(List.of(view), scope.manager());
                    pred = model.predict(batch.images(), batch.metas().get(0)).toIntArray();
                }
                String name = file.getFileName().toString();
                int dot = name.lastIndexOf('.');
                Path target = outDir.resolve((dot > 0 ? name.substring(0, dot) : name) + ".png");
                written.add(SegPainter.write(painter.withLegend(SegPainter.toImage(rgb), pred), target));
            }
        }
        return written;
    }

    @Override
    public List<Path> browse(Config cfg, Path outDir, int count, PrintStream out) throws IOException {
        DataLoaderConfig trainLoader = loaderConfig(cfg, "train_dataloader");
        Ade20kDataset train = Ade20kDataset.open(trainLoader.dataset());
        if (train.size() == 0) {
            throw new ConfigException("train_dataloader: " + train + " has no images");
        }
        Normalize.Config norm = normalizeOf(trainLoader.dataset());
        SegPainter painter = new SegPainter(Ade20kClasses::rgb, Ade20kClasses::name);
        long seed = TrainingConfig.from(cfg).randomness().seed();
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Ade20kDataset.Item item = train.items().get(i % train.size());
            ImageSample s;
            try {
                s = train.loadTrain(item, new SplittableRandom(seed * 1_000_003L + i));
            } catch (SampleException e) {
                out.println("warning: skipped " + item + ": " + e.getMessage());
                continue;
            }
            BufferedImage image = SegPainter.toImage(denormalize(s.image(), norm));
            int[] labels = SegEvaluation.toInts(s.labels());
            var meta = s.meta();
            String caption = String.format(java.util.Locale.ROOT, "%s  scale %.2f%s, content %dx%d", item.name(), meta.scaleX(),
                    meta.flipped() ? ", flipped" : "", meta.width(), meta.height());
            written.add(SegPainter.write(SegPainter.sideBySide(image, caption, painter.withLegend(image, labels), "labels (255: not drawn)"),
                    outDir.resolve(String.format("%03d_%s.png", i, item.name()))));
        }
        return written;
    }

    @Override
    public Map<String, Double> benchmark(Config cfg, BenchmarkOptions options, PrintStream out) throws IOException {
        return SegBenchmark.run(cfg, options, device(cfg), out);
    }

    /** A dataloader section, bound. */
    static DataLoaderConfig loaderConfig(Config cfg, String key) {
        return cfg.at(key).bind(DataLoaderConfig.class);
    }

    static TestTimeAug testTimeAug(Config cfg) {
        return new TestTimeAug(cfg.find("tta").map(c -> c.bind(TestTimeAug.Config.class)).orElseThrow(() -> new ConfigException(
                cfg.describe() + ": --aug-test needs a 'tta' section (img_ratios, flip, pipeline), see configs/_base_/datasets/ade20k.json")));
    }

    /** The first of the config's {@code devices}, or the engine's default device. */
    static Device device(Config cfg) {
        List<String> devices = TrainingConfig.from(cfg).devices();
        return devices.isEmpty() ? Engine.getInstance().defaultDevice() : Devices.parse(devices.get(0));
    }

    /**
     * The model for testing: built and initialised without the backbone's pretrained file (mmseg initialises weights
     * only for training), then {@code checkpoint}'s weights, or none for the untrained baseline; in evaluation mode.
     */
    static EncoderDecoder loadModel(Config cfg, Path checkpoint, NDManager manager, PrintStream out) throws IOException {
        JsonObject node = cfg.at("model").node().getAsJsonObject().deepCopy();
        if (node.has("backbone") && node.get("backbone").isJsonObject()) {
            node.getAsJsonObject("backbone").remove("pretrained");
        }
        if (checkpoint == null) {
            // seeded from randomness.seed, so that every run reports the same untrained baseline
            Engine.getInstance().setRandomSeed((int) TrainingConfig.from(cfg).randomness().seed());
        }
        EncoderDecoder model = EncoderDecoder.build(Config.of(node, cfg.originOf("model")), manager);
        if (checkpoint != null) {
            ModelWeights.load(model, checkpoint);
            out.println("loaded " + ModelWeights.resolve(checkpoint));
        } else {
            out.println("no checkpoint: evaluating the freshly initialised model");
        }
        model.train(false);
        return model;
    }

    /** The pipeline's Normalize settings (to show augmented images in colour), or the defaults. */
    static Normalize.Config normalizeOf(Ade20kDataset.Config dataset) {
        for (Config step : dataset.pipeline()) {
            if ("Normalize".equals(step.type())) {
                return dev.densepred.engine.config.ConfigBinder.bind(step, Normalize.Config.class, java.util.Set.of("type"));
            }
        }
        return Normalize.Config.defaults();
    }

    private static Planar<GrayF32> denormalize(Planar<GrayF32> image, Normalize.Config norm) {
        Planar<GrayF32> out = image.clone();
        for (int b = 0; b < 3; b++) {
            float[] d = out.getBand(b).data;
            for (int i = 0; i < d.length; i++) {
                d[i] = d[i] * norm.std()[b] + norm.mean()[b];
            }
        }
        return out;
    }

    private static void writeResults(Path file, SegEvaluation.Result r) throws IOException {
        JsonObject json = new JsonObject();
        r.metrics().forEach(json::addProperty);
        JsonObject perClass = new JsonObject();
        double[] iou = r.metric().iou();
        double[] acc = r.metric().acc();
        for (int c = 0; c < iou.length; c++) {
            JsonObject o = new JsonObject();
            o.addProperty("IoU", iou[c] * 100);
            o.addProperty("Acc", acc[c] * 100);
            perClass.add(r.metric().classNames().get(c), o);
        }
        json.add("per_class", perClass);
        json.addProperty("images", r.metric().imageCount());
        json.addProperty("skipped", r.failures().size());
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json));
    }
}
