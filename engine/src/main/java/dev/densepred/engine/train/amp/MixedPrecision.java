package dev.densepred.engine.train.amp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonElement;

import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FP16 mixed precision in the manner of apex's O2 and mmcv's {@code wrap_fp16_model} with master weights. DJL runs
 * casts outside autograd, so per-op autocasting is impossible; instead the model itself holds float16 tensors:
 *
 * <ul>
 *   <li>convolution and linear weights and biases and other learned tensors ({@link Parameter.Kind} WEIGHT, BIAS,
 *       OTHER) become float16 autograd leaves;
 *   <li>normalisation parameters (NORM) and buffers stay float32 (PyTorch's norms take float16 input with float32
 *       parameters and accumulate in float32);
 *   <li>a float32 master copy of every converted parameter lives outside the model; for a float32 parameter the
 *       parameter itself is its master. The optimizer updates masters only, and the loop copies them back into the
 *       float16 leaves.
 * </ul>
 *
 * Without mixed precision every parameter is its own master and nothing is converted.
 */
public final class MixedPrecision {

    /**
     * The {@code fp16} section (mmdetection 2.x's key; mmengine's AmpOptimWrapper settings).
     *
     * @param enabled whether to train in mixed precision
     * @param lossScale {@code "dynamic"} or a fixed positive number (e.g. 512)
     * @param initScale first dynamic scale
     * @param growthFactor factor after {@code growth_interval} finite steps
     * @param backoffFactor factor after an overflow
     * @param growthInterval finite steps before growing
     * @param minScale floor of the dynamic scale
     * @param maxConsecutiveSkips overflowing steps in a row after which training stops
     */
    public record Config(boolean enabled, JsonElement lossScale, double initScale, double growthFactor,
            double backoffFactor, int growthInterval, double minScale, int maxConsecutiveSkips) {
        public Config {
            boolean dynamic = lossScale.isJsonPrimitive() && lossScale.getAsJsonPrimitive().isString()
                    && lossScale.getAsString().equals("dynamic");
            boolean number = lossScale.isJsonPrimitive() && lossScale.getAsJsonPrimitive().isNumber()
                    && lossScale.getAsDouble() > 0;
            if (!dynamic && !number) {
                throw new IllegalArgumentException("loss_scale must be \"dynamic\" or a positive number, got " + lossScale);
            }
            if (!(initScale > 0) || !(growthFactor > 1) || !(backoffFactor > 0 && backoffFactor < 1) || growthInterval < 1
                    || !(minScale > 0) || maxConsecutiveSkips < 1) {
                throw new IllegalArgumentException("need init_scale > 0, growth_factor > 1, 0 < backoff_factor < 1,"
                        + " growth_interval >= 1, min_scale > 0, max_consecutive_skips >= 1");
            }
        }

        /** Off; when switched on: dynamic scaling from 65536, doubling every 2000 finite steps, halving on overflow. */
        public static Config defaults() {
            return new Config(false, new com.google.gson.JsonPrimitive("dynamic"), 65536, 2, 0.5, 2000, 1, 100);
        }

        /** Whether the scale adapts. */
        public boolean dynamic() {
            return lossScale.isJsonPrimitive() && lossScale.getAsJsonPrimitive().isString();
        }

        /** The fixed scale of a static configuration. */
        public double staticScale() {
            return dynamic() ? Double.NaN : lossScale.getAsDouble();
        }
    }

    private final boolean enabled;
    private final Module model;
    private final Map<String, NDArray> masters = new LinkedHashMap<>();
    private final List<String> converted = new ArrayList<>();

    /**
     * Prepares {@code model} (already initialised) for training: when {@code enabled}, converts its parameters as
     * described above and keeps the float32 masters in {@code masterManager}.
     */
    public MixedPrecision(Module model, boolean enabled, NDManager masterManager) {
        this.enabled = enabled;
        this.model = model;
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            Parameter p = e.getValue();
            NDArray current = p.array();
            if (enabled && converts(p)) {
                NDArray master = current.toType(DataType.FLOAT32, true);
                master.attach(masterManager);
                p.replace(current.toType(DataType.FLOAT16, false));
                masters.put(e.getKey(), master);
                converted.add(e.getKey());
            } else {
                masters.put(e.getKey(), current);
            }
        }
    }

    /** Whether a parameter is held in float16 under mixed precision. */
    public static boolean converts(Parameter p) {
        return p.kind() == Parameter.Kind.WEIGHT || p.kind() == Parameter.Kind.BIAS || p.kind() == Parameter.Kind.OTHER;
    }

    /** Converts a data-parallel replica's parameters like the first model's, without masters. */
    public static void convertReplica(Module replica) {
        for (Parameter p : replica.parameters().values()) {
            if (converts(p)) {
                p.replace(p.array().toType(DataType.FLOAT16, false));
            }
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** The type of the network input: float16 under mixed precision. */
    public DataType inputType() {
        return enabled ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /** The float32 master of every parameter, by dotted name. */
    public Map<String, NDArray> masters() {
        return Collections.unmodifiableMap(masters);
    }

    /**
     * What a checkpoint stores and restores: every state tensor of the model under its state-dict name, with the
     * float32 master in place of a float16 parameter.
     */
    public Map<String, NDArray> stateTensors() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.stateTensors().entrySet()) {
            NDArray master = masters.get(e.getKey());
            out.put(e.getKey(), master != null ? master : e.getValue().array());
        }
        return out;
    }

    /**
     * Gives the model float32 copies of the masters until the handle is closed, then float16 ones again: evaluation
     * runs in full precision, as mmengine's validation loop does by default.
     */
    public Restore fullPrecision() {
        swap(DataType.FLOAT32);
        return () -> swap(DataType.FLOAT16);
    }

    /** Puts the float16 parameters back when closed. */
    @FunctionalInterface
    public interface Restore extends AutoCloseable {
        @Override
        void close();
    }

    private void swap(DataType type) {
        if (!enabled) {
            return;
        }
        Map<String, Parameter> params = model.parameters();
        for (String name : converted) {
            Parameter p = params.get(name);
            NDArray copy = masters.get(name).toType(type, true);
            copy.attach(p.array().getManager());
            p.replace(copy);
        }
    }
}
