package dev.densepred.datasets.transform;

import dev.densepred.datasets.mask.MaskApi;
import dev.densepred.datasets.mask.RleMask;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link BitmapMasks} against hand-computed masks. */
class BitmapMasksTest {

    /** A 4 wide, 3 high mask with the box x 1..2, y 0..1 set (pycocotools' frBbox). */
    private static BitmapMasks box() {
        return BitmapMasks.fromRle(new RleMask[] {MaskApi.frBbox(new double[] {1, 0, 2, 2}, 3, 4)}, 4, 3);
    }

    @Test
    void decodesColumnMajorRunsIntoRows() {
        assertArrayEquals(new byte[] {
            0, 1, 1, 0,
            0, 1, 1, 0,
            0, 0, 0, 0}, box().toArray());
    }

    @Test
    void flipMirrorsEachRow() {
        BitmapMasks m = BitmapMasks.fromRle(new RleMask[] {MaskApi.frBbox(new double[] {0, 0, 1, 3}, 3, 4)}, 4, 3);
        m.flipHorizontal(4);
        assertArrayEquals(new byte[] {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, m.toArray());
    }

    @Test
    void rescaleUsesOpenCvNearestRule() {
        BitmapMasks m = box();
        m.rescale(2, 2, 8, 6);
        // dst x copies src floor(x / 2): columns 2..5 set; rows 0..3 set
        byte[] expected = new byte[48];
        for (int y = 0; y < 4; y++) {
            for (int x = 2; x < 6; x++) {
                expected[y * 8 + x] = 1;
            }
        }
        assertArrayEquals(expected, m.toArray());
        assertEquals(8, m.width());
        assertEquals(6, m.height());
    }

    @Test
    void cropKeepsTheWindow() {
        BitmapMasks m = box();
        m.crop(1, 1, 2, 2);
        assertArrayEquals(new byte[] {1, 1, 0, 0}, m.toArray());
    }

    @Test
    void padsWithZerosBelowAndRightWithoutChangingTheMasks() {
        BitmapMasks m = box();
        assertArrayEquals(new byte[] {
            0, 1, 1, 0, 0,
            0, 1, 1, 0, 0,
            0, 0, 0, 0, 0,
            0, 0, 0, 0, 0}, m.toPaddedArray(5, 4));
        assertEquals(4, m.width());
        assertArrayEquals(box().toArray(), m.toPaddedArray(4, 3));
        assertThrows(IllegalArgumentException.class, () -> m.toPaddedArray(3, 4));
    }

    @Test
    void refusesAMaskOfAnotherSize() {
        RleMask other = MaskApi.frBbox(new double[] {0, 0, 1, 1}, 5, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BitmapMasks.fromRle(new RleMask[] {other}, 4, 3));
        assertEquals("mask #0 is 5x5, expected 4x3", e.getMessage());
    }
}
