package dev.densepred.detection.job;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.train.TrainingConfig;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The sections of a detection config besides the training ones ({@link TrainingConfig}), with mmdetection 3.x's
 * keys. A key at the top level that neither knows is an error naming it and the closest valid key.
 *
 * <pre>{@code
 * "model": {"type": "MaskRCNN", "backbone": {...}, "neck": {...}, ...},
 * "train_dataloader": {"batch_size": 16, "num_workers": 2, "sampler": {"type": "DefaultSampler", "shuffle": true},
 *                      "batch_sampler": {"type": "AspectRatioBatchSampler"},
 *                      "dataset": {"type": "CocoDataset", "data_root": "data/coco/", ...}},
 * "val_dataloader": {...}, "test_dataloader": {...},
 * "val_evaluator": {"type": "CocoMetric", "metric": ["bbox", "segm"]}, "test_evaluator": {...}
 * }</pre>
 *
 * @param model the model section, read by {@code MaskRcnn.build}
 * @param trainDataloader the training data ({@code null}: the config cannot train)
 * @param valDataloader the data of the evaluations during training ({@code null}: none)
 * @param testDataloader the data of {@code test} ({@code null}: the validation data)
 * @param valEvaluator the metric of the evaluations during training
 * @param testEvaluator the metric of {@code test}
 */
public record DetectionSettings(Config model, DataLoader trainDataloader, DataLoader valDataloader,
                                DataLoader testDataloader, Metric valEvaluator, Metric testEvaluator) {

    public static DetectionSettings defaults() {
        return new DetectionSettings(null, null, null, null, Metric.defaults(), Metric.defaults());
    }

    /**
     * A data loader, as mmengine's {@code dataloader} dicts.
     *
     * @param batchSize images per iteration, over all devices together (mmdet's figure is per GPU: 2 x 8 GPUs is
     *     16 here); each of {@code n} devices takes {@code batch_size / n}
     * @param numWorkers loading threads
     * @param sampler the order of the images
     * @param batchSampler how the order is cut into batches ({@code null}: consecutive runs of {@code batch_size})
     * @param dataset the dataset ({@code type} CocoDataset), bound to
     *     {@link dev.densepred.datasets.coco.CocoDetection.Settings}
     */
    public record DataLoader(int batchSize, int numWorkers, Sampler sampler, BatchSampler batchSampler, Config dataset) {
        public DataLoader {
            if (batchSize < 1 || numWorkers < 1) {
                throw new IllegalArgumentException("batch_size and num_workers must be >= 1, got " + batchSize + " and " + numWorkers);
            }
        }

        public static DataLoader defaults() {
            return new DataLoader(2, 2, Sampler.defaults(), null, null);
        }
    }

    /** @param type DefaultSampler (the only one) @param shuffle a new permutation each epoch */
    public record Sampler(String type, boolean shuffle) {
        public Sampler {
            if (!"DefaultSampler".equals(type)) {
                throw new IllegalArgumentException("sampler type must be DefaultSampler, got " + type);
            }
        }

        public static Sampler defaults() {
            return new Sampler("DefaultSampler", true);
        }
    }

    /** @param type AspectRatioBatchSampler: portrait and landscape images in separate batches */
    public record BatchSampler(String type) {
        public BatchSampler {
            if (!"AspectRatioBatchSampler".equals(type)) {
                throw new IllegalArgumentException("batch_sampler type must be AspectRatioBatchSampler, got " + type);
            }
        }
    }

    /**
     * mmdetection's {@code CocoMetric}; the ground truth is the evaluated dataset's own annotation file.
     *
     * @param type CocoMetric
     * @param metric {@code bbox} and/or {@code segm}
     * @param classwise also print the per-category AP table
     */
    public record Metric(String type, List<String> metric, boolean classwise) {
        public Metric {
            if (!"CocoMetric".equals(type)) {
                throw new IllegalArgumentException("evaluator type must be CocoMetric, got " + type);
            }
            metric = List.copyOf(metric);
            for (String m : metric) {
                if (!m.equals("bbox") && !m.equals("segm")) {
                    throw new IllegalArgumentException("metric must be bbox or segm, got " + m);
                }
            }
        }

        public static Metric defaults() {
            return new Metric("CocoMetric", List.of("bbox", "segm"), false);
        }
    }

    /** Binds the detection sections of a full config; the training sections are left to {@link TrainingConfig}. */
    public static DetectionSettings from(Config root) {
        Set<String> training = new HashSet<>(ConfigBinder.keys(TrainingConfig.class));
        DetectionSettings s = ConfigBinder.bind(root, DetectionSettings.class, training);
        if (s.model() == null) {
            throw new ConfigException(root.describe() + ": missing key 'model'");
        }
        return s;
    }

    /** The data of {@code test}: {@code test_dataloader}, else {@code val_dataloader}. */
    public DataLoader testData(Config root) {
        DataLoader d = testDataloader != null ? testDataloader : valDataloader;
        if (d == null || d.dataset() == null) {
            throw new ConfigException(root.describe() + ": no test_dataloader (or val_dataloader) with a dataset to evaluate on");
        }
        return d;
    }
}
