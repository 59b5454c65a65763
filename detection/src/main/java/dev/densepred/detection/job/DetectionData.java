package dev.densepred.detection.job;

import dev.densepred.datasets.coco.CocoDetection;
import dev.densepred.datasets.coco.DetectionSample;
import dev.densepred.datasets.loader.AspectRatioBatchSampler;
import dev.densepred.datasets.loader.FixedSizeBatchSampler;
import dev.densepred.datasets.loader.LoaderListener;
import dev.densepred.datasets.loader.PrefetchLoader;
import dev.densepred.datasets.loader.Sampler;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigException;

import java.io.IOException;
import java.util.Set;

/** Builds the COCO datasets and loaders a detection config describes. */
public final class DetectionData {

    private DetectionData() {}

    /** The dataset of a loader section ({@code type} must be CocoDataset). */
    public static CocoDetection dataset(DetectionSettings.DataLoader loader) throws IOException {
        Config ds = loader.dataset();
        if (ds == null) {
            throw new ConfigException("the data loader has no 'dataset'");
        }
        if (!ds.has("type") || !"CocoDataset".equals(ds.type())) {
            throw new ConfigException(ds.describe() + ": dataset type must be CocoDataset");
        }
        return CocoDetection.open(ConfigBinder.bind(ds, CocoDetection.Settings.class, Set.of("type")));
    }

    /**
     * The loader over {@code dataset} with the section's sampler and batching; {@code replicas} devices share
     * {@code batch_size} (one batch of {@code batch_size / replicas} each).
     */
    public static PrefetchLoader<CocoDetection.ImageRecord, DetectionSample> loader(
            CocoDetection dataset, DetectionSettings.DataLoader loader, int replicas, LoaderListener listener) {
        if (loader.batchSize() % replicas != 0) {
            throw new ConfigException("batch_size " + loader.batchSize() + " is the total over " + replicas
                    + " devices and must be a multiple of it");
        }
        int perReplica = loader.batchSize() / replicas;
        boolean shuffle = loader.sampler().shuffle();
        boolean grouped = loader.batchSampler() != null;
        return PrefetchLoader.<CocoDetection.ImageRecord, DetectionSample>builder(dataset.records(), dataset::load)
                .keep(dataset.filter())
                .batches(kept -> grouped
                        ? new AspectRatioBatchSampler(new Sampler(kept.size(), shuffle),
                                i -> kept.get(i).width() < kept.get(i).height(), perReplica, false)
                        : new FixedSizeBatchSampler(new Sampler(kept.size(), shuffle), perReplica, false))
                .workers(loader.numWorkers())
                .describe(CocoDetection.ImageRecord::toString)
                .listener(listener)
                .build();
    }
}
