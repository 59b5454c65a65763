package dev.densepred.segmentation.job;

import dev.densepred.datasets.ade.Ade20kDataset;

/**
 * A {@code train_dataloader}, {@code val_dataloader} or {@code test_dataloader} section, mmseg's keys.
 *
 * @param batchSize images per optimizer step, the total over all devices (each takes an equal share); mmseg's
 *     ADE20K recipes use 16 (2 per GPU on 8 GPUs)
 * @param numWorkers loader threads doing decode and augmentation
 * @param dataset the dataset and its pipeline
 */
public record DataLoaderConfig(int batchSize, int numWorkers, Ade20kDataset.Config dataset) {
    public DataLoaderConfig {
        if (batchSize < 1 || numWorkers < 1) {
            throw new IllegalArgumentException("batch_size and num_workers must be >= 1, got " + batchSize + " and " + numWorkers);
        }
    }

    public static DataLoaderConfig defaults() {
        return new DataLoaderConfig(1, 2, Ade20kDataset.Config.defaults());
    }
}
