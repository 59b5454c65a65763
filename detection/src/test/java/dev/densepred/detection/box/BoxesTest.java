package dev.densepred.detection.box;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

import java.util.List;

/** {@link Boxes}: shape contract, empty input, selection, concatenation and clipping. */
class BoxesTest {

    @Test
    void emptyBecomesZeroByFour() {
        try (NDManager m = NDManager.newBaseManager()) {
            Boxes b = new Boxes(m.zeros(new Shape(0)), new ImageSize(4, 6));
            assertEquals(new Shape(0, 4), b.tensor().getShape());
            assertEquals(0, b.size());
            assertEquals(new Shape(0, 4), Boxes.empty(m, new ImageSize(4, 6)).tensor().getShape());
        }
    }

    @Test
    void wrongShapeOrTypeIsRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            ImageSize size = new ImageSize(4, 6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Boxes(m.zeros(new Shape(2, 5)), size));
            assertTrue(e.getMessage().contains("(2, 5)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Boxes(m.zeros(new Shape(2, 4), DataType.FLOAT16), size));
            assertTrue(e.getMessage().contains("float16"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new ImageSize(0, 3));
        }
    }

    @Test
    void selectCatAndClip() {
        try (NDManager m = NDManager.newBaseManager()) {
            ImageSize size = new ImageSize(10, 20);
            Boxes b = new Boxes(m.create(new float[] {-1, 2, 25, 8, 1, 1, 2, 2, 3, 3, 30, 12}, new Shape(3, 4)), size);
            Boxes picked = b.select(m.create(new long[] {2, 0}));
            assertArrayEquals(new float[] {3, 3, 30, 12, -1, 2, 25, 8}, picked.tensor().toFloatArray());
            Boxes masked = b.select(m.create(new boolean[] {false, true, false}));
            assertArrayEquals(new float[] {1, 1, 2, 2}, masked.tensor().toFloatArray());
            assertEquals(5, Boxes.cat(List.of(b, picked)).size());
            assertArrayEquals(new float[] {0, 2, 20, 8, 1, 1, 2, 2, 3, 3, 20, 10}, b.clip().tensor().toFloatArray());
            assertArrayEquals(new float[] {156, 1, 243}, b.area().toFloatArray());
            assertThrows(IllegalArgumentException.class, () -> Boxes.cat(List.of(b, new Boxes(b.tensor(), new ImageSize(5, 5)))));
        }
    }
}
