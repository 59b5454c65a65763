package dev.densepred.engine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.runtime.Scope;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Random;

/** Each layer against a plain-Java computation of its definition. */
class LayersTest {

    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(0);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol) {
                throw new AssertionError(what + ": index " + i + " expected " + expected[i] + " got " + actual[i] + " (tol " + tol + ")");
            }
        }
    }

    /** Direct definition: out[n,o,y,x] = b[o] + sum w[o,c,ky,kx] * in[n, g*cin+c, y*s-p+ky*d, x*s-p+kx*d]. */
    private static float[] naiveConv(float[] in, int n, int cin, int h, int w, float[] wt, float[] b, int cout, int k,
            int s, int p, int d, int groups, int oh, int ow) {
        float[] out = new float[n * cout * oh * ow];
        int cinG = cin / groups;
        int coutG = cout / groups;
        for (int bn = 0; bn < n; bn++) {
            for (int o = 0; o < cout; o++) {
                int g = o / coutG;
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        double acc = b == null ? 0 : b[o];
                        for (int c = 0; c < cinG; c++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = y * s - p + ky * d;
                                    int ix = x * s - p + kx * d;
                                    if (iy < 0 || ix < 0 || iy >= h || ix >= w) {
                                        continue;
                                    }
                                    acc += wt[((o * cinG + c) * k + ky) * k + kx] * in[((bn * cin + g * cinG + c) * h + iy) * w + ix];
                                }
                            }
                        }
                        out[((bn * cout + o) * oh + y) * ow + x] = (float) acc;
                    }
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"3,8,3,1,1,1,1", "4,6,3,2,1,1,2", "5,5,7,1,3,1,5", "4,4,3,1,2,2,1", "3,4,1,1,0,1,1"})
    void conv2dMatchesTheDefinition(int cin, int cout, int k, int s, int p, int d, int groups) {
        try (Scope scope = Scope.open(manager)) {
            NDManager m = scope.manager();
            Random r = new Random(cin * 31 + k);
            int n = 2, h = 9, w = 7;
            float[] in = random(r, n * cin * h * w);
            Conv2d conv = new Conv2d(cin, cout, k, new Conv2d.Options(s, p, d, groups, true));
            conv.initialize(m);
            float[] wt = conv.weight().array().toFloatArray();
            float[] b = conv.bias().array().toFloatArray();
            NDArray y = conv.forward(m.create(in, new Shape(n, cin, h, w)));
            int oh = (h + 2 * p - d * (k - 1) - 1) / s + 1;
            int ow = (w + 2 * p - d * (k - 1) - 1) / s + 1;
            assertEquals(new Shape(n, cout, oh, ow), y.getShape());
            assertClose(naiveConv(in, n, cin, h, w, wt, b, cout, k, s, p, d, groups, oh, ow), y.toFloatArray(), 1e-4, "conv");
            assertEquals(List.of("weight", "bias"), List.copyOf(conv.stateTensors().keySet()));
        }
    }

    @Test
    void convTransposeMatchesScatterDefinitionOnBothPaths() {
        // kernel == stride (depth-to-space path) and kernel != stride (dilated path)
        int[][] settings = {{2, 2, 0}, {3, 2, 1}, {4, 2, 1}, {3, 1, 0}};
        for (int[] st : settings) {
            int k = st[0], s = st[1], p = st[2];
            try (Scope scope = Scope.open(manager)) {
                NDManager m = scope.manager();
                Random r = new Random(k * 7 + s);
                int n = 2, cin = 3, cout = 4, h = 5, w = 4;
                float[] in = random(r, n * cin * h * w);
                ConvTranspose2d up = new ConvTranspose2d(cin, cout, k, s, p);
                up.initialize(m);
                float[] wt = up.weight().array().toFloatArray();
                float[] b = up.bias().array().toFloatArray();
                int oh = (h - 1) * s - 2 * p + k;
                int ow = (w - 1) * s - 2 * p + k;
                // out[n,o,y*s-p+ky, x*s-p+kx] += in[n,c,y,x] * w[c,o,ky,kx]
                float[] expected = new float[n * cout * oh * ow];
                for (int bn = 0; bn < n; bn++) {
                    for (int o = 0; o < cout; o++) {
                        for (int i = 0; i < oh * ow; i++) {
                            expected[(bn * cout + o) * oh * ow + i] = b[o];
                        }
                        for (int c = 0; c < cin; c++) {
                            for (int y = 0; y < h; y++) {
                                for (int x = 0; x < w; x++) {
                                    for (int ky = 0; ky < k; ky++) {
                                        for (int kx = 0; kx < k; kx++) {
                                            int oy = y * s - p + ky;
                                            int ox = x * s - p + kx;
                                            if (oy >= 0 && ox >= 0 && oy < oh && ox < ow) {
                                                expected[((bn * cout + o) * oh + oy) * ow + ox] +=
                                                        in[((bn * cin + c) * h + y) * w + x] * wt[((c * cout + o) * k + ky) * k + kx];
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                NDArray y = up.forward(m.create(in, new Shape(n, cin, h, w)));
                assertEquals(new Shape(n, cout, oh, ow), y.getShape(), "k=" + k + " s=" + s + " p=" + p);
                assertClose(expected, y.toFloatArray(), 1e-4, "convT k=" + k + " s=" + s + " p=" + p);
            }
        }
    }

    @Test
    void linearAndLayerNormMatchTheDefinition() {
        try (Scope scope = Scope.open(manager)) {
            NDManager m = scope.manager();
            Random r = new Random(3);
            int rows = 6, in = 5, out = 4;
            float[] x = random(r, rows * in);
            Linear fc = new Linear(in, out, true);
            fc.initialize(m);
            float[] wt = fc.weight().array().toFloatArray();
            float[] b = fc.bias().array().toFloatArray();
            float[] expected = new float[rows * out];
            for (int i = 0; i < rows; i++) {
                for (int o = 0; o < out; o++) {
                    double acc = b[o];
                    for (int c = 0; c < in; c++) {
                        acc += x[i * in + c] * wt[o * in + c];
                    }
                    expected[i * out + o] = (float) acc;
                }
            }
            assertClose(expected, fc.forward(m.create(x, new Shape(2, 3, in))).toFloatArray(), 1e-5, "linear");

            LayerNorm ln = new LayerNorm(in, 1e-6);
            ln.initialize(m);
            float[] g = random(r, in);
            float[] be = random(r, in);
            ln.stateTensors().get("weight").replace(m.create(g));
            ln.stateTensors().get("bias").replace(m.create(be));
            float[] lnExpected = new float[rows * in];
            for (int i = 0; i < rows; i++) {
                double mean = 0, var = 0;
                for (int c = 0; c < in; c++) {
                    mean += x[i * in + c];
                }
                mean /= in;
                for (int c = 0; c < in; c++) {
                    var += Math.pow(x[i * in + c] - mean, 2);
                }
                var /= in;
                for (int c = 0; c < in; c++) {
                    lnExpected[i * in + c] = (float) ((x[i * in + c] - mean) / Math.sqrt(var + 1e-6) * g[c] + be[c]);
                }
            }
            assertClose(lnExpected, ln.forward(m.create(x, new Shape(rows, in))).toFloatArray(), 1e-5, "layernorm last axis");
            // NCHW: [rows=2*3 positions] laid out as [1, C, 2, 3]
            NDArray nchw = m.create(x, new Shape(1, 2, 3, in)).transpose(0, 3, 1, 2);
            NDArray back = ln.forwardNchw(nchw).transpose(0, 2, 3, 1);
            assertClose(lnExpected, back.toFloatArray(), 1e-5, "layernorm channels first");
        }
    }

    @Test
    void batchNormUsesBatchStatisticsInTrainingAndUpdatesRunningOnes() {
        try (Scope scope = Scope.open(manager)) {
            NDManager m = scope.manager();
            Random r = new Random(5);
            int n = 3, c = 2, hw = 4;
            float[] x = random(r, n * c * hw);
            BatchNorm2d bn = new BatchNorm2d(c, 1e-5, 0.1);
            bn.initialize(m);
            float[] gamma = {1.5f, -0.5f};
            float[] beta = {0.25f, 2f};
            bn.stateTensors().get("weight").replace(m.create(gamma));
            bn.stateTensors().get("bias").replace(m.create(beta));
            bn.stateTensors().get("running_mean").replace(m.create(new float[] {0.5f, -1f}));
            bn.stateTensors().get("running_var").replace(m.create(new float[] {2f, 0.5f}));
            NDArray input = m.create(x, new Shape(n, c, 2, 2));
            double[] mean = new double[c];
            double[] var = new double[c];
            for (int ch = 0; ch < c; ch++) {
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < hw; i++) {
                        mean[ch] += x[(b * c + ch) * hw + i];
                    }
                }
                mean[ch] /= n * hw;
                for (int b = 0; b < n; b++) {
                    for (int i = 0; i < hw; i++) {
                        var[ch] += Math.pow(x[(b * c + ch) * hw + i] - mean[ch], 2);
                    }
                }
                var[ch] /= n * hw;
            }
            float[] expectedTrain = new float[x.length];
            float[] expectedEval = new float[x.length];
            float[] rm = {0.5f, -1f};
            float[] rv = {2f, 0.5f};
            for (int b = 0; b < n; b++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < hw; i++) {
                        int idx = (b * c + ch) * hw + i;
                        expectedTrain[idx] = (float) ((x[idx] - mean[ch]) / Math.sqrt(var[ch] + 1e-5) * gamma[ch] + beta[ch]);
                        expectedEval[idx] = (float) ((x[idx] - rm[ch]) / Math.sqrt(rv[ch] + 1e-5) * gamma[ch] + beta[ch]);
                    }
                }
            }
            bn.train(false);
            assertClose(expectedEval, bn.forward(input).toFloatArray(), 1e-5, "bn eval");
            bn.train(true);
            assertClose(expectedTrain, bn.forward(input).toFloatArray(), 1e-5, "bn train");
            // running = 0.9 * old + 0.1 * batch (unbiased variance for the running estimate, as PyTorch)
            int count = n * hw;
            float[] newMean = bn.stateTensors().get("running_mean").array().toFloatArray();
            float[] newVar = bn.stateTensors().get("running_var").array().toFloatArray();
            for (int ch = 0; ch < c; ch++) {
                assertEquals(0.9 * rm[ch] + 0.1 * mean[ch], newMean[ch], 1e-5, "running_mean " + ch);
                assertEquals(0.9 * rv[ch] + 0.1 * var[ch] * count / (count - 1), newVar[ch], 1e-5, "running_var " + ch);
            }
            assertEquals(1L, bn.stateTensors().get("num_batches_tracked").array().getLong());
            bn.setFrozen(true);
            assertClose(bn.forward(input).toFloatArray(), bn.forward(input).toFloatArray(), 0, "frozen is deterministic");
            assertFalse(bn.stateTensors().get("weight").trainable());
            assertEquals(1L, bn.stateTensors().get("num_batches_tracked").array().getLong(), "frozen keeps its statistics");
        }
    }

    @Test
    void float16InputWithFloat32NormWeightsStaysFloat16() {
        try (Scope scope = Scope.open(manager)) {
            NDManager m = scope.manager();
            LayerNorm ln = new LayerNorm(8, 1e-6);
            ln.initialize(m);
            NDArray x = m.randomNormal(new Shape(2, 3, 8)).toType(DataType.FLOAT16, false);
            NDArray y = ln.forward(x);
            assertEquals(DataType.FLOAT16, y.getDataType());
            NDArray y32 = ln.forward(x.toType(DataType.FLOAT32, false));
            assertTrue(y.toType(DataType.FLOAT32, false).sub(y32).abs().max().getFloat() < 5e-3);
        }
    }

    @Test
    void toFloat32KeepsTheGraphWhereACastCutsIt() {
        try (Scope scope = Scope.open(manager)) {
            NDManager m = scope.manager();
            NDArray w = m.create(new float[] {1f, 2f, 3f}).toType(DataType.FLOAT16, false);
            w.setRequiresGradient(true);
            try (Autograd.Recording rec = Autograd.record()) {
                NDArray loss = Functional.toFloat32(w.mul(w)).sum();
                assertEquals(DataType.FLOAT32, loss.getDataType());
                Autograd.backward(loss);
            }
            assertArrayEquals(new float[] {2f, 4f, 6f}, w.getGradient().toType(DataType.FLOAT32, false).toFloatArray());
            NDArray scalar = m.create(2f).toType(DataType.FLOAT16, false);
            assertEquals(new Shape(), Functional.toFloat32(scalar).getShape());
            assertEquals(DataType.FLOAT32, Functional.toFloat32(scalar).getDataType());
        }
    }

    @Test
    void dropPathKeepsOrZeroesWholeSamplesAndRescales() {
        try (Scope scope = Scope.open(manager)) {
            NDManager m = scope.manager();
            NDArray x = m.ones(new Shape(400, 3, 2));
            float[] y = Functional.dropPath(x, 0.25, true).toFloatArray();
            int kept = 0;
            for (int s = 0; s < 400; s++) {
                float v = y[s * 6];
                for (int j = 0; j < 6; j++) {
                    assertEquals(v, y[s * 6 + j], "sample " + s + " is all kept or all dropped");
                }
                assertTrue(v == 0f || Math.abs(v - 1 / 0.75f) < 1e-6, "value " + v);
                kept += v == 0f ? 0 : 1;
            }
            assertTrue(kept > 260 && kept < 340, "about 75% kept: " + kept);
            assertEquals(x, Functional.dropPath(x, 0.25, false), "identity in evaluation");
        }
    }

    @Test
    void bilinearResizeWithoutAlignedCornersMatchesHalfPixelDefinition() {
        try (Scope scope = Scope.open(manager)) {
            NDManager m = scope.manager();
            float[] src = {0, 1, 2, 3, 4, 5};   // 2 x 3
            NDArray y = Functional.interpolate(m.create(src, new Shape(1, 1, 2, 3)), 3, 5, Functional.Resize.BILINEAR, false);
            float[] out = y.toFloatArray();
            for (int oy = 0; oy < 3; oy++) {
                for (int ox = 0; ox < 5; ox++) {
                    double sy = Math.max(0, (oy + 0.5) * 2 / 3 - 0.5);
                    double sx = Math.max(0, (ox + 0.5) * 3 / 5 - 0.5);
                    int y0 = (int) sy, x0 = (int) sx;
                    int y1 = Math.min(y0 + 1, 1), x1 = Math.min(x0 + 1, 2);
                    double ly = sy - y0, lx = sx - x0;
                    double v = (1 - ly) * ((1 - lx) * src[y0 * 3 + x0] + lx * src[y0 * 3 + x1])
                            + ly * ((1 - lx) * src[y1 * 3 + x0] + lx * src[y1 * 3 + x1]);
                    assertEquals(v, out[oy * 5 + ox], 1e-5, "at " + oy + "," + ox);
                }
            }
            float[] nearest = Functional.interpolate(m.create(src, new Shape(1, 1, 2, 3)), 4, 6, Functional.Resize.NEAREST, false).toFloatArray();
            assertEquals(0f, nearest[0]);
            assertEquals(5f, nearest[23]);
        }
    }

    @Test
    void truncNormalStaysInBoundsWithTheRightSpread() {
        try (Scope scope = Scope.open(manager)) {
            float[] v = Init.truncNormal(0.02f).create(scope.manager(), new Shape(200_000)).toFloatArray();
            double sum = 0, sq = 0;
            for (float f : v) {
                assertTrue(f >= -2 && f <= 2);
                sum += f;
                sq += f * f;
            }
            double mean = sum / v.length;
            double std = Math.sqrt(sq / v.length - mean * mean);
            assertEquals(0, mean, 5e-4);
            assertEquals(0.02, std, 5e-4, "truncation at +-2 (100 sigma) does not narrow std 0.02");
            float[] tight = Init.truncNormal(0f, 1f, -1f, 1f).create(scope.manager(), new Shape(200_000)).toFloatArray();
            double s2 = 0;
            for (float f : tight) {
                assertTrue(f >= -1 && f <= 1);
                s2 += f * f;
            }
            // Var of N(0,1) truncated to [-1,1] = 1 - 2*phi(1)/(Phi(1)-Phi(-1)) = 0.29112
            assertEquals(0.29112, s2 / tight.length, 5e-3);
        }
    }

    static final class Block extends Module {
        final Conv2d conv = addChild("conv", new Conv2d(2, 3, 3, Conv2d.Options.defaults()));
        final Sequential<Linear> fcs = addChild("fcs", new Sequential<>());
        final BatchNorm2d bn = addChild("bn", new BatchNorm2d(3));

        Block() {
            fcs.add(new Linear(4, 5, true));
            fcs.add(new Linear(5, 6, false));
        }
    }

    @Test
    void moduleNamesAreStateDictKeysAndCountsUseDeclaredShapes() {
        Block b = new Block();
        assertEquals(List.of("conv.weight", "conv.bias", "fcs.0.weight", "fcs.0.bias", "fcs.1.weight",
                "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"),
                List.copyOf(b.stateTensors().keySet()));
        assertEquals(List.of("conv.weight", "conv.bias", "fcs.0.weight", "fcs.0.bias", "fcs.1.weight", "bn.weight", "bn.bias"),
                List.copyOf(b.parameters().keySet()));
        assertEquals(2 * 3 * 9 + 3 + 4 * 5 + 5 + 5 * 6 + 3 + 3, b.parameterCount());
        assertEquals(List.of("", "conv", "fcs", "fcs.0", "fcs.1", "bn"), List.copyOf(b.modules().keySet()));
        assertThrows(IllegalStateException.class, () -> b.conv.weight().array(), "uninitialised parameters refuse to be read");
        b.train(false);
        assertFalse(b.bn.isTraining());
    }

    @Test
    void forwardLeavesNothingInTheModelManager() {
        try (NDManager model = manager.newSubManager()) {
            Block b = new Block();
            b.initialize(model);
            int before = Scope.liveArrays(model);
            for (int i = 0; i < 3; i++) {
                try (Scope scope = Scope.open(manager)) {
                    NDArray x = scope.manager().randomNormal(new Shape(2, 2, 5, 5));
                    b.conv.forward(x);
                    b.bn.forward(b.conv.forward(x));
                }
            }
            assertEquals(before, Scope.liveArrays(model));
        }
    }
}
