package dev.densepred.engine.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import dev.densepred.engine.train.log.ProgressBar;

import java.io.PrintStream;

/**
 * Where an evaluation runs.
 *
 * @param manager parent for the evaluator's per-image scopes, on the model's device; closed after the evaluation
 * @param device the model's device
 * @param iteration optimizer steps completed
 * @param epoch epochs completed
 * @param console where progress goes (a sink when the runner is quiet)
 */
public record EvalContext(NDManager manager, Device device, long iteration, long epoch, PrintStream console) {

    /** A progress bar for {@code total} items on the run's console. */
    public ProgressBar progress(String title, long total) {
        return ProgressBar.create(title, total, console);
    }
}
