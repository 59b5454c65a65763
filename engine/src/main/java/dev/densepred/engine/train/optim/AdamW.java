package dev.densepred.engine.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayList;
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
 * parameter gets a gradient, as in torch) lives in a long-lived manager given at construction. torch creates the
 * moments at a parameter's first update; here they exist from the start as zeros, which the first update turns into
 * the same values, so every checkpoint holds both moments of every parameter.
 */
public final class AdamW extends Optimizer {

    /** The type name in configs and checkpoints. */
    public static final String TYPE = "AdamW";

    /**
     * {@code optim_wrapper.optimizer} with {@code type: "AdamW"}, with torch's defaults.
     *
     * @param lr base learning rate
     * @param betas (beta1, beta2)
     * @param eps term added to the denominator
     * @param weightDecay decoupled weight decay
     */
    public record Config(double lr, double[] betas, double eps, double weightDecay) implements OptimizerSpec {
        public Config {
            if (betas.length != 2 || !(betas[0] >= 0 && betas[0] < 1) || !(betas[1] >= 0 && betas[1] < 1)) {
                throw new IllegalArgumentException("betas must be two values in [0, 1), got " + java.util.Arrays.toString(betas));
            }
            if (!(lr >= 0) || !(eps >= 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("lr, eps and weight_decay must not be negative");
            }
            betas = betas.clone();
        }

        public static Config defaults() {
            return new Config(1e-3, new double[] {0.9, 0.999}, 1e-8, 1e-2);
        }

        @Override
        public double[] betas() {
            return betas.clone();
        }

        @Override
        public AdamW build(List<ParamGroup> groups, Map<String, NDArray> masters, NDManager stateManager) {
            return new AdamW(this, groups, masters, stateManager);
        }
    }

    private final Config config;
    private final List<NDArray> expAvg = new ArrayList<>();
    private final List<NDArray> expAvgSq = new ArrayList<>();

    /**
     * An optimizer over {@code groups}, updating the float32 {@code masters} (name to tensor) in place.
     *
     * @param stateManager long-lived manager for the moments
     */
    public AdamW(Config config, List<ParamGroup> groups, Map<String, NDArray> masters, NDManager stateManager) {
        super(groups, masters);
        this.config = config;
        for (Slot s : slots) {
            expAvg.add(stateManager.zeros(s.master().getShape(), DataType.FLOAT32));
            expAvgSq.add(stateManager.zeros(s.master().getShape(), DataType.FLOAT32));
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Config spec() {
        return config;
    }

    @Override
    public void step(List<NDArray> grads, double[] groupLr, double gradMultiplier) {
        checkStep(grads, groupLr);
        double b1 = config.betas()[0];
        double b2 = config.betas()[1];
        for (int i = 0; i < slots.size(); i++) {
            NDArray g = grads.get(i);
            if (g == null) {
                continue;
            }
            Slot s = slots.get(i);
            s.advance();
            double lr = groupLr[s.group()];
            double bc1 = 1 - Math.pow(b1, s.step());
            double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, s.step()));
            JniUtils.adamUpdate(
                    (PtNDArray) s.master(),
                    (PtNDArray) g,
                    (PtNDArray) expAvg.get(i),
                    (PtNDArray) expAvgSq.get(i),
                    (float) lr,
                    (float) (lr * bc2Sqrt / bc1),
                    (float) groups.get(s.group()).weightDecay(),
                    (float) gradMultiplier,
                    -1f,
                    (float) b1,
                    (float) b2,
                    (float) (config.eps() * bc2Sqrt),
                    true);
        }
    }

    /** The moments under checkpoint names {@code <param>.exp_avg} and {@code <param>.exp_avg_sq}. */
    @Override
    public Map<String, NDArray> stateTensors() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            out.put(slots.get(i).name() + ".exp_avg", expAvg.get(i));
            out.put(slots.get(i).name() + ".exp_avg_sq", expAvgSq.get(i));
        }
        return out;
    }

    @Override
    public Map<String, NDArray> restore(Map<String, Long> steps) {
        Slot.setSteps(slots, steps);
        return stateTensors();
    }
}
