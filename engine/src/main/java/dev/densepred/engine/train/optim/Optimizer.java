package dev.densepred.engine.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * An update rule over parameter groups, the part of a torch optimizer the training loop drives: it updates float32
 * master tensors in place from float32 gradients, and exposes its state for checkpoints under torch's state keys.
 * {@link AdamW} and {@link Sgd} extend it; {@link OptimizerSpec#build} makes one from {@code optim_wrapper.optimizer}.
 * The groups and their slots (parameter, master, step count) are the same for every rule and live here.
 */
public abstract class Optimizer {

    /** The parameter groups, and their parameters' slots group by group, for the rule's loops. */
    protected final List<ParamGroup> groups;
    protected final List<Slot> slots;

    /**
     * An optimizer over {@code groups}, updating the float32 {@code masters} (name to tensor) in place; an error names
     * a parameter without a float32 master.
     */
    protected Optimizer(List<ParamGroup> groups, Map<String, NDArray> masters) {
        this.groups = List.copyOf(groups);
        this.slots = Slot.of(groups, masters);
    }

    /** The type name a config gives ({@code "AdamW"}, {@code "SGD"}), recorded in checkpoints. */
    public abstract String type();

    /** The settings it was built from. */
    public abstract OptimizerSpec spec();

    public final List<ParamGroup> groups() {
        return groups;
    }

    /** The optimized parameters, group by group. */
    public final List<Slot> slots() {
        return Collections.unmodifiableList(slots);
    }

    /**
     * One update.
     *
     * @param grads float32 gradients aligned with {@link #slots()} on the masters' devices; a null entry (no gradient
     *     this step) leaves that parameter and its state untouched, and its step count does not advance (as torch
     *     skips a parameter whose {@code grad} is None)
     * @param groupLr the learning rate of each group at this step
     * @param gradMultiplier factor applied to every gradient before the rule (the clipping coefficient)
     */
    public abstract void step(List<NDArray> grads, double[] groupLr, double gradMultiplier);

    /** The state tensors that exist now, named {@code <param>.<torch state key>}: what a checkpoint saves. */
    public abstract Map<String, NDArray> stateTensors();

    /**
     * Sets every parameter's step count from a checkpoint and returns the state tensors such a checkpoint holds, to be
     * filled from it. State that torch creates at a parameter's first update (SGD's momentum buffer) exists exactly
     * for the parameters with a non-zero count.
     *
     * @param steps step count per parameter name; every slot must have one
     */
    public abstract Map<String, NDArray> restore(Map<String, Long> steps);

    /** Refuses a {@link #step} whose gradients or learning rates do not line up with the slots and groups. */
    protected final void checkStep(List<NDArray> grads, double[] groupLr) {
        if (grads.size() != slots.size() || groupLr.length != groups.size()) {
            throw new IllegalArgumentException("expected " + slots.size() + " gradients and " + groups.size()
                    + " learning rates, got " + grads.size() + " and " + groupLr.length);
        }
    }

    /** One optimized parameter: its float32 master tensor and how many updates it has received. */
    public static final class Slot {
        private final String name;
        private final int group;
        private final NDArray master;
        private long step;

        Slot(String name, int group, NDArray master) {
            this.name = name;
            this.group = group;
            this.master = master;
        }

        /**
         * The slots of {@code groups}, group by group, each with its master from {@code masters} (name to float32
         * tensor); an error names a parameter without a float32 master.
         */
        static List<Slot> of(List<ParamGroup> groups, Map<String, NDArray> masters) {
            List<Slot> out = new ArrayList<>();
            for (int g = 0; g < groups.size(); g++) {
                for (String name : groups.get(g).params()) {
                    NDArray master = masters.get(name);
                    if (master == null) {
                        throw new IllegalArgumentException("no master tensor for parameter '" + name + "'");
                    }
                    if (master.getDataType() != DataType.FLOAT32) {
                        throw new IllegalArgumentException("master tensor of '" + name + "' is " + master.getDataType() + ", expected float32");
                    }
                    out.add(new Slot(name, g, master));
                }
            }
            return out;
        }

        public String name() {
            return name;
        }

        /** Index of the parameter's group. */
        public int group() {
            return group;
        }

        public NDArray master() {
            return master;
        }

        /** Updates applied so far. */
        public long step() {
            return step;
        }

        void advance() {
            step++;
        }

        /** Sets the step count of every slot from {@code steps} (parameter name to count); an error names a missing one. */
        static void setSteps(List<Slot> slots, Map<String, Long> steps) {
            for (Slot s : slots) {
                Long step = steps.get(s.name());
                if (step == null || step < 0) {
                    throw new IllegalArgumentException((step == null ? "no" : "a negative") + " optimizer step count for parameter '"
                            + s.name() + "'");
                }
                s.step = step;
            }
        }
    }
}
