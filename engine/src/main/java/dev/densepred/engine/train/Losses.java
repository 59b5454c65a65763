package dev.densepred.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import dev.densepred.engine.nn.Functional;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The named scalar outputs of one training step, in the order added: mmdetection's loss dict. As in mmdetection's
 * {@code parse_losses}, entries whose name contains {@code "loss"} are summed into the objective; the others
 * (accuracies) are only logged. Values are float32 scalars; a float16 one is promoted without leaving the graph.
 */
public final class Losses {

    private final Map<String, NDArray> values = new LinkedHashMap<>();

    /** Adds {@code value} (a one-element float16 or float32 tensor) under a new {@code name}; returns this. */
    public Losses add(String name, NDArray value) {
        if (values.containsKey(name)) {
            throw new IllegalArgumentException("loss '" + name + "' is added twice");
        }
        if (value.getShape().size() != 1) {
            throw new IllegalArgumentException("loss '" + name + "' must be a scalar, got shape " + value.getShape());
        }
        DataType t = value.getDataType();
        if (t != DataType.FLOAT32 && t != DataType.FLOAT16) {
            throw new IllegalArgumentException("loss '" + name + "' must be float32 or float16, got " + t);
        }
        values.put(name, Functional.toFloat32(value.getShape().dimension() == 0 ? value : value.reshape()));
        return this;
    }

    /** Adds every entry of {@code other} (e.g. a head's losses); names must not repeat. */
    public Losses addAll(Losses other) {
        other.values.forEach(this::add);
        return this;
    }

    /** The entries in the order added. */
    public Map<String, NDArray> values() {
        return Collections.unmodifiableMap(values);
    }

    /** Whether {@code name} is summed into the objective. */
    public static boolean isLoss(String name) {
        return name.contains("loss");
    }

    /** The sum of the loss entries, in the first entry's manager. */
    public NDArray total() {
        NDArray sum = null;
        for (Map.Entry<String, NDArray> e : values.entrySet()) {
            if (isLoss(e.getKey())) {
                sum = sum == null ? e.getValue() : sum.add(e.getValue());
            }
        }
        if (sum == null) {
            throw new IllegalStateException("no entry named '*loss*' among " + values.keySet() + ": nothing to optimise");
        }
        return sum;
    }
}
