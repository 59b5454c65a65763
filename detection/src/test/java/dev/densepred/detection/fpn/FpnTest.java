package dev.densepred.detection.fpn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.backbone.FeatureInfo;
import dev.densepred.engine.nn.Parameter;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** {@link Fpn}: mmdetection's parameter names and shapes, output sizes, and the top-down sum on a hand case. */
class FpnTest {

    private static List<FeatureInfo> levels(int... channels) {
        List<FeatureInfo> out = new ArrayList<>();
        for (int i = 0; i < channels.length; i++) {
            out.add(new FeatureInfo(channels[i], 4 << i, "stages." + i));
        }
        return out;
    }

    @Test
    void namesAndShapesAreMmdetections() {
        Fpn fpn = new Fpn(new Fpn.Config(List.of(), 16, 5), levels(8, 16, 24, 32));
        Map<String, Parameter> p = fpn.stateTensors();
        assertEquals(16, p.size());
        int[] in = {8, 16, 24, 32};
        for (int i = 0; i < 4; i++) {
            assertEquals(new Shape(16, in[i], 1, 1), p.get("lateral_convs." + i + ".conv.weight").shape());
            assertEquals(new Shape(16), p.get("lateral_convs." + i + ".conv.bias").shape());
            assertEquals(new Shape(16, 16, 3, 3), p.get("fpn_convs." + i + ".conv.weight").shape());
            assertEquals(new Shape(16), p.get("fpn_convs." + i + ".conv.bias").shape());
        }
    }

    @Test
    void convolutionsStartXavierUniformWithZeroBias() {
        // mmdetection's FPN init_cfg (Xavier uniform, gain 1) is what its convs end with: bound sqrt(6 / (fan_in + fan_out))
        try (NDManager m = NDManager.newBaseManager()) {
            Fpn fpn = new Fpn(new Fpn.Config(List.of(), 64, 5), levels(32, 64, 96, 128));
            fpn.initialize(m);
            for (Map.Entry<String, Parameter> e : fpn.stateTensors().entrySet()) {
                NDArray a = e.getValue().array();
                if (e.getKey().endsWith(".bias")) {
                    assertEquals(0f, a.abs().max().getFloat(), e.getKey());
                    continue;
                }
                Shape s = a.getShape();
                long receptive = s.get(2) * s.get(3);
                double bound = Math.sqrt(6.0 / (s.get(1) * receptive + s.get(0) * receptive));
                double maxAbs = a.abs().max().getFloat();
                // a uniform draw of thousands of values reaches within 2% of its bound and has std bound / sqrt(3)
                assertTrue(maxAbs <= bound && maxAbs > 0.98 * bound, e.getKey() + ": max |w| " + maxAbs + ", bound " + bound);
                double std = Math.sqrt(a.square().mean().getFloat());
                assertEquals(bound / Math.sqrt(3), std, 0.05 * bound / Math.sqrt(3), e.getKey());
            }
        }
    }

    @Test
    void outputSizesFollowTheLevelsAndP6IsStrideTwo() {
        try (NDManager m = NDManager.newBaseManager()) {
            Fpn fpn = new Fpn(new Fpn.Config(List.of(8, 16, 24, 32), 16, 5), levels(8, 16, 24, 32));
            fpn.initialize(m);
            // odd sizes, as a 100 x 148 image gives with ceil-mode strides
            long[][] hw = {{25, 37}, {13, 19}, {7, 10}, {4, 5}};
            int[] c = {8, 16, 24, 32};
            List<NDArray> in = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                in.add(m.randomNormal(0f, 1f, new Shape(2, c[i], hw[i][0], hw[i][1]), DataType.FLOAT32));
            }
            List<NDArray> out = fpn.forward(in);
            assertEquals(5, out.size());
            for (int i = 0; i < 4; i++) {
                assertEquals(new Shape(2, 16, hw[i][0], hw[i][1]), out.get(i).getShape(), "level " + i);
            }
            assertEquals(new Shape(2, 16, 2, 3), out.get(4).getShape(), "P6 = max_pool2d(P5, 1, stride=2)");
        }
    }

    @Test
    void topDownSumOnAHandCase() {
        try (NDManager m = NDManager.newBaseManager()) {
            Fpn fpn = new Fpn(new Fpn.Config(List.of(), 1, 3), levels(1, 1));
            fpn.initialize(m);
            // laterals: identity (weight 1, bias 0); output convs: identity 3x3 kernels (centre 1), bias 0.5
            Map<String, Parameter> p = fpn.stateTensors();
            float[] centre = new float[9];
            centre[4] = 1f;
            for (int i = 0; i < 2; i++) {
                p.get("lateral_convs." + i + ".conv.weight").replace(m.ones(new Shape(1, 1, 1, 1)));
                p.get("lateral_convs." + i + ".conv.bias").replace(m.zeros(new Shape(1)));
                p.get("fpn_convs." + i + ".conv.weight").replace(m.create(centre, new Shape(1, 1, 3, 3)));
                p.get("fpn_convs." + i + ".conv.bias").replace(m.create(new float[] {0.5f}));
            }
            SplittableRandom r = new SplittableRandom(1);
            float[] x0 = new float[5 * 7];
            float[] x1 = new float[3 * 4];
            for (int i = 0; i < x0.length; i++) {
                x0[i] = (float) r.nextDouble();
            }
            for (int i = 0; i < x1.length; i++) {
                x1[i] = (float) r.nextDouble();
            }
            List<NDArray> out = fpn.forward(List.of(m.create(x0, new Shape(1, 1, 5, 7)), m.create(x1, new Shape(1, 1, 3, 4))));
            // P2 = x0 + nearest(x1 to 5x7): source index floor(dst * in / out), as F.interpolate(mode='nearest', size=...)
            float[] p2 = new float[5 * 7];
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < 7; x++) {
                    int sy = (int) Math.floor(y * (3.0f / 5.0f));
                    int sx = (int) Math.floor(x * (4.0f / 7.0f));
                    p2[y * 7 + x] = x0[y * 7 + x] + x1[sy * 4 + sx] + 0.5f;
                }
            }
            assertArrayEquals(p2, out.get(0).toFloatArray(), 1e-6f);
            float[] p3 = new float[3 * 4];
            for (int i = 0; i < p3.length; i++) {
                p3[i] = x1[i] + 0.5f;
            }
            assertArrayEquals(p3, out.get(1).toFloatArray(), 1e-6f);
            // P4 = P3[::2, ::2]
            assertArrayEquals(new float[] {p3[0], p3[2], p3[8], p3[10]}, out.get(2).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void refusesChannelsThatDoNotMatchTheBackbone() {
        assertThrows(IllegalArgumentException.class, () -> new Fpn(new Fpn.Config(List.of(8, 16), 16, 5), levels(8, 32)));
    }
}
