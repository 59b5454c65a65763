package dev.densepred.engine.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A network component with named parameters and named children, shaped like {@code torch.nn.Module} so that the
 * dotted names of {@link #stateTensors()} are exactly the keys of the PyTorch state dicts we load (timm, official
 * MambaOut, torchvision, mmdetection).
 *
 * <p>Constructors declare parameters and children with their shapes; {@link #initialize(NDManager)} allocates
 * them all in the model's manager. Each subclass has its own typed {@code forward}: there is no {@code NDList}
 * protocol. Forward code must put the activation first in every binary op, so that results join the iteration's
 * manager rather than the model's (DJL attaches a result to its first operand's manager).
 */
public abstract class Module {

    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Declares a float32 parameter. */
    protected final Parameter addParameter(String name, Parameter.Kind kind, Init init, long... shape) {
        return add(name, new Parameter(new Shape(shape), kind, DataType.FLOAT32, init));
    }

    /** Declares a buffer: saved with the model, never trained. */
    protected final Parameter addBuffer(String name, DataType dataType, Init init, long... shape) {
        return add(name, new Parameter(new Shape(shape), Parameter.Kind.BUFFER, dataType, init));
    }

    private Parameter add(String name, Parameter p) {
        checkName(name);
        params.put(name, p);
        return p;
    }

    /** Registers a child under {@code name} and returns it. */
    protected final <M extends Module> M addChild(String name, M child) {
        checkName(name);
        children.put(name, child);
        return child;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("invalid name '" + name + "': must be non-empty without '.'");
        }
        if (params.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("name '" + name + "' is already used in " + getClass().getSimpleName());
        }
    }

    /** Direct children in declaration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** This module's own parameters and buffers (not the children's). */
    public final Map<String, Parameter> ownTensors() {
        return Collections.unmodifiableMap(params);
    }

    /** Every parameter and buffer, recursively, under its dotted state-dict name. */
    public final Map<String, Parameter> stateTensors() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    /** Every parameter (buffers excluded), recursively, under its dotted name. */
    public final Map<String, Parameter> parameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : stateTensors().entrySet()) {
            if (e.getValue().kind() != Parameter.Kind.BUFFER) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** Every module, recursively, under its dotted name; this module is the empty name. */
    public final Map<String, Module> modules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out);
        }
    }

    private void collectModules(String name, Map<String, Module> out) {
        out.put(name, this);
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectModules(name.isEmpty() ? e.getKey() : name + "." + e.getKey(), out);
        }
    }

    /** Allocates every parameter and buffer in {@code manager} with its declared initialisation. */
    public void initialize(NDManager manager) {
        for (Parameter p : stateTensors().values()) {
            p.initialize(manager);
        }
    }

    /** Number of elements over all parameters (buffers excluded). */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : parameters().values()) {
            n += p.shape().size();
        }
        return n;
    }

    /** Switches this module and its children to training (dropout, batch statistics) or evaluation mode. */
    public void train(boolean on) {
        training = on;
        for (Module c : children.values()) {
            c.train(on);
        }
    }

    /** Whether the module is in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /** Freezes (or unfreezes) every parameter of this subtree. */
    public void setTrainable(boolean trainable) {
        for (Parameter p : parameters().values()) {
            p.setTrainable(trainable);
        }
    }
}
