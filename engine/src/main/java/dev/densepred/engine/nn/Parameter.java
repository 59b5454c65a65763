package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A named tensor of a {@link Module}: a trainable parameter or a buffer (running statistics), with what the
 * optimizer and the mixed-precision wrapper need to know about it.
 *
 * <p>The array lives in the model's manager. Under FP16 training the array is a float16 autograd leaf and the
 * optimizer keeps the float32 master copy; {@link Kind} says which parameters take part.
 */
public final class Parameter {

    /** What a tensor is for; decides weight decay and FP16 casting. */
    public enum Kind {
        /** Convolution and linear weights: decayed, float16 under mixed precision. */
        WEIGHT,
        /** Convolution and linear biases: not decayed, float16 under mixed precision (they join the same kernel). */
        BIAS,
        /** Normalisation scale and shift: not decayed, always float32. */
        NORM,
        /** Other learned tensors added to activations (embeddings, layer scales): float16 under mixed precision. */
        OTHER,
        /** State that is saved but not trained (running mean/var, counters). */
        BUFFER
    }

    private final Shape shape;
    private final Kind kind;
    private final DataType dataType;
    private final Init init;
    private NDArray array;
    private boolean trainable;

    Parameter(Shape shape, Kind kind, DataType dataType, Init init) {
        this.shape = shape;
        this.kind = kind;
        this.dataType = dataType;
        this.init = init;
        this.trainable = kind != Kind.BUFFER;
    }

    /** The declared shape. */
    public Shape shape() {
        return shape;
    }

    /** What the tensor is for. */
    public Kind kind() {
        return kind;
    }

    /** The dtype it is stored in when not converted for mixed precision. */
    public DataType declaredType() {
        return dataType;
    }

    /** Whether the optimizer updates it (false for buffers and frozen parameters). */
    public boolean trainable() {
        return trainable;
    }

    /** Freezes or unfreezes it; a frozen parameter keeps no gradient. */
    public void setTrainable(boolean trainable) {
        if (kind == Kind.BUFFER && trainable) {
            throw new IllegalStateException("a buffer cannot be trained");
        }
        this.trainable = trainable;
        if (array != null) {
            array.setRequiresGradient(trainable);
        }
    }

    /** Whether an array has been set. */
    public boolean isInitialized() {
        return array != null;
    }

    /** The current array; throws if {@link Module#initialize} has not run. */
    public NDArray array() {
        if (array == null) {
            throw new IllegalStateException("parameter of shape " + shape + " is not initialized: call Module.initialize first");
        }
        return array;
    }

    /** Draws the initial values with the declared {@link Init} into {@code manager}. */
    void initialize(NDManager manager) {
        NDArray a = init.create(manager, shape);
        if (a.getDataType() != dataType) {
            NDArray cast = a.toType(dataType, false);
            a.close();
            a = cast;
        }
        replace(a);
    }

    /**
     * Replaces the array, keeping gradient tracking as it was; the shape must match the declaration. The old array
     * is closed.
     */
    public void replace(NDArray next) {
        if (!next.getShape().equals(shape)) {
            throw new IllegalArgumentException("shape " + next.getShape() + " does not match the declared " + shape);
        }
        if (array != null && array != next) {
            array.close();
        }
        array = next;
        if (trainable) {
            array.setRequiresGradient(true);
        }
    }
}
