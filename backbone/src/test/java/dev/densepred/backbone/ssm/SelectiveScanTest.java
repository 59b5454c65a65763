package dev.densepred.backbone.ssm;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import dev.densepred.backbone.Parity;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.runtime.Autograd;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

/** The chunked scan against a token-by-token loop (mamba_ssm's {@code selective_scan_ref}), values and gradients. */
class SelectiveScanTest {

    /** {@code selective_scan_ref}: one step per token, in float64. */
    private static NDArray sequential(NDArray u, NDArray delta, NDArray a, NDArray b, NDArray c, NDArray d, NDArray bias, NDArray z) {
        long len = u.getShape().get(2);
        NDArray dt = delta.add(bias.reshape(1, -1, 1));
        dt = dt.exp().add(1).log(); // softplus; the test inputs stay far below torch's threshold of 20
        NDArray h = null;
        NDList ys = new NDList();
        for (long t = 0; t < len; t++) {
            NDIndex at = new NDIndex(":, :, {}", t);
            NDArray dtt = dt.get(at).expandDims(2); // [B, D, 1]
            NDArray in = dtt.mul(b.get(at).expandDims(1)).mul(u.get(at).expandDims(2)); // [B, D, N]
            h = h == null ? in : dtt.mul(a).exp().mul(h).add(in);
            ys.add(h.mul(c.get(at).expandDims(1)).sum(new int[] {2})); // [B, D]
        }
        NDArray y = NDArrays.stack(ys, 2).add(u.mul(d.reshape(1, -1, 1)));
        return y.mul(z.mul(Functional.pow(z.neg().exp().add(1), -1)));
    }

    @ParameterizedTest
    @CsvSource({"70, 16", "70, 70", "300, 0", "5, 16"})
    void chunkedScanMatchesTheSequentialRecurrenceAndItsGradients(int len, int chunk) {
        Engine.getInstance().setRandomSeed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            int batch = 2;
            int dim = 6;
            int n = 4;
            NDArray u = m.randomNormal(new Shape(batch, dim, len));
            NDArray delta = m.randomNormal(new Shape(batch, dim, len)).mul(0.5);
            // A spans slow and fast decays, as A = -exp(A_log) with A_log = log(1..N) does
            NDArray a = m.arange(1f, n + 1f).reshape(1, n).mul(m.randomUniform(0.2f, 2f, new Shape(dim, 1))).neg();
            NDArray b = m.randomNormal(new Shape(batch, n, len));
            NDArray c = m.randomNormal(new Shape(batch, n, len));
            NDArray d = m.randomNormal(new Shape(dim));
            NDArray bias = m.randomNormal(new Shape(dim)).mul(0.3);
            NDArray z = m.randomNormal(new Shape(batch, dim, len));
            List<NDArray> inputs = List.of(u, delta, a, b, c, d, bias, z);
            NDArray weights = m.randomNormal(new Shape(batch, dim, len)); // a random linear functional of y for the gradients

            NDArray[] fast = run(inputs, weights, xs -> chunk == 0
                    ? SelectiveScan.scan(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], xs[7])
                    : SelectiveScan.scan(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], xs[7], chunk));
            NDArray[] slow = run(inputs, weights, xs -> sequential(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], xs[6], xs[7]));
            String[] names = {"y", "du", "ddelta", "dA", "dB", "dC", "dD", "dbias", "dz"};
            assertAll(java.util.stream.IntStream.range(0, names.length)
                    .mapToObj(i -> Parity.closeRelative(names[i] + " L=" + len, slow[i], fast[i], 1e-5)));
            assertEquals(new Shape(batch, dim, len), fast[0].getShape());
        }
    }

    /** Output and gradients of {@code sum(weights * f(inputs))} with respect to every input, in float64. */
    private static NDArray[] run(List<NDArray> inputs, NDArray weights, java.util.function.Function<NDArray[], NDArray> f) {
        NDArray[] xs = new NDArray[inputs.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = inputs.get(i).toType(ai.djl.ndarray.types.DataType.FLOAT64, true);
            xs[i].setRequiresGradient(true);
        }
        NDArray y;
        try (Autograd.Recording r = Autograd.record()) {
            y = f.apply(xs);
            NDArray loss = y.mul(weights.toType(ai.djl.ndarray.types.DataType.FLOAT64, false)).sum();
            Autograd.backward(loss);
        }
        NDArray[] out = new NDArray[xs.length + 1];
        out[0] = y.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        for (int i = 0; i < xs.length; i++) {
            out[i + 1] = xs[i].getGradient().toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        }
        return out;
    }
}
