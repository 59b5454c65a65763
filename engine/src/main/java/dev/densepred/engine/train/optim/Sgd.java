package dev.densepred.engine.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.densepred.engine.runtime.Autograd;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, as {@code torch.optim.SGD} ({@code _single_tensor_sgd}): per parameter
 * with gradient g, weight decay wd, momentum m, dampening d and learning rate lr,
 *
 * <pre>
 * g   = g + wd * p                       (coupled weight decay, an L2 term in the gradient)
 * buf = g                                at the parameter's first update, else
 * buf = m * buf + (1 - d) * g            (only when m != 0)
 * g   = nesterov ? g + m * buf : buf     (only when m != 0)
 * p  -= lr * g
 * </pre>
 *
 * <p>DJL's fused {@code JniUtils.sgdUpdate} is not used: it folds the learning rate into the buffer
 * ({@code buf = m * buf + lr * g; p -= buf}, MXNet's form), which differs from torch's as soon as the learning rate
 * changes, and it has neither dampening nor Nesterov momentum. The rule is composed of in-place tensor operations on
 * the float32 masters instead, with the scalars created once per step on the masters' device and every temporary in
 * a manager closed at the end of the step.
 *
 * <p>The state is torch's: a momentum buffer per parameter, created at the parameter's first update (so a parameter
 * that never got a gradient has none), and none at all without momentum. The step count of a parameter advances
 * whenever it gets a gradient; a count above zero therefore says that its buffer exists.
 */
public final class Sgd extends Optimizer {

    /** The type name in configs and checkpoints. */
    public static final String TYPE = "SGD";

    /**
     * {@code optim_wrapper.optimizer} with {@code type: "SGD"}, with torch's defaults and checks.
     *
     * @param lr base learning rate
     * @param momentum momentum factor (0: plain SGD, no state)
     * @param dampening dampening of the gradient's contribution to the momentum buffer
     * @param weightDecay L2 penalty added to the gradient
     * @param nesterov Nesterov momentum (needs momentum > 0 and dampening 0)
     */
    public record Config(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) implements OptimizerSpec {
        public Config {
            if (!(lr >= 0) || !(momentum >= 0) || !(weightDecay >= 0) || !Double.isFinite(dampening)) {
                throw new IllegalArgumentException("lr, momentum and weight_decay must not be negative and dampening must be finite, got lr "
                        + lr + ", momentum " + momentum + ", weight_decay " + weightDecay + ", dampening " + dampening);
            }
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("nesterov requires momentum > 0 and dampening 0 (as torch.optim.SGD), got momentum "
                        + momentum + " and dampening " + dampening);
            }
        }

        public static Config defaults() {
            return new Config(1e-3, 0, 0, 0, false);
        }

        @Override
        public Sgd build(List<ParamGroup> groups, Map<String, NDArray> masters, NDManager stateManager) {
            return new Sgd(this, groups, masters, stateManager);
        }
    }

    private final Config config;
    private final NDManager stateManager;
    private final NDArray[] buffers;

    /**
     * An optimizer over {@code groups}, updating the float32 {@code masters} (name to tensor) in place.
     *
     * @param stateManager long-lived manager for the momentum buffers, on the masters' device
     */
    public Sgd(Config config, List<ParamGroup> groups, Map<String, NDArray> masters, NDManager stateManager) {
        super(groups, masters);
        this.config = config;
        this.stateManager = stateManager;
        this.buffers = new NDArray[slots.size()];
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Config spec() {
        return config;
    }

    /** The momentum buffer of slot {@code i}, or null before its first update (or without momentum). */
    public NDArray momentumBuffer(int i) {
        return buffers[i];
    }

    @Override
    @SuppressWarnings("try") // the recording guard is only closed
    public void step(List<NDArray> grads, double[] groupLr, double gradMultiplier) {
        checkStep(grads, groupLr);
        double m = config.momentum();
        try (Autograd.Recording off = Autograd.noGrad(); NDManager scratch = stateManager.newSubManager()) {
            NDArray multiplier = gradMultiplier == 1 ? null : scratch.create((float) gradMultiplier);
            NDArray momentum = m == 0 ? null : scratch.create((float) m);
            NDArray keep = config.dampening() == 0 ? null : scratch.create((float) (1 - config.dampening()));
            NDArray[] lr = new NDArray[groups.size()];
            NDArray[] wd = new NDArray[groups.size()];
            for (int k = 0; k < groups.size(); k++) {
                lr[k] = scratch.create((float) groupLr[k]);
                double decay = groups.get(k).weightDecay();
                wd[k] = decay == 0 ? null : scratch.create((float) decay);
            }
            for (int i = 0; i < slots.size(); i++) {
                NDArray g = grads.get(i);
                if (g == null) {
                    continue;
                }
                Slot s = slots.get(i);
                s.advance();
                NDArray p = s.master();
                NDArray d = g;
                if (multiplier != null) {
                    d = in(scratch, d.mul(multiplier));
                }
                if (wd[s.group()] != null) {
                    d = in(scratch, d.add(in(scratch, p.mul(wd[s.group()]))));
                }
                if (momentum != null) {
                    NDArray buf = buffers[i];
                    if (buf == null) {
                        buf = d == g ? g.duplicate() : d;
                        buf.attach(stateManager);
                        buffers[i] = buf;
                    } else {
                        buf.muli(momentum).addi(keep == null ? d : in(scratch, d.mul(keep)));
                    }
                    d = config.nesterov() ? in(scratch, d.add(in(scratch, buf.mul(momentum)))) : buf;
                }
                p.subi(in(scratch, d.mul(lr[s.group()])));
            }
        }
    }

    /** Moves a temporary into the step's manager: results of operations land in their first operand's manager. */
    private static NDArray in(NDManager scratch, NDArray temporary) {
        temporary.attach(scratch);
        return temporary;
    }

    /** The momentum buffers that exist, under checkpoint names {@code <param>.momentum_buffer} (torch's state key). */
    @Override
    public Map<String, NDArray> stateTensors() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            if (buffers[i] != null) {
                out.put(slots.get(i).name() + ".momentum_buffer", buffers[i]);
            }
        }
        return out;
    }

    @Override
    public Map<String, NDArray> restore(Map<String, Long> steps) {
        Slot.setSteps(slots, steps);
        for (int i = 0; i < slots.size(); i++) {
            boolean exists = config.momentum() != 0 && slots.get(i).step() > 0;
            if (exists && buffers[i] == null) {
                buffers[i] = stateManager.zeros(slots.get(i).master().getShape(), slots.get(i).master().getDataType());
            } else if (!exists && buffers[i] != null) {
                buffers[i].close();
                buffers[i] = null;
            }
        }
        return stateTensors();
    }
}
