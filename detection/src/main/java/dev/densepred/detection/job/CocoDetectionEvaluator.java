package dev.densepred.detection.job;

import dev.densepred.datasets.coco.CocoCategories;
import dev.densepred.datasets.coco.CocoDetection;
import dev.densepred.datasets.coco.DetectionSample;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.loader.SampleFailure;
import dev.densepred.datasets.mask.RleMask;
import dev.densepred.detection.Detections;
import dev.densepred.detection.MaskRcnn;
import dev.densepred.detection.eval.CocoEvalResult;
import dev.densepred.detection.eval.CocoEvaluator;
import dev.densepred.detection.eval.CocoResults;
import dev.densepred.detection.eval.CocoResultsWriter;
import dev.densepred.detection.eval.IouType;
import dev.densepred.engine.data.BatchIterator;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.log.ProgressBar;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * mmdetection's test loop with {@code CocoMetric}: predicts every image of a COCO set, turns the detections into
 * COCO results (box {@code [x, y, w, h]} from {@code xyxy}, category id from the contiguous label, the mask as
 * RLE at the original size, the box score for both), optionally writes them as mmdet does
 * ({@code <prefix>.bbox.json}, {@code <prefix>.segm.json}), and evaluates them with {@link CocoEvaluator}. Metric
 * names are mmdet's: {@code coco/bbox_mAP}, {@code coco/bbox_mAP_50}, ... {@code coco/segm_mAP_l}.
 *
 * <p>An image the loader skips as bad data has no detections (its objects count as missed), and the number of
 * skipped images is printed: the metric is never computed over a silently smaller set.
 */
public final class CocoDetectionEvaluator {

    /** The six AP figures mmdetection reports per metric, in {@code COCOeval.stats} order. */
    static final List<String> ITEMS = List.of("mAP", "mAP_50", "mAP_75", "mAP_s", "mAP_m", "mAP_l");

    private final CocoDetection dataset;
    private final DetectionSettings.DataLoader loaderSettings;
    private final DetectionSettings.Metric metric;

    public CocoDetectionEvaluator(CocoDetection dataset, DetectionSettings.DataLoader loader, DetectionSettings.Metric metric) {
        this.dataset = dataset;
        this.loaderSettings = loader;
        this.metric = metric;
    }

    /**
     * Evaluates {@code model} (in evaluation mode, gradients off) with per-batch scopes under {@code parent}.
     *
     * @param resultsPrefix where to write the results files ({@code <prefix>.bbox.json}, ...), or null
     * @param classwise print the per-category tables as well
     * @param out where the progress and the tables go
     */
    public Map<String, Double> evaluate(MaskRcnn model, NDManager parent, Device device, Path resultsPrefix,
            boolean classwise, PrintStream out) {
        List<SampleFailure> failures = new ArrayList<>();
        PrefetchLoader<CocoDetection.ImageRecord, DetectionSample> loader =
                DetectionData.loader(dataset, loaderSettings, 1, failures::add);
        CocoResults.Builder results = CocoResults.builder(dataset.instances());
        CocoCategories cats = dataset.instances().categories();
        DetectionCollate collate = new DetectionCollate();
        int images = loader.records().size();
        try (ProgressBar bar = ProgressBar.create("test", images, out);
                BatchIterator<LoadedBatch<DetectionSample>> it = loader.epoch(0, 0, 0)) {
            while (it.hasNext()) {
                LoadedBatch<DetectionSample> batch = it.next();
                try (Scope scope = Scope.open(parent)) {
                    DetectionCollate.Batch b = collate.collate(batch.samples(), scope.manager());
                    NDArray x = b.images().toDevice(device, false);
                    List<Detections> dets = model.predict(x, b.metas());
                    for (int i = 0; i < dets.size(); i++) {
                        add(results, b.imageIds()[i], dets.get(i), cats);
                    }
                }
                bar.step(batch.samples().size() + batch.skipped());
            }
        }
        for (SampleFailure f : failures) {
            out.println("warning: " + f);
        }
        if (!failures.isEmpty()) {
            out.printf("warning: %d of %d images could not be loaded; they count as images without detections%n", failures.size(), images);
        }
        CocoResults built = results.build();
        if (built.size() == 0) {
            out.println("note: no detection scored above the threshold on any image; every AP is 0");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (String m : metric.metric()) {
            IouType type = IouType.parse(m);
            if (resultsPrefix != null) {
                Path file = resultsPrefix.resolveSibling(resultsPrefix.getFileName() + "." + m + ".json");
                try {
                    CocoResultsWriter.write(built, type, file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                out.println("wrote " + file);
            }
            CocoEvalResult r = CocoEvaluator.evaluate(dataset.instances(), built, type, CocoEvaluator.Settings.defaults());
            out.printf("%nEvaluating %s%n", m);
            r.summaryLines().forEach(out::println);
            if (classwise) {
                out.println();
                r.categoryTable().forEach(out::println);
            }
            double[] stats = r.stats();
            for (int k = 0; k < ITEMS.size(); k++) {
                metrics.put("coco/" + m + "_" + ITEMS.get(k), stats[k]);
            }
        }
        return metrics;
    }

    private static void add(CocoResults.Builder results, long imageId, Detections d, CocoCategories cats) {
        float[] boxes = d.boxes();
        float[] scores = d.scores();
        int[] labels = d.labels();
        List<RleMask> masks = d.masks();
        for (int i = 0; i < scores.length; i++) {
            // float32 arithmetic, as mmdet's xyxy2xywh on the float32 arrays
            float x1 = boxes[4 * i];
            float y1 = boxes[4 * i + 1];
            double[] xywh = {x1, y1, boxes[4 * i + 2] - x1, boxes[4 * i + 3] - y1};
            long category = cats.id(cats.indexOfLabel(labels[i]));
            results.add(imageId, category, scores[i], xywh, masks.isEmpty() ? null : masks.get(i));
        }
    }
}
