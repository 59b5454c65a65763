package dev.densepred.engine.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

/** Total norms and coefficients against hand-computed values (clip_grad_norm_ semantics). */
class GradClipTest {

    @Test
    void totalNormOverTensorsOfAnyRank() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3, 4});
            NDArray b = m.create(new float[] {12}, new Shape(1, 1));
            NDArray scalar = m.create(-2f);
            // sqrt(9 + 16 + 144 + 4) = sqrt(173)
            assertEquals(Math.sqrt(173), GradClip.totalNorm(Arrays.asList(a, null, b, scalar), 2).getFloat(), 1e-5);
            assertEquals(3 + 4 + 12 + 2, GradClip.totalNorm(Arrays.asList(a, b, scalar), 1).getFloat(), 1e-5);
            assertNull(GradClip.totalNorm(Arrays.asList(null, null), 2));
        }
    }

    @Test
    void coefficientIsTorchsClampedRatio() {
        assertEquals(6.5 / (13 + 1e-6), GradClip.coefficient(13, 6.5), 1e-15);
        assertEquals(1.0, GradClip.coefficient(2, 6.5));
        assertEquals(0.0, GradClip.coefficient(Double.POSITIVE_INFINITY, 1.0));
    }
}
