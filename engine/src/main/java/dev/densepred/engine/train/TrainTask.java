package dev.densepred.engine.train;

import ai.djl.ndarray.NDManager;

import dev.densepred.engine.nn.Module;
import dev.densepred.engine.train.optim.LayerDecay;

import java.util.Optional;

/**
 * What a detector or segmenter gives the {@link Runner}: its model and, for one batch, its named losses (mmengine's
 * {@code model.train_step} without the optimizer part).
 *
 * <p>{@link #losses} runs with gradient recording on. It moves the batch to {@link StepContext#device()} and makes
 * every NDArray in {@link StepContext#manager()} (closed after the step), casts the input image with
 * {@link StepContext#input}, and returns float32 scalar losses: compute them from logits promoted with
 * {@code Functional.toFloat32} (a cast would cut the graph). The runner sums the losses, scales, back-propagates,
 * reduces, checks, clips and steps; the task never calls backward.
 *
 * @param <B> the host-side batch type of the task's {@link dev.densepred.engine.data.BatchSource}
 */
public interface TrainTask<B> {

    /** The model whose parameters are trained; the same instance every call. */
    Module model();

    /** The losses of one batch; entries whose name contains {@code "loss"} are summed into the objective. */
    Losses losses(B batch, StepContext ctx);

    /**
     * Layer ids for layer-wise learning-rate decay ({@code paramwise_cfg.layer_decay}), usually the backbone's;
     * empty when the model has none.
     */
    default Optional<LayerDecay.LayerIds> layerIds() {
        return Optional.empty();
    }

    /**
     * Builds a task whose model is fully initialised (random init, then pretrained weights if any) in
     * {@code modelManager}, which lives on the replica's device. The runner seeds the engine's generator before the
     * first call, so a seeded run starts from the same weights; replicas after the first are overwritten with the
     * first one's weights.
     *
     * @param <T> the task type, so that an {@link Evaluator} sees the concrete model
     */
    @FunctionalInterface
    interface Factory<T> {
        T create(NDManager modelManager);
    }
}
