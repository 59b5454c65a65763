package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * How a parameter's first values are drawn. Random draws use the engine's generator, so
 * {@code Engine.getInstance().setRandomSeed(s)} before {@link Module#initialize} makes a model reproducible.
 */
@FunctionalInterface
public interface Init {

    /** Creates the initial array of {@code shape} in {@code manager}. */
    NDArray create(NDManager manager, Shape shape);

    /** All zeros. */
    static Init zeros() {
        return (m, s) -> m.zeros(s, DataType.FLOAT32);
    }

    /** All ones. */
    static Init ones() {
        return (m, s) -> m.ones(s, DataType.FLOAT32);
    }

    /** A constant. */
    static Init constant(float value) {
        return (m, s) -> m.full(s, value, DataType.FLOAT32);
    }

    /** Normal(mean, std). */
    static Init normal(float mean, float std) {
        return (m, s) -> m.randomNormal(mean, std, s, DataType.FLOAT32);
    }

    /** Uniform(low, high). */
    static Init uniform(float low, float high) {
        return (m, s) -> m.randomUniform(low, high, s, DataType.FLOAT32);
    }

    /**
     * Normal(0, std) truncated to [-2, 2] (absolute bounds, as timm's {@code trunc_normal_(std=.02)} uses them):
     * inverse-CDF sampling, so every value is drawn once and none is rejected.
     */
    static Init truncNormal(float std) {
        return truncNormal(0f, std, -2f, 2f);
    }

    /** Normal(mean, std) truncated to [a, b] by inverse-CDF sampling. */
    static Init truncNormal(float mean, float std, float a, float b) {
        return (m, s) -> {
            double l = normCdf((a - mean) / std);
            double u = normCdf((b - mean) / std);
            try (NDManager tmp = m.newSubManager()) {
                NDArray x = tmp.randomUniform((float) (2 * l - 1), (float) (2 * u - 1), s, DataType.FLOAT32);
                NDArray y = JniUtils.erfinv((PtNDArray) x).mul(std * Math.sqrt(2.0)).add(mean).clip(a, b);
                y.attach(m);
                return y;
            }
        };
    }

    /**
     * PyTorch's default for convolution and linear weights: {@code kaiming_uniform_(a=sqrt(5))}, i.e. Uniform(±1/sqrt(fan_in)).
     */
    static Init torchDefaultWeight() {
        return (m, s) -> {
            float bound = (float) (1.0 / Math.sqrt(fanIn(s)));
            return m.randomUniform(-bound, bound, s, DataType.FLOAT32);
        };
    }

    /** PyTorch's default for convolution and linear biases: Uniform(±1/sqrt(fan_in)) of the matching weight. */
    static Init torchDefaultBias(long fanIn) {
        float bound = fanIn > 0 ? (float) (1.0 / Math.sqrt(fanIn)) : 0f;
        return (m, s) -> m.randomUniform(-bound, bound, s, DataType.FLOAT32);
    }

    /** Kaiming normal, fan_out mode, for ReLU ({@code std = sqrt(2 / fan_out)}), as torchvision's ResNet uses it. */
    static Init kaimingNormalFanOut() {
        return (m, s) -> {
            long fanOut = s.get(0) * receptiveField(s);
            return m.randomNormal(0f, (float) Math.sqrt(2.0 / fanOut), s, DataType.FLOAT32);
        };
    }

    /** Xavier uniform (gain 1), as mmcv's {@code xavier_init(distribution='uniform')}. */
    static Init xavierUniform() {
        return (m, s) -> {
            long fanIn = fanIn(s);
            long fanOut = s.get(0) * receptiveField(s);
            float bound = (float) Math.sqrt(6.0 / (fanIn + fanOut));
            return m.randomUniform(-bound, bound, s, DataType.FLOAT32);
        };
    }

    /** Input fan of a weight laid out as PyTorch's {@code (out, in, k...)}. */
    static long fanIn(Shape s) {
        return s.dimension() < 2 ? s.get(0) : s.get(1) * receptiveField(s);
    }

    private static long receptiveField(Shape s) {
        long r = 1;
        for (int i = 2; i < s.dimension(); i++) {
            r *= s.get(i);
        }
        return r;
    }

    private static double normCdf(double x) {
        return (1.0 + erf(x / Math.sqrt(2.0))) / 2.0;
    }

    /** Abramowitz-Stegun 7.1.26 is too coarse for the tails; this series/continued-fraction pair is exact to 1e-15. */
    private static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            double sum = ax;
            double term = ax;
            for (int n = 1; n < 200; n++) {
                term *= -ax * ax / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int n = 60; n >= 1; n--) {
                f = n / 2.0 / (ax + f);
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -r : r;
    }
}
