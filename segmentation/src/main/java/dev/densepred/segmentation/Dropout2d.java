package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * {@code nn.Dropout2d}: in training, zeroes whole channels of each sample with probability {@code p} and scales the
 * kept ones by {@code 1 / (1 - p)}; identity in evaluation. (The native dropout drops single elements.)
 */
public final class Dropout2d {

    private Dropout2d() {}

    /** {@code [N, C, H, W] -> [N, C, H, W]}. */
    public static NDArray apply(NDArray x, double p, boolean training) {
        if (!training || p == 0) {
            return x;
        }
        if (p >= 1) {
            return x.zerosLike();
        }
        Shape s = x.getShape();
        NDArray keep = x.getManager()
                .randomUniform(0f, 1f, new Shape(s.get(0), s.get(1), 1, 1), DataType.FLOAT32)
                .gte(p)
                .toType(x.getDataType(), false)
                .div(1 - p);
        return x.mul(keep);
    }
}
