package dev.densepred.engine.train.optim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.engine.runtime.Scope;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** SGD against torch's update rule re-computed element by element in double precision. */
class SgdTest {

    /** torch.optim.SGD's single-tensor rule for one scalar. */
    private static final class Reference {
        double p;
        Double buf;

        Reference(double p) {
            this.p = p;
        }

        void step(double g, double lr, double wd, Sgd.Config c) {
            g += wd * p;
            if (c.momentum() != 0) {
                buf = buf == null ? g : c.momentum() * buf + (1 - c.dampening()) * g;
                g = c.nesterov() ? g + c.momentum() * buf : buf;
            }
            p -= lr * g;
        }
    }

    /**
     * Two parameters in groups with their own learning rates (changing every step, as a schedule does) and weight
     * decays, a clipping multiplier on every other step, and no gradient for {@code b} in steps 0 and 3: its buffer
     * is created at its first update, and its step count advances only with gradients.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "plain,           0,   0,   false, 0,    0",
        "weight decay,    0,   0,   false, 0.05, 0.01",
        "momentum,        0.9, 0,   false, 0.05, 0",
        "dampening,       0.9, 0.3, false, 0.05, 0",
        "nesterov,        0.8, 0,   true,  0.05, 0.01"})
    void matchesTorchRuleWithGroupsMultiplierAndSkippedGradients(String name, double momentum, double dampening, boolean nesterov,
            double wdW, double wdB) {
        Sgd.Config config = new Sgd.Config(0.1, momentum, dampening, wdW, nesterov);
        Random r = new Random(11);
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] w = gaussian(r, 6, 1);
            float[] b = gaussian(r, 4, 1);
            NDArray wMaster = manager.create(w, new Shape(2, 3));
            NDArray bMaster = manager.create(b);
            List<ParamGroup> groups = List.of(new ParamGroup("decay", 0.1, wdW, List.of("w")), new ParamGroup("other", 0.3, wdB, List.of("b")));
            Sgd sgd = new Sgd(config, groups, Map.of("w", wMaster, "b", bMaster), manager);
            Reference[] rw = Arrays.stream(toDouble(w)).mapToObj(Reference::new).toArray(Reference[]::new);
            Reference[] rb = Arrays.stream(toDouble(b)).mapToObj(Reference::new).toArray(Reference[]::new);
            List<Executable> checks = new ArrayList<>();
            for (int step = 0; step < 6; step++) {
                double[] lr = {0.1 * (1 + step), 0.3 / (1 + step)};
                double multiplier = step % 2 == 0 ? 1.0 : 0.6;
                boolean skipB = step == 0 || step == 3;
                try (NDManager scope = manager.newSubManager()) {
                    float[] gw = gaussian(r, w.length, 0.1);
                    float[] gb = gaussian(r, b.length, 0.1);
                    for (int i = 0; i < gw.length; i++) {
                        rw[i].step(gw[i] * (double) (float) multiplier, lr[0], wdW, config);
                    }
                    for (int i = 0; i < gb.length && !skipB; i++) {
                        rb[i].step(gb[i] * (double) (float) multiplier, lr[1], wdB, config);
                    }
                    List<NDArray> grads = new ArrayList<>();
                    grads.add(scope.create(gw, new Shape(2, 3)));
                    grads.add(skipB ? null : scope.create(gb));
                    int live = Scope.liveArrays(manager);
                    sgd.step(grads, lr, multiplier);
                    int created = step <= 1 ? 1 : 0; // w's buffer at step 0, b's at step 1
                    int s = step;
                    int after = Scope.liveArrays(manager);
                    checks.add(() -> assertEquals(live + (momentum == 0 ? 0 : created), after,
                            "step " + s + ": only the new momentum buffers outlive the update"));
                }
                if (step == 0) {
                    List<String> keys = List.copyOf(sgd.stateTensors().keySet());
                    checks.add(() -> assertEquals(momentum == 0 ? List.of() : List.of("w.momentum_buffer"), keys,
                            "after b's first step without gradient it has no buffer yet"));
                }
            }
            compare(checks, "w", wMaster.toFloatArray(), Arrays.stream(rw).mapToDouble(x -> x.p).toArray());
            compare(checks, "b", bMaster.toFloatArray(), Arrays.stream(rb).mapToDouble(x -> x.p).toArray());
            if (momentum != 0) {
                Map<String, NDArray> state = sgd.stateTensors();
                checks.add(() -> assertEquals(List.of("w.momentum_buffer", "b.momentum_buffer"), List.copyOf(state.keySet()), "torch's state key"));
                compare(checks, "w.momentum_buffer", state.get("w.momentum_buffer").toFloatArray(), Arrays.stream(rw).mapToDouble(x -> x.buf).toArray());
                compare(checks, "b.momentum_buffer", state.get("b.momentum_buffer").toFloatArray(), Arrays.stream(rb).mapToDouble(x -> x.buf).toArray());
            } else {
                checks.add(() -> assertTrue(sgd.stateTensors().isEmpty(), "plain SGD keeps no state"));
            }
            checks.add(() -> assertEquals(6, sgd.slots().get(0).step(), "steps of w"));
            checks.add(() -> assertEquals(4, sgd.slots().get(1).step(), "steps of b (two steps without gradient)"));
            assertAll(checks);
        }
    }

    /**
     * The state a checkpoint holds (buffers of the parameters that were updated, step counts) continues in a new
     * optimizer exactly: a parameter that never got a gradient has no buffer on either side, and its first update
     * after the restore initialises the buffer as torch does.
     */
    @Test
    void restoredStateContinuesBitForBit() {
        Sgd.Config config = new Sgd.Config(0.05, 0.9, 0.1, 1e-3, false);
        Random r = new Random(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] w = gaussian(r, 6, 1);
            float[] b = gaussian(r, 3, 1);
            List<ParamGroup> groups = List.of(new ParamGroup("all", 0.05, 1e-3, List.of("w", "b")));
            Map<String, NDArray> a = masters(manager, w, b);
            Sgd first = new Sgd(config, groups, a, manager);
            List<float[][]> grads = new ArrayList<>();
            for (int step = 0; step < 6; step++) {
                grads.add(new float[][] {gaussian(r, 6, 0.1), gaussian(r, 3, 0.1)});
            }
            for (int step = 0; step < 3; step++) {
                step(first, manager, grads.get(step), step, false);
            }
            // the checkpoint: masters, step counts and the buffers that exist, copied into a fresh optimizer
            Map<String, NDArray> bMasters = masters(manager, a.get("w").toFloatArray(), a.get("b").toFloatArray());
            Sgd second = new Sgd(config, groups, bMasters, manager);
            Map<String, Long> steps = new LinkedHashMap<>();
            first.slots().forEach(s -> steps.put(s.name(), s.step()));
            Map<String, NDArray> targets = second.restore(steps);
            assertEquals(first.stateTensors().keySet(), targets.keySet(), "the restored optimizer expects the saved tensors");
            assertEquals(List.of("w.momentum_buffer"), List.copyOf(targets.keySet()), "b never got a gradient");
            targets.forEach((k, t) -> first.stateTensors().get(k).copyTo(t));
            for (int step = 3; step < 6; step++) {
                step(first, manager, grads.get(step), step, true);
                step(second, manager, grads.get(step), step, true);
            }
            assertAll(
                    () -> assertEquals(Arrays.toString(a.get("w").toFloatArray()), Arrays.toString(bMasters.get("w").toFloatArray())),
                    () -> assertEquals(Arrays.toString(a.get("b").toFloatArray()), Arrays.toString(bMasters.get("b").toFloatArray())),
                    () -> assertEquals(Arrays.toString(first.momentumBuffer(1).toFloatArray()),
                            Arrays.toString(second.momentumBuffer(1).toFloatArray()), "b's buffer, created after the restore"),
                    () -> assertEquals(3, second.slots().get(1).step()));
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> second.restore(Map.of("w", 3L)));
            assertTrue(missing.getMessage().contains("'b'"), missing.getMessage());
        }
    }

    @Test
    void restoreWithoutMomentumExpectsNoState() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Sgd sgd = new Sgd(Sgd.Config.defaults(), List.of(new ParamGroup("all", 1e-3, 0, List.of("w", "b"))),
                    masters(manager, new float[6], new float[3]), manager);
            assertTrue(sgd.restore(Map.of("w", 4L, "b", 4L)).isEmpty());
            assertNull(sgd.momentumBuffer(0));
        }
    }

    @Test
    void torchRefusesNesterovWithoutMomentumOrWithDampening() {
        IllegalArgumentException noMomentum = assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0, 0, 0, true));
        assertTrue(noMomentum.getMessage().contains("nesterov") && noMomentum.getMessage().contains("momentum"), noMomentum.getMessage());
        IllegalArgumentException damped = assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0.9, 0.1, 0, true));
        assertTrue(damped.getMessage().contains("dampening 0"), damped.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(-0.1, 0.9, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, -0.9, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Config(0.1, 0.9, 0, -1e-4, false));
    }

    private static void step(Sgd sgd, NDManager manager, float[][] g, int step, boolean withB) {
        try (NDManager scope = manager.newSubManager()) {
            List<NDArray> grads = new ArrayList<>();
            grads.add(scope.create(g[0], new Shape(2, 3)));
            grads.add(withB ? scope.create(g[1]) : null);
            sgd.step(grads, new double[] {0.05 / (1 + step)}, step % 2 == 0 ? 1.0 : 0.7);
        }
    }

    private static Map<String, NDArray> masters(NDManager manager, float[] w, float[] b) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("w", manager.create(w, new Shape(2, 3)));
        out.put("b", manager.create(b));
        return out;
    }

    private static float[] gaussian(Random r, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextGaussian() * scale);
        }
        return out;
    }

    private static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    private static void compare(List<Executable> checks, String what, float[] actual, double[] expected) {
        for (int i = 0; i < expected.length; i++) {
            int k = i;
            checks.add(() -> assertEquals(expected[k], actual[k], 2e-6 * Math.max(1, Math.abs(expected[k])), what + "[" + k + "]"));
        }
    }
}
