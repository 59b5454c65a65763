package dev.densepred.detection.job;

import dev.densepred.datasets.coco.DetectionSample;
import dev.densepred.datasets.loader.LoadedBatch;
import dev.densepred.detection.MaskRcnn;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.train.Losses;
import dev.densepred.engine.train.StepContext;
import dev.densepred.engine.train.TrainTask;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;


/**
 * Mask R-CNN as the runner trains it (mmengine's {@code model.train_step} without the optimizer): collate the
 * loaded samples in the step's scope, move the images to the replica's device in the step's input type, and
 * return {@link MaskRcnn#forwardTrain}'s named losses.
 */
public final class MaskRcnnTask implements TrainTask<LoadedBatch<DetectionSample>> {

    private final MaskRcnn model;
    private final DetectionCollate collate = new DetectionCollate();

    /** Builds and initialises the model in {@code manager}, with the backbone's pretrained weights if the config names them. */
    public MaskRcnnTask(Config modelCfg, NDManager manager) {
        this.model = MaskRcnn.build(modelCfg, manager);
    }

    public MaskRcnn maskRcnn() {
        return model;
    }

    @Override
    public Module model() {
        return model;
    }

    @Override
    public Losses losses(LoadedBatch<DetectionSample> batch, StepContext ctx) {
        // the RPN and RoI samplers draw from the step's seed, so a resumed run samples what an uninterrupted one did
        model.seedSampling(ctx.seed());
        DetectionCollate.Batch b = collate.collate(batch.samples(), ctx.manager());
        NDArray images = ctx.input(b.images().toDevice(ctx.device(), false));
        return model.forwardTrain(images, b.metas(), b.targets());
    }
}
