package dev.densepred.detection.box;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.testing.Golden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;

/**
 * {@link BoxOps} against {@code ops/iou.json} ({@code torchvision.ops.box_iou}; every case, NaN where the reference
 * has 0/0) and against invariants of mmdetection's {@code bbox_overlaps}. Same float32 formula as the reference, so
 * the tolerance is one float32 rounding (rtol 1e-6).
 */
class BoxOpsTest {

    /** One case of iou.json. */
    record IouCase(String name, float[] boxes1, float[] boxes2, float[] iou) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<IouCase> iouCases() {
        return Golden.objects(Golden.json("iou.json").getAsJsonArray("cases")).stream()
                .map(c -> new IouCase(c.get("name").getAsString(), Golden.floats(c.get("boxes1")), Golden.floats(c.get("boxes2")),
                        Golden.floats(c.get("iou"))))
                .toList();
    }

    private static NDArray boxes(NDManager m, float[] flat) {
        return m.create(flat, new Shape(flat.length / 4, 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("iouCases")
    void iouMatchesTorchvision(IouCase c) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray iou = BoxOps.iou(boxes(m, c.boxes1()), boxes(m, c.boxes2()));
            assertEquals(new Shape(c.boxes1().length / 4, c.boxes2().length / 4), iou.getShape(), c.name());
            Golden.assertClose("iou case " + c.name(), c.iou(), iou.toFloatArray(), 0, 1e-6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("iouCases")
    void overlapsEqualIouExceptZeroOverZero(IouCase c) {
        float[] expected = c.iou().clone();
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i])) {
                expected[i] = 0f; // mmdetection clamps the union to eps: 0 / eps = 0
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] overlaps = BoxOps.overlaps(boxes(m, c.boxes1()), boxes(m, c.boxes2()), BoxOps.Mode.IOU, BoxOps.DEFAULT_EPS).toFloatArray();
            Golden.assertClose("overlaps case " + c.name(), expected, overlaps, 0, 1e-6);
        }
    }

    @Test
    void iofDividesByTheFirstArea() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = boxes(m, new float[] {0, 0, 10, 10, 5, 5, 5, 5, 0, 0, 4, 4});
            NDArray b = boxes(m, new float[] {5, 0, 15, 10, 0, 0, 2, 2});
            float[] iof = BoxOps.overlaps(a, b, BoxOps.Mode.IOF, BoxOps.DEFAULT_EPS).toFloatArray();
            // [0,0,10,10] vs [5,0,15,10]: 50/100; vs [0,0,2,2]: 4/100. zero-area box: 0/eps = 0. [0,0,4,4]: 0/16, 4/16.
            assertArrayEquals(new float[] {0.5f, 0.04f, 0f, 0f, 0f, 0.25f}, iof, 1e-7f);
        }
    }

    @Test
    void randomOverlapsAreSymmetricBoundedAndFinite() {
        Random rnd = new Random(7);
        float[] flat = new float[4 * 50];
        for (int i = 0; i < 50; i++) {
            float x = rnd.nextFloat() * 100;
            float y = rnd.nextFloat() * 100;
            // a fifth of the boxes have zero width or height
            float w = i % 5 == 0 ? 0 : rnd.nextFloat() * 50;
            float h = rnd.nextFloat() * 50;
            flat[4 * i] = x;
            flat[4 * i + 1] = y;
            flat[4 * i + 2] = x + w;
            flat[4 * i + 3] = y + h;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray b = boxes(m, flat);
            NDArray o = BoxOps.overlaps(b, b, BoxOps.Mode.IOU, BoxOps.DEFAULT_EPS);
            assertTrue(o.sub(o.transpose()).abs().max().getFloat() == 0f, "IoU must be symmetric");
            assertFalse(o.isNaN().any().getBoolean(), "no NaN with eps");
            assertTrue(o.min().getFloat() >= 0f && o.max().getFloat() <= 1f, "IoU within [0, 1]");
            float[] diag = o.get("{}, {}", m.arange(50), m.arange(50)).toFloatArray();
            for (int i = 0; i < 50; i++) {
                assertEquals(i % 5 == 0 ? 0f : 1f, diag[i], 1e-6f, "self IoU of box " + i);
            }
        }
    }

    @Test
    void areaAndClip() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray b = boxes(m, new float[] {-5, -5, 20, 30, 1, 2, 3, 5});
            assertArrayEquals(new float[] {875f, 6f}, BoxOps.area(b).toFloatArray());
            float[] clipped = BoxOps.clip(b, new ImageSize(25, 10)).toFloatArray();
            assertArrayEquals(new float[] {0, 0, 10, 25, 1, 2, 3, 5}, clipped);
            assertEquals(new Shape(0, 4), BoxOps.clip(m.zeros(new Shape(0, 4)), new ImageSize(5, 5)).getShape());
        }
    }

    @Test
    void emptyInputsGiveEmptyMatrices() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray b = boxes(m, new float[] {0, 0, 1, 1});
            assertEquals(new Shape(0, 1), BoxOps.iou(m.zeros(new Shape(0, 4)), b).getShape());
            assertEquals(new Shape(1, 0), BoxOps.overlaps(b, m.zeros(new Shape(0, 4)), BoxOps.Mode.IOF, BoxOps.DEFAULT_EPS).getShape());
        }
    }

    @Test
    void wrongShapeNamesTheTensor() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BoxOps.iou(m.zeros(new Shape(3, 5)), m.zeros(new Shape(2, 4))));
            assertTrue(e.getMessage().contains("boxes1") && e.getMessage().contains("(3, 5)"), e.getMessage());
        }
    }
}
