package dev.densepred.segmentation.job;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import boofcv.struct.image.GrayU8;
import dev.densepred.datasets.ade.Ade20kClasses;
import dev.densepred.datasets.ade.Ade20kDataset;
import dev.densepred.datasets.ade.SegTestSample;
import dev.densepred.datasets.ade.TestTimeAug;
import dev.densepred.datasets.batch.Collate;
import dev.densepred.datasets.batch.ImageBatch;
import dev.densepred.datasets.image.ImageDecoder;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.loader.SampleFailure;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.log.ProgressBar;
import dev.densepred.segmentation.EncoderDecoder;
import dev.densepred.segmentation.IouMetric;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * mmseg's test loop with {@code IoUMetric}: every image of the dataset through the test pipeline (or the
 * test-time-augmentation views), predicted at its original size, scored against its full-size label map, then the
 * per-class table and aAcc, mIoU, mAcc in percent. Images that fail to load are reported by file as they happen
 * and counted in the summary; the metrics cover the others and say how many they cover.
 */
final class SegEvaluation {

    /**
     * @param metrics aAcc, mIoU, mAcc in percent (mmseg's rounding)
     * @param metric the accumulated metric, for the per-class figures
     * @param failures images skipped as bad data
     */
    record Result(Map<String, Double> metrics, IouMetric metric, List<SampleFailure> failures) {}

    private SegEvaluation() {}

    /**
     * Evaluates {@code model} (in evaluation mode) on {@code dataset}.
     *
     * @param tta the multi-scale and flip views, or null for the dataset's single-scale pipeline
     * @param parent manager on the model's device for the per-image scopes
     * @param showDir where to write ground truth | prediction pictures, or null
     */
    static Result run(EncoderDecoder model, Ade20kDataset dataset, TestTimeAug tta, int workers, NDManager parent,
                      PrintStream console, Path showDir) {
        if (model.numClasses() != Ade20kClasses.COUNT) {
            throw new IllegalArgumentException("the model predicts " + model.numClasses() + " classes but ADE20K has "
                    + Ade20kClasses.COUNT + " (decode_head.num_classes)");
        }
        IouMetric metric = new IouMetric(Ade20kClasses.names(), Ade20kDataset.IGNORE);
        List<SampleFailure> failures = new ArrayList<>();
        PrefetchLoader<Ade20kDataset.Item, SegTestSample> loader = PrefetchLoader
                .<Ade20kDataset.Item, SegTestSample>builder(dataset.items(), (item, rng) -> dataset.loadTest(item, tta, rng))
                .batchSize(1).shuffle(false).workers(workers)
                // twelve views of a large image are big: keep few of them ahead
                .prefetch(tta != null ? workers : 2 * workers)
                .listener(f -> {
                    failures.add(f);
                    console.println("warning: " + f);
                })
                .build();
        Collate collate = new Collate(new Collate.Config(1, null, 0f, 255, Collate.LabelType.UINT8));
        SegPainter painter = showDir == null ? null : new SegPainter(Ade20kClasses::rgb, Ade20kClasses::name);
        String title = tta != null ? "test (" + tta.viewCount() + " views)" : "test";
        try (ProgressBar bar = ProgressBar.create(title, dataset.size(), console);
             BatchIterator<LoadedBatch<SegTestSample>> it = loader.epoch(0, 0, 0)) {
            while (it.hasNext()) {
                LoadedBatch<SegTestSample> batch = it.next();
                for (SegTestSample s : batch.samples()) {
                    int[] pred = predict(model, s, tta != null, collate, parent);
                    int[] gt = toInts(s.labels());
                    metric.add(pred, gt);
                    if (painter != null) {
                        show(painter, s, pred, gt, showDir);
                    }
                }
                bar.step(batch.samples().size() + batch.skipped());
            }
        }
        console.println("per class results:");
        console.print(metric.table());
        Map<String, Double> metrics = new LinkedHashMap<>(metric.summary());
        console.printf("aAcc: %.2f  mIoU: %.2f  mAcc: %.2f  (%d images)%n", metrics.get("aAcc"), metrics.get("mIoU"),
                metrics.get("mAcc"), metric.imageCount());
        if (!failures.isEmpty()) {
            console.printf("warning: %d of %d images were skipped as bad data and are not in these metrics:%n", failures.size(),
                    dataset.size());
            failures.forEach(f -> console.println("  " + f.file() + ": " + f.message()));
        }
        return new Result(metrics, metric, List.copyOf(failures));
    }

    /** The label map of one test sample, {@code [oriH * oriW]} row-major. */
    static int[] predict(EncoderDecoder model, SegTestSample s, boolean aug, Collate collate, NDManager parent) {
        try (Scope scope = Scope.open(parent)) {
            List<NDArray> views = new ArrayList<>();
            List<ImageMeta> metas = new ArrayList<>();
            for (ImageSample v : s.views()) {
                ImageBatch b = collate.collate(List.of(v), scope.manager());
                views.add(b.images());
                metas.add(b.metas().get(0));
            }
            NDArray pred = aug ? model.predictAug(views, metas) : model.predict(views.get(0), metas.get(0));
            return pred.toIntArray();
        }
    }

    static int[] toInts(GrayU8 labels) {
        int[] out = new int[labels.width * labels.height];
        for (int y = 0; y < labels.height; y++) {
            int base = labels.startIndex + y * labels.stride;
            for (int x = 0; x < labels.width; x++) {
                out[y * labels.width + x] = labels.data[base + x] & 0xFF;
            }
        }
        return out;
    }

    private static void show(SegPainter painter, SegTestSample s, int[] pred, int[] gt, Path dir) {
        var image = SegPainter.toImage(ImageDecoder.readRgb(s.item().image()));
        try {
            SegPainter.write(SegPainter.sideBySide(painter.blend(image, gt), "ground truth", painter.withLegend(image, pred), "prediction"),
                    dir.resolve(s.item().name() + ".png"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(s.item().name() + ".png") + ": " + e.getMessage(), e);
        }
    }
}
