package dev.densepred.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * One unit of temporary work (an iteration, one image's evaluation): a child manager that frees every array made
 * in it when closed. Results that must outlive it are handed to the parent with {@link #keep}. Closing also gives
 * back the direct buffers DJL made for host arrays once they pile up ({@link DirectMemory}), so training, evaluation
 * and inference loops alike keep a flat resident set.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open(root)) {
 *     NDArray loss = model.loss(batch.to(scope.manager()));
 *     float value = loss.getFloat();   // a Java number leaves the scope
 * }
 * }</pre>
 */
public final class Scope implements AutoCloseable {

    private final NDManager manager;

    private Scope(NDManager manager) {
        this.manager = manager;
    }

    /** A child of {@code parent} on the parent's device. */
    public static Scope open(NDManager parent) {
        return new Scope(parent.newSubManager());
    }

    /** The scope's manager: arrays created here die with the scope. */
    public NDManager manager() {
        return manager;
    }

    /** Moves {@code array} to the parent manager so it survives {@link #close()}. */
    public <T extends NDArray> T keep(T array) {
        array.attach(manager.getParentManager());
        return array;
    }

    /** Number of live arrays in {@code manager} and its children: flat across iterations when nothing leaks. */
    public static int liveArrays(NDManager manager) {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
        DirectMemory.collectIfAbove(DirectMemory.DEFAULT_LIMIT_BYTES);
    }
}
