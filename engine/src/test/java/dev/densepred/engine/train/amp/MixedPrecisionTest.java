package dev.densepred.engine.train.amp;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.train.TinyNet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Which tensors become float16, what the masters hold, and the float32 swap for evaluation. */
class MixedPrecisionTest {

    @Test
    @SuppressWarnings("try") // the resource is a guard: grad mode or precision, restored on close
    void weightsBecomeHalfLeavesNormsAndBuffersStayFloatMastersKeepTheValues() {
        try (NDManager models = NDManager.newBaseManager(); NDManager state = models.newSubManager()) {
            TinyNet net = new TinyNet(TinyNet.Norm.BATCH);
            net.initialize(models);
            Map<String, float[]> before = new LinkedHashMap<>();
            net.stateTensors().forEach((k, p) -> before.put(k, p.array().toType(DataType.FLOAT32, true).toFloatArray()));
            MixedPrecision mp = new MixedPrecision(net, true, state);
            List<Executable> checks = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : net.stateTensors().entrySet()) {
                String name = e.getKey();
                Parameter p = e.getValue();
                NDArray leaf = p.array();
                boolean half = MixedPrecision.converts(p);
                checks.add(() -> assertEquals(half ? DataType.FLOAT16 : p.declaredType(), leaf.getDataType(), name + " dtype"));
                if (p.kind() != Parameter.Kind.BUFFER) {
                    NDArray master = mp.masters().get(name);
                    checks.add(() -> assertEquals(DataType.FLOAT32, master.getDataType(), name + " master dtype"));
                    checks.add(() -> assertArrayEquals(before.get(name), master.toFloatArray(), name + " master keeps the float32 values"));
                    checks.add(() -> assertTrue(leaf.hasGradient(), name + " is still a trainable leaf"));
                    checks.add(() -> {
                        if (half) {
                            assertNotSame(leaf, master, name);
                        } else {
                            assertSame(leaf, master, name + " is its own master");
                        }
                    });
                }
                checks.add(() -> assertSame(mp.stateTensors().get(name), p.kind() == Parameter.Kind.BUFFER ? leaf : mp.masters().get(name),
                        name + " checkpoint tensor"));
            }
            assertAll(checks);
            Parameter w = net.parameters().get("stem.weight");
            try (MixedPrecision.Restore fp32 = mp.fullPrecision()) {
                assertEquals(DataType.FLOAT32, w.array().getDataType());
                assertArrayEquals(before.get("stem.weight"), w.array().toFloatArray(), "evaluation sees the masters");
            }
            assertEquals(DataType.FLOAT16, w.array().getDataType());
            assertTrue(w.array().hasGradient());
            assertSame(models, w.array().getManager(), "swapped tensors stay in the model's manager");
        }
    }
}
