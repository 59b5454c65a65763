package dev.densepred.engine.train;

/**
 * Training stopped because a loss or the gradients are not finite and loss scaling cannot help (float32, a NaN
 * loss, or the scale exhausted). Nothing was saved for the failing iteration: the last checkpoint is the last good
 * state.
 */
public final class TrainingDivergedException extends RuntimeException {

    private final long iteration;

    public TrainingDivergedException(long iteration, String message) {
        super(message);
        this.iteration = iteration;
    }

    /** The 0-based iteration that failed. */
    public long iteration() {
        return iteration;
    }
}
