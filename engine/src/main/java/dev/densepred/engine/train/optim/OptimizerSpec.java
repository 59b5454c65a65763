package dev.densepred.engine.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;
import java.util.Map;

/**
 * The settings of {@code optim_wrapper.optimizer} as written in a config (one record per type, registered in
 * {@link OptimWrapper#OPTIMIZERS}); {@link #build} turns them into an optimizer once the groups and masters exist.
 */
public interface OptimizerSpec {

    /** Base learning rate, which parameter groups multiply. */
    double lr();

    /** Base weight decay, which parameter groups multiply. */
    double weightDecay();

    /**
     * An optimizer over {@code groups}, updating the float32 {@code masters} (name to tensor) in place.
     *
     * @param stateManager long-lived manager for the optimizer's state
     */
    Optimizer build(List<ParamGroup> groups, Map<String, NDArray> masters, NDManager stateManager);
}
