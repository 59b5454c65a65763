package dev.densepred.engine.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW} ({@code _single_tensor_adamw}): per parameter and
 * step t,
 *
 * <pre>
 * p  -= lr * wd * p
 * m   = b1 * m + (1 - b1) * g
 * v   = b2 * v + (1 - b2) * g^2
 * p  -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * <p>The update runs as one native call per parameter ({@code JniUtils.adamUpdate}, whose last line is
 * {@code p -= m * c / (sqrt(v) + e)}): passing {@code c = lr * sqrt(1 - b2^t) / (1 - b1^t)} and
 * {@code e = eps * sqrt(1 - b2^t)} makes it the line above exactly (multiply numerator and denominator by
 * {@code sqrt(1 - b2^t)}). Its gradient multiplier applies the clipping coefficient without touching the gradient.
 *
 * <p>The state (exp_avg, exp_avg_sq in float32, and the step count of each parameter, which only advances when the
 * parameter gets a gradient, as in torch) lives in a long-lived manager given at construction.
 */
public final class AdamW {

    /**
     * {@code optim_wrapper.optimizer}, with torch's defaults.
     *
     * @param type must be {@code "AdamW"}
     * @param lr base learning rate
     * @param betas (beta1, beta2)
     * @param eps term added to the denominator
     * @param weightDecay decoupled weight decay
     */
    public record Config(String type, double lr, double[] betas, double eps, double weightDecay) {
        public Config {
            if (!"AdamW".equals(type)) {
                throw new IllegalArgumentException("unknown optimizer type '" + type + "'; supported: AdamW");
            }
            if (betas.length != 2 || !(betas[0] >= 0 && betas[0] < 1) || !(betas[1] >= 0 && betas[1] < 1)) {
                throw new IllegalArgumentException("betas must be two values in [0, 1), got " + java.util.Arrays.toString(betas));
            }
            if (!(lr >= 0) || !(eps >= 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("lr, eps and weight_decay must not be negative");
            }
            betas = betas.clone();
        }

        public static Config defaults() {
            return new Config("AdamW", 1e-3, new double[] {0.9, 0.999}, 1e-8, 1e-2);
        }

        @Override
        public double[] betas() {
            return betas.clone();
        }
    }

    /** One optimized parameter: its float32 master tensor, moments and step count. */
    public static final class Slot {
        private final String name;
        private final int group;
        private final NDArray master;
        private final NDArray expAvg;
        private final NDArray expAvgSq;
        private long step;

        Slot(String name, int group, NDArray master, NDManager stateManager) {
            this.name = name;
            this.group = group;
            this.master = master;
            this.expAvg = stateManager.zeros(master.getShape(), DataType.FLOAT32);
            this.expAvgSq = stateManager.zeros(master.getShape(), DataType.FLOAT32);
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

        public NDArray expAvg() {
            return expAvg;
        }

        public NDArray expAvgSq() {
            return expAvgSq;
        }

        /** Updates applied so far. */
        public long step() {
            return step;
        }

        /** Sets the step count (checkpoint loading). */
        public void setStep(long step) {
            this.step = step;
        }
    }

    private final Config config;
    private final List<ParamGroup> groups;
    private final List<Slot> slots = new ArrayList<>();

    /**
     * An optimizer over {@code groups}, updating the float32 {@code masters} (name to tensor) in place.
     *
     * @param stateManager long-lived manager for the moments
     */
    public AdamW(Config config, List<ParamGroup> groups, Map<String, NDArray> masters, NDManager stateManager) {
        this.config = config;
        this.groups = List.copyOf(groups);
        for (int g = 0; g < groups.size(); g++) {
            for (String name : groups.get(g).params()) {
                NDArray master = masters.get(name);
                if (master == null) {
                    throw new IllegalArgumentException("no master tensor for parameter '" + name + "'");
                }
                if (master.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException("master tensor of '" + name + "' is " + master.getDataType() + ", expected float32");
                }
                slots.add(new Slot(name, g, master, stateManager));
            }
        }
    }

    public Config config() {
        return config;
    }

    public List<ParamGroup> groups() {
        return groups;
    }

    /** The optimized parameters, group by group. */
    public List<Slot> slots() {
        return Collections.unmodifiableList(slots);
    }

    /**
     * One update.
     *
     * @param grads float32 gradients aligned with {@link #slots()} on the masters' devices; a null entry (no gradient
     *     this step) leaves that parameter and its state untouched
     * @param groupLr the learning rate of each group at this step
     * @param gradMultiplier factor applied to every gradient first (the clipping coefficient)
     */
    public void step(List<NDArray> grads, double[] groupLr, double gradMultiplier) {
        if (grads.size() != slots.size() || groupLr.length != groups.size()) {
            throw new IllegalArgumentException("expected " + slots.size() + " gradients and " + groups.size()
                    + " learning rates, got " + grads.size() + " and " + groupLr.length);
        }
        double b1 = config.betas()[0];
        double b2 = config.betas()[1];
        for (int i = 0; i < slots.size(); i++) {
            NDArray g = grads.get(i);
            if (g == null) {
                continue;
            }
            Slot s = slots.get(i);
            s.step++;
            double lr = groupLr[s.group];
            double bc1 = 1 - Math.pow(b1, s.step);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, s.step));
            JniUtils.adamUpdate(
                    (PtNDArray) s.master,
                    (PtNDArray) g,
                    (PtNDArray) s.expAvg,
                    (PtNDArray) s.expAvgSq,
                    (float) lr,
                    (float) (lr * bc2Sqrt / bc1),
                    (float) groups.get(s.group).weightDecay(),
                    (float) gradMultiplier,
                    -1f,
                    (float) b1,
                    (float) b2,
                    (float) (config.eps() * bc2Sqrt),
                    true);
        }
    }

    /** The moments under checkpoint names {@code <param>.exp_avg} and {@code <param>.exp_avg_sq}. */
    public Map<String, NDArray> stateTensors() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Slot s : slots) {
            out.put(s.name + ".exp_avg", s.expAvg);
            out.put(s.name + ".exp_avg_sq", s.expAvgSq);
        }
        return out;
    }
}
