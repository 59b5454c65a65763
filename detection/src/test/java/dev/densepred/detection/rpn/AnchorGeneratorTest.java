package dev.densepred.detection.rpn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.box.ImageSize;

import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * {@link AnchorGenerator}: the cases of mmdetection's own anchor-generator tests (base anchors for scales [8], ratios
 * [0.5, 1, 2]; the 2 x 2 grid of stride 10), the row order {@code (y * W + x) * A + a} against an explicit loop, and
 * valid flags for a padded image.
 */
class AnchorGeneratorTest {

    @Test
    void baseAnchorsAsMmdetection() {
        AnchorGenerator g = new AnchorGenerator(AnchorGenerator.Config.defaults());
        // mmdetection's test_standard_anchor_generator, levels with strides 4 and 8 (printed to 4 decimals there)
        assertArrayEquals(new float[] {-22.6274f, -11.3137f, 22.6274f, 11.3137f, -16f, -16f, 16f, 16f, -11.3137f, -22.6274f, 11.3137f, 22.6274f},
                g.baseAnchors(0), 1e-4f);
        assertArrayEquals(new float[] {-45.2548f, -22.6274f, 45.2548f, 22.6274f, -32f, -32f, 32f, 32f, -22.6274f, -45.2548f, 22.6274f, 45.2548f},
                g.baseAnchors(1), 1e-4f);
        // float32 arithmetic of the reference: w * (1 / sqrt(0.5f)) * 8
        float wRatio = 1f / (float) Math.sqrt(0.5f);
        assertEquals(-0.5f * (4f * wRatio * 8f), g.baseAnchors(0)[0]);
        assertEquals(5, g.numLevels());
        assertEquals(3, g.numBaseAnchors());
    }

    @Test
    void squareStrideGridAsMmdetection() {
        AnchorGenerator g = new AnchorGenerator(new AnchorGenerator.Config(List.of(10), List.of(1.0), List.of(1.0), List.of(10), true, 0));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = g.gridPriors(m, List.<int[]>of(new int[] {2, 2})).get(0);
            assertArrayEquals(new float[] {-5, -5, 5, 5, 5, -5, 15, 5, -5, 5, 5, 15, 5, 5, 15, 15}, a.toFloatArray());
        }
    }

    @Test
    void rowsFollowLocationThenAnchorOrder() {
        AnchorGenerator g = new AnchorGenerator(new AnchorGenerator.Config(List.of(8, 16), List.of(0.5, 1.0, 2.0), List.of(4.0, 8.0),
                List.of(), false, 0.5));
        int h = 3;
        int w = 5;
        try (NDManager m = NDManager.newBaseManager()) {
            float[] anchors = g.levelPriors(m, 1, h, w).toFloatArray();
            float[] base = g.baseAnchors(1);
            int a = g.numBaseAnchors();
            assertEquals(h * w * a * 4, anchors.length);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int k = 0; k < a; k++) {
                        int row = (y * w + x) * a + k;
                        float[] expected = {base[4 * k] + x * 16, base[4 * k + 1] + y * 16, base[4 * k + 2] + x * 16, base[4 * k + 3] + y * 16};
                        float[] actual = java.util.Arrays.copyOfRange(anchors, 4 * row, 4 * row + 4);
                        assertArrayEquals(expected, actual, "row " + row + " (y " + y + ", x " + x + ", anchor " + k + ")");
                    }
                }
            }
            // scale-minor order with centre offset 0.5: first anchor is scale 4, ratio 0.5, centred at 8
            float ws = 16f * 4f * (1f / (float) Math.sqrt(0.5f));
            assertEquals(8f - 0.5f * ws, base[0]);
        }
    }

    @Test
    void validFlagsCoverThePaddedImageOnly() {
        AnchorGenerator g = new AnchorGenerator(AnchorGenerator.Config.defaults());
        try (NDManager m = NDManager.newBaseManager()) {
            // feature 4 x 5 at stride 4; the image's pad shape 10 x 13 -> ceil: 3 rows, 4 columns valid
            boolean[] flags = g.levelValidFlags(m, 0, 4, 5, new ImageSize(10, 13)).toBooleanArray();
            assertEquals(4 * 5 * 3, flags.length);
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    for (int k = 0; k < 3; k++) {
                        assertEquals(y < 3 && x < 4, flags[(y * 5 + x) * 3 + k], "y " + y + ", x " + x + ", anchor " + k);
                    }
                }
            }
            List<NDArray> all = g.validFlags(m, List.of(new int[] {4, 5}, new int[] {2, 3}, new int[] {1, 2}, new int[] {1, 1}, new int[] {1, 1}),
                    new ImageSize(10, 13));
            assertEquals(new Shape(2 * 3 * 3), all.get(1).getShape());
        }
    }

    @Test
    void wrongNumberOfLevelsIsRefused() {
        AnchorGenerator g = new AnchorGenerator(AnchorGenerator.Config.defaults());
        try (NDManager m = NDManager.newBaseManager()) {
            assertThrows(IllegalArgumentException.class, () -> g.gridPriors(m, List.<int[]>of(new int[] {2, 2})));
        }
    }
}
