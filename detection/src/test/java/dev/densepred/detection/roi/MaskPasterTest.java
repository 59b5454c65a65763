package dev.densepred.detection.roi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.densepred.datasets.mask.RleMask;

import org.junit.jupiter.api.Test;

/** {@link MaskPaster} against values worked out by hand from {@code F.grid_sample(align_corners=False)}. */
class MaskPasterTest {

    /**
     * A 2x2 mask with only its top-left cell on, pasted at box (0, 0, 4, 4) of a 6x6 image. Pixel centres 0.5 ... 3.5
     * map to grid -0.75, -0.25, 0.25, 0.75, i.e. sample columns -0.25, 0.25, 0.75, 1.25, whose weights on cell 0 are
     * 0.75, 0.75, 0.25, 0; so pixel (x, y) gets w[x] * w[y]. Column 4 (centre 4.5, sample 1.75) is inside the pasting
     * window (ceil(4) + 1 = 5) and samples cells 1-2, i.e. 0; column 5 is outside the window.
     */
    @Test
    void bilinearPasteOfOneCell() {
        float[] mask = {1, 0, 0, 0};
        float[] out = MaskPaster.paste(mask, 2, new float[] {0, 0, 4, 4}, 6, 6);
        float[] w = {0.75f, 0.75f, 0.25f, 0f, 0f, 0f};
        float[] expected = new float[36];
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 6; x++) {
                expected[y * 6 + x] = w[x] * w[y];
            }
        }
        assertArrayEquals(expected, out, 1e-7f);
        RleMask rle = MaskPaster.pasteRle(mask, 2, new float[] {0, 0, 4, 4}, 6, 6, 0.5);
        assertEquals(4, rle.area(), "0.5625 >= 0.5 on the 2x2 top-left block, 0.1875 elsewhere");
        byte[] colMajor = rle.decodeColumnMajor();
        assertEquals(1, colMajor[0]);
        assertEquals(1, colMajor[1]); // x 0, y 1
        assertEquals(1, colMajor[6]); // x 1, y 0
        assertEquals(0, colMajor[2]); // x 0, y 2
    }

    /**
     * A uniform mask pasted at a fractional box: a pixel is inside when its centre is inside the box on both axes
     * (weight 1 in the interior); along an edge, the weight is the centre's distance into the box measured in mask
     * cells plus 0.5, so the 0.5 threshold keeps exactly the pixels whose centres lie inside the box (away from corners).
     */
    @Test
    void uniformMaskKeepsPixelCentresInsideTheBox() {
        int s = 28;
        float[] mask = new float[s * s];
        java.util.Arrays.fill(mask, 1f);
        float[] box = {2.3f, 1.2f, 16.7f, 20.9f};
        float[] out = MaskPaster.paste(mask, s, box, 24, 20);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 20; x++) {
                double cx = x + 0.5;
                double cy = y + 0.5;
                boolean inside = cx > box[0] && cx < box[2] && cy > box[1] && cy < box[3];
                double dx = Math.min(cx - box[0], box[2] - cx) / (box[2] - box[0]) * s;
                double dy = Math.min(cy - box[1], box[3] - cy) / (box[3] - box[1]) * s;
                if (inside && dx >= 0.5 && dy >= 0.5) {
                    assertEquals(1f, out[y * 20 + x], 1e-5f, "interior pixel " + x + "," + y);
                } else if (!inside) {
                    assertEquals(true, out[y * 20 + x] < 0.5f, "outside pixel " + x + "," + y + " = " + out[y * 20 + x]);
                } else {
                    double expected = Math.min(dx + 0.5, 1) * Math.min(dy + 0.5, 1);
                    assertEquals(expected, out[y * 20 + x], 1e-4, "edge pixel " + x + "," + y);
                }
            }
        }
    }
}
