package dev.densepred.engine.io;

import ai.djl.ndarray.types.Shape;

/**
 * One header entry of a safetensors file: the tensor's name, type, shape and byte range in the data section.
 *
 * @param name the key
 * @param dtype the element type
 * @param shape the dimensions (empty for a scalar)
 * @param begin first byte, relative to the start of the data section
 * @param end one past the last byte, relative to the start of the data section
 */
public record TensorInfo(String name, TensorDType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as a DJL {@link Shape}. */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** Number of elements (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Bytes in the data section. */
    public long byteCount() {
        return end - begin;
    }
}
