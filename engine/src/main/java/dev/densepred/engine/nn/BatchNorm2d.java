package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Batch normalisation over axis 1 of NCHW input, with PyTorch's state: {@code weight}, {@code bias},
 * {@code running_mean}, {@code running_var}, {@code num_batches_tracked}. In training mode it uses batch statistics
 * and updates the running ones; in evaluation mode (or when {@linkplain #setFrozen frozen}) it uses the running
 * ones, so a frozen norm is mmdetection's {@code norm_eval=True}.
 */
public final class BatchNorm2d extends Module {

    private final int channels;
    private final double eps;
    private final double momentum;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private final Parameter numBatchesTracked;
    private boolean frozen;

    /** BatchNorm2d(channels) with PyTorch's defaults for eps (1e-5) and momentum (0.1). */
    public BatchNorm2d(int channels) {
        this(channels, 1e-5, 0.1);
    }

    public BatchNorm2d(int channels, double eps, double momentum) {
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = addParameter("weight", Parameter.Kind.NORM, Init.ones(), channels);
        this.bias = addParameter("bias", Parameter.Kind.NORM, Init.zeros(), channels);
        this.runningMean = addBuffer("running_mean", DataType.FLOAT32, Init.zeros(), channels);
        this.runningVar = addBuffer("running_var", DataType.FLOAT32, Init.ones(), channels);
        this.numBatchesTracked = addBuffer("num_batches_tracked", DataType.INT64, Init.zeros());
    }

    public int channels() {
        return channels;
    }

    /**
     * Freezes statistics and affine parameters: the layer always normalises with the running statistics and its
     * weight and bias stop training, as torchvision's FrozenBatchNorm2d and mmdetection's frozen stages.
     */
    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
        weight.setTrainable(!frozen);
        bias.setTrainable(!frozen);
    }

    public boolean isFrozen() {
        return frozen;
    }

    /** {@code [N, C, H, W] -> [N, C, H, W]}. */
    public NDArray forward(NDArray x) {
        boolean useBatchStats = isTraining() && !frozen;
        if (useBatchStats) {
            numBatchesTracked.array().addi(1);
        }
        return Functional.batchNorm(
                x, weight.array(), bias.array(), runningMean.array(), runningVar.array(), useBatchStats, momentum, eps);
    }
}
