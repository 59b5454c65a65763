package dev.densepred.engine.train.optim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** AdamW against torch's update rule re-computed element by element in double precision. */
class AdamWTest {

    private static final double B1 = 0.9;
    private static final double B2 = 0.98;
    private static final double EPS = 1e-6;

    /** torch.optim.AdamW's single-tensor rule for one scalar. */
    private static final class Reference {
        double p;
        double m;
        double v;
        long t;

        Reference(double p) {
            this.p = p;
        }

        void step(double g, double lr, double wd) {
            t++;
            p *= 1 - lr * wd;
            m = B1 * m + (1 - B1) * g;
            v = B2 * v + (1 - B2) * g * g;
            double bc1 = 1 - Math.pow(B1, t);
            double bc2 = 1 - Math.pow(B2, t);
            p -= lr / bc1 * m / (Math.sqrt(v) / Math.sqrt(bc2) + EPS);
        }
    }

    @Test
    void matchesTorchRuleWithGroupsMultiplierAndSkippedGradients() {
        Random r = new Random(7);
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] w = new float[6];
            float[] b = new float[4];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) r.nextGaussian();
            }
            NDArray wMaster = manager.create(w, new Shape(2, 3));
            NDArray bMaster = manager.create(b);
            List<ParamGroup> groups = List.of(
                    new ParamGroup("decay", 1e-2, 0.05, List.of("w")), new ParamGroup("no_decay", 3e-2, 0, List.of("b")));
            AdamW adamw = new AdamW(new AdamW.Config(1e-2, new double[] {B1, B2}, EPS, 0.05), groups,
                    Map.of("w", wMaster, "b", bMaster), manager);
            Reference[] rw = new Reference[w.length];
            Reference[] rb = new Reference[b.length];
            for (int i = 0; i < w.length; i++) {
                rw[i] = new Reference(w[i]);
            }
            for (int i = 0; i < b.length; i++) {
                rb[i] = new Reference(b[i]);
            }
            for (int step = 0; step < 6; step++) {
                double[] lr = {1e-2 * (1 + step), 3e-2 / (1 + step)};
                double multiplier = step % 2 == 0 ? 1.0 : 0.6;
                boolean skipB = step == 3;
                try (NDManager scope = manager.newSubManager()) {
                    float[] gw = new float[w.length];
                    float[] gb = new float[b.length];
                    for (int i = 0; i < gw.length; i++) {
                        gw[i] = (float) (r.nextGaussian() * 0.1);
                        rw[i].step(gw[i] * (double) (float) multiplier, lr[0], 0.05);
                    }
                    for (int i = 0; i < gb.length; i++) {
                        gb[i] = (float) (r.nextGaussian() * 0.1);
                        if (!skipB) {
                            rb[i].step(gb[i] * (double) (float) multiplier, lr[1], 0);
                        }
                    }
                    List<NDArray> grads = new ArrayList<>();
                    grads.add(scope.create(gw, new Shape(2, 3)));
                    grads.add(skipB ? null : scope.create(gb));
                    adamw.step(grads, lr, multiplier);
                }
            }
            List<Executable> checks = new ArrayList<>();
            compare(checks, "w", wMaster.toFloatArray(), Arrays.stream(rw).mapToDouble(x -> x.p).toArray());
            Map<String, NDArray> state = adamw.stateTensors();
            checks.add(() -> assertEquals(List.of("w.exp_avg", "w.exp_avg_sq", "b.exp_avg", "b.exp_avg_sq"), List.copyOf(state.keySet()),
                    "torch's state keys"));
            compare(checks, "w.exp_avg", state.get("w.exp_avg").toFloatArray(), Arrays.stream(rw).mapToDouble(x -> x.m).toArray());
            compare(checks, "w.exp_avg_sq", state.get("w.exp_avg_sq").toFloatArray(), Arrays.stream(rw).mapToDouble(x -> x.v).toArray());
            compare(checks, "b", bMaster.toFloatArray(), Arrays.stream(rb).mapToDouble(x -> x.p).toArray());
            compare(checks, "b.exp_avg_sq", state.get("b.exp_avg_sq").toFloatArray(), Arrays.stream(rb).mapToDouble(x -> x.v).toArray());
            checks.add(() -> assertEquals(6, adamw.slots().get(0).step(), "steps of w"));
            checks.add(() -> assertEquals(5, adamw.slots().get(1).step(), "steps of b (one step without gradient)"));
            assertAll(checks);
        }
    }

    private static void compare(List<Executable> checks, String what, float[] actual, double[] expected) {
        for (int i = 0; i < expected.length; i++) {
            int k = i;
            checks.add(() -> assertEquals(expected[k], actual[k], 2e-6 * Math.max(1, Math.abs(expected[k])), what + "[" + k + "]"));
        }
    }
}
