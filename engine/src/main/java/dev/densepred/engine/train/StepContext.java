package dev.densepred.engine.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Where and when one micro-batch of one replica runs.
 *
 * @param manager the step's scope: every array made for the batch goes here and dies with the step
 * @param device the replica's device
 * @param inputType float16 under mixed precision, else float32: the type of the network's input image
 * @param iteration 0-based optimizer step
 * @param epoch 0-based epoch
 * @param replica index of the replica (0 without data parallelism)
 * @param seed a seed derived from the run's seed, the iteration, the micro-batch and the replica, for host-side
 *     randomness (e.g. sampling) that must repeat exactly on resume
 */
public record StepContext(
        NDManager manager, Device device, DataType inputType, long iteration, int epoch, int replica, long seed) {

    /** {@code image} in {@link #inputType()}; no gradient flows into an input, so a cast is fine here. */
    public NDArray input(NDArray image) {
        return image.getDataType() == inputType ? image : image.toType(inputType, false);
    }
}
