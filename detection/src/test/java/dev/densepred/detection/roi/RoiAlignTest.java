package dev.densepred.detection.roi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.testing.Golden;
import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.runtime.Autograd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link RoiAlign} against {@code ops/roi_align.safetensors} (torchvision 0.14.1 {@code roi_align}, CPU, float32).
 * Every tensor named {@code out_<size>_s<sampling ratio>_<aligned|unaligned>} is a forward case, pooled from
 * {@code features} and {@code rois} at the file's {@code spatial_scale}; {@code grad_features} is the gradient of
 * {@code (out * grad_G).sum()} for output 7, sampling 0, aligned (the README's definition).
 *
 * <p>Tolerance: our weights sum per pixel before multiplying, the reference multiplies per sample, so results differ
 * by float32 summation order only: atol 1e-5 + rtol 1e-5.
 */
class RoiAlignTest {

    private static final Pattern CASE = Pattern.compile("out_(\\d+)_s(\\d+)_(aligned|unaligned)");
    private static final double ATOL = 1e-5;
    private static final double RTOL = 1e-5;

    private static NDManager manager;
    private static Map<String, NDArray> golden;
    private static double scale;

    @BeforeAll
    static void load() throws IOException {
        manager = NDManager.newBaseManager();
        try (SafeTensorsReader r = SafeTensorsReader.open(Golden.ops("roi_align.safetensors"))) {
            golden = r.loadAll(manager);
            scale = Double.parseDouble(r.metadata().get("spatial_scale"));
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static List<String> forwardCases() {
        return Golden.tensorNames("roi_align.safetensors", CASE);
    }

    private static RoiAlign layer(String name) {
        Matcher m = CASE.matcher(name);
        assertTrue(m.matches(), name);
        return new RoiAlign(new RoiAlign.Config(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3).equals("aligned")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forwardCases")
    void forwardMatchesTorchvision(String name) {
        try (NDManager m = manager.newSubManager()) {
            NDArray features = golden.get("features").duplicate();
            features.attach(m);
            NDArray out = layer(name).forward(features, golden.get("rois"), scale);
            NDArray expected = golden.get(name);
            assertEquals(expected.getShape(), out.getShape(), name + " shape");
            Golden.assertClose(name, expected.toFloatArray(), out.toFloatArray(), ATOL, RTOL);
        }
    }

    @Test
    void oneImageUsesTheSameRowsAsTheBatch() {
        // One image is pooled from a strided view of the map (no copy): its RoIs must equal their rows of the batch.
        try (NDManager m = manager.newSubManager()) {
            float[] rois = golden.get("rois").toFloatArray();
            List<Long> rows = new java.util.ArrayList<>();
            for (int r = 0; r < rois.length / 5; r++) {
                if (rois[5 * r] == 0f) {
                    rows.add((long) r);
                }
            }
            NDArray index = m.create(rows.stream().mapToLong(Long::longValue).toArray());
            NDArray features = golden.get("features").get("0:1").duplicate();
            features.attach(m);
            NDArray out = new RoiAlign(new RoiAlign.Config(7, 0, true)).forward(features, golden.get("rois").get(index), scale);
            Golden.assertClose("out_7_s0_aligned, image 0 alone", golden.get("out_7_s0_aligned").get(index).toFloatArray(), out.toFloatArray(),
                    ATOL, RTOL);
        }
    }

    @Test
    void gradientMatchesTorchvision() {
        try (NDManager m = manager.newSubManager()) {
            NDArray features = golden.get("features").duplicate();
            features.attach(m);
            features.setRequiresGradient(true);
            try (Autograd.Recording r = Autograd.record()) {
                NDArray out = new RoiAlign(new RoiAlign.Config(7, 0, true)).forward(features, golden.get("rois"), scale);
                Autograd.backward(out.mul(golden.get("grad_G")).sum());
            }
            NDArray grad = features.getGradient();
            Golden.assertClose("grad_features", golden.get("grad_features").toFloatArray(), grad.toFloatArray(), ATOL, RTOL);
        }
    }

    @Test
    void float16FeaturesGiveFloat16OutputAndGradient() {
        try (NDManager m = manager.newSubManager()) {
            NDArray features = golden.get("features").toType(DataType.FLOAT16, false);
            features.attach(m);
            features.setRequiresGradient(true);
            NDArray out;
            try (Autograd.Recording r = Autograd.record()) {
                out = new RoiAlign(new RoiAlign.Config(7, 0, true)).forward(features, golden.get("rois"), scale);
                // float16 * float32 promotes to float32 inside the graph
                Autograd.backward(out.mul(golden.get("grad_G")).sum());
            }
            assertEquals(DataType.FLOAT16, out.getDataType());
            // Half precision: inputs rounded to 11 bits, sums accumulated in half.
            Golden.assertClose("out_7_s0_aligned (float16)", golden.get("out_7_s0_aligned").toFloatArray(),
                    out.toType(DataType.FLOAT32, false).toFloatArray(), 1e-2, 1e-2);
            NDArray grad = features.getGradient();
            assertEquals(DataType.FLOAT16, grad.getDataType());
            Golden.assertClose("grad_features (float16)", golden.get("grad_features").toFloatArray(),
                    grad.toType(DataType.FLOAT32, false).toFloatArray(), 1e-2, 1e-2);
        }
    }

    @Test
    void badInputsAreRefusedWithTheTensorNamed() {
        try (NDManager m = manager.newSubManager()) {
            RoiAlign layer = new RoiAlign(RoiAlign.Config.defaults());
            NDArray features = m.zeros(new Shape(1, 2, 4, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(features, m.zeros(new Shape(3, 4)), 1.0));
            assertTrue(e.getMessage().contains("rois") && e.getMessage().contains("(3, 4)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> layer.forward(m.zeros(new Shape(2, 4, 4)), m.zeros(new Shape(1, 5)), 1.0));
            assertTrue(e.getMessage().contains("features"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(features, m.create(new float[] {1, 0, 0, 2, 2}, new Shape(1, 5)), 1.0));
            assertTrue(e.getMessage().contains("batch index"), e.getMessage());
        }
    }

    @Test
    void noRoisGiveAnEmptyResult() {
        try (NDManager m = manager.newSubManager()) {
            NDArray out = new RoiAlign(RoiAlign.Config.defaults()).forward(m.zeros(new Shape(1, 3, 4, 4)), m.zeros(new Shape(0, 5)), 1.0);
            assertEquals(new Shape(0, 3, 7, 7), out.getShape());
        }
    }
}
