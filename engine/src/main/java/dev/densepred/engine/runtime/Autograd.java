package dev.densepred.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording on the calling thread. PyTorch's grad mode is thread-local; DJL's {@code GradientCollector}
 * allows one collector per process, which would serialise data-parallel replicas, so we switch the mode directly.
 *
 * <pre>{@code
 * try (Autograd.Recording r = Autograd.record()) {
 *     NDArray loss = model.loss(batch);
 *     Autograd.backward(loss);
 * }
 * }</pre>
 */
public final class Autograd {

    private Autograd() {}

    /** Restores the previous grad mode when closed. */
    public static final class Recording implements AutoCloseable {
        private final boolean previous;

        private Recording(boolean enabled) {
            previous = JniUtils.isGradMode();
            JniUtils.setGradMode(enabled);
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previous);
        }
    }

    /** Turns gradient recording on until the returned handle is closed. */
    public static Recording record() {
        return new Recording(true);
    }

    /** Turns gradient recording off until the returned handle is closed (evaluation, in-place updates). */
    public static Recording noGrad() {
        return new Recording(false);
    }

    /** Whether the calling thread records gradients. */
    public static boolean isRecording() {
        return JniUtils.isGradMode();
    }

    /** Back-propagates from a scalar {@code loss}, accumulating into the leaves' gradients. */
    public static void backward(NDArray loss) {
        if (loss.getShape().size() != 1) {
            throw new IllegalArgumentException("backward needs a scalar loss, got shape " + loss.getShape());
        }
        try (NDArray seed = loss.onesLike()) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
        }
    }

    /** Zeroes the gradient of one leaf (no-op when none was computed yet). */
    public static void zeroGradient(NDArray leaf) {
        JniUtils.zeroGrad((PtNDArray) leaf);
    }
}
