package dev.densepred.segmentation.job;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.densepred.datasets.batch.Collate;
import dev.densepred.datasets.batch.ImageBatch;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.train.Losses;
import dev.densepred.engine.train.StepContext;
import dev.densepred.engine.train.TrainTask;
import dev.densepred.segmentation.EncoderDecoder;

/**
 * The training task of an {@link EncoderDecoder}: a loaded batch of augmented, padded crops is collated into the
 * step's manager (images float32, labels int64 with 255 ignored) and goes through {@code forwardTrain}, whose
 * losses ({@code decode.loss_ce}, {@code aux.loss_ce}) the runner sums, and whose accuracies it only logs.
 */
final class UperNetTask implements TrainTask<LoadedBatch<ImageSample>> {

    private final EncoderDecoder model;
    // one per task: a collate reuses its staging buffer, and each replica has its own task and thread
    private final Collate collate = new Collate(new Collate.Config(1, null, 0f, 255, Collate.LabelType.INT64));

    UperNetTask(Config modelConfig, NDManager manager) {
        this.model = EncoderDecoder.build(modelConfig, manager);
    }

    EncoderDecoder segmentor() {
        return model;
    }

    @Override
    public Module model() {
        return model;
    }

    @Override
    public Losses losses(LoadedBatch<ImageSample> batch, StepContext ctx) {
        ImageBatch b = collate.collate(batch.samples(), ctx.manager());
        NDArray images = ctx.input(b.images());
        return model.forwardTrain(images, b.labels());
    }
}
