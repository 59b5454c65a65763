package dev.densepred.detection.roi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.detection.testing.Golden;

import org.junit.jupiter.api.Test;

import java.util.Random;

/**
 * {@link MaskTargets}: hand cases whose targets follow from the geometry alone, and the un-thresholded host crop
 * checked against {@link RoiAlign} (aligned, sampling 0, scale 1, itself tested against torchvision) on random
 * masks.
 */
class MaskTargetsTest {

    @Test
    void fullMaskGivesOnes() {
        try (NDManager m = NDManager.newBaseManager()) {
            byte[] mask = new byte[20 * 20];
            java.util.Arrays.fill(mask, (byte) 1);
            NDArray t = new MaskTargets(new MaskTargets.Config(28)).targets(mask, 1, 20, 20,
                    m.create(new float[] {2, 3, 17, 18}, new Shape(1, 4)), new int[] {0});
            assertEquals(new Shape(1, 28, 28), t.getShape());
            assertEquals(28 * 28, t.sum().getFloat());
        }
    }

    @Test
    void halfPlaneMaskGivesHalfTargets() {
        // mask = 1 for x < 10 on a 20 x 20 image; box = whole image, 4 x 4 targets: each bin is 5 px wide, aligned
        // sampling puts bin k's 5 samples at x = 5k + 0, 1, ... 4 (pixel centres), so bins 0-1 see ones, 2-3 zeros.
        byte[] mask = new byte[20 * 20];
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 10; x++) {
                mask[y * 20 + x] = 1;
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            float[] t = new MaskTargets(new MaskTargets.Config(4)).targets(mask, 1, 20, 20,
                    m.create(new float[] {0, 0, 20, 20}, new Shape(1, 4)), new int[] {0}).toFloatArray();
            float[] row = {1, 1, 0, 0};
            for (int r = 0; r < 4; r++) {
                assertArrayEquals(row, java.util.Arrays.copyOfRange(t, 4 * r, 4 * r + 4), "row " + r);
            }
        }
    }

    @Test
    void boxesAreClippedToTheMaskAndPickTheirOwnInstance() {
        byte[] masks = new byte[2 * 8 * 8];
        for (int i = 0; i < 8 * 8; i++) {
            masks[8 * 8 + i] = 1; // instance 1 full, instance 0 empty
        }
        try (NDManager m = NDManager.newBaseManager()) {
            MaskTargets targets = new MaskTargets(new MaskTargets.Config(6));
            NDArray beyond = m.create(new float[] {-4, -4, 12, 12, -4, -4, 12, 12}, new Shape(2, 4));
            NDArray inside = m.create(new float[] {0, 0, 8, 8, 0, 0, 8, 8}, new Shape(2, 4));
            float[] a = targets.targets(masks, 2, 8, 8, beyond, new int[] {1, 0}).toFloatArray();
            float[] b = targets.targets(masks, 2, 8, 8, inside, new int[] {1, 0}).toFloatArray();
            assertArrayEquals(b, a, "a box beyond the mask is clipped first");
            assertEquals(36f, sum(a, 0, 36));
            assertEquals(0f, sum(a, 36, 72));
        }
    }

    @Test
    void deviceMasksGiveTheSameTargets() {
        Random rnd = new Random(11);
        byte[] masks = randomMasks(rnd, 3, 30, 40);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray boxes = m.create(new float[] {1.3f, 2.7f, 25.1f, 28.4f, 10f, 0f, 39.5f, 12.2f}, new Shape(2, 4));
            MaskTargets targets = new MaskTargets(MaskTargets.Config.defaults());
            NDArray fromHost = targets.targets(masks, 3, 30, 40, boxes, new int[] {2, 0});
            NDArray fromDevice = targets.targets(m.create(masks, new Shape(3, 30, 40)).toType(DataType.FLOAT32, false), boxes, new int[] {2, 0});
            assertArrayEquals(fromHost.toFloatArray(), fromDevice.toFloatArray());
        }
    }

    @Test
    void cropMatchesRoiAlignOnRandomMasks() {
        Random rnd = new Random(12);
        int k = 3;
        int h = 30;
        int w = 40;
        byte[] masks = randomMasks(rnd, k, h, w);
        int p = 6;
        float[] boxes = new float[4 * p];
        int[] inds = new int[p];
        float[] rois = new float[5 * p];
        for (int i = 0; i < p; i++) {
            float x = rnd.nextFloat() * 30;
            float y = rnd.nextFloat() * 20;
            float[] b = {x, y, x + 1 + rnd.nextFloat() * 25, y + 1 + rnd.nextFloat() * 20};
            System.arraycopy(b, 0, boxes, 4 * i, 4);
            inds[i] = rnd.nextInt(k);
            rois[5 * i] = inds[i];
            System.arraycopy(b, 0, rois, 5 * i + 1, 4);
        }
        float[] crop = MaskTargets.cropAndResize(masks, k, h, w, boxes, inds, 28);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray features = m.create(masks, new Shape(k, 1, h, w)).toType(DataType.FLOAT32, false);
            float[] pooled = new RoiAlign(new RoiAlign.Config(28, 0, true)).forward(features, rois, 1.0).toFloatArray();
            Golden.assertClose("crop vs RoiAlign", pooled, crop, 1e-6, 1e-5);
        }
    }

    @Test
    void mismatchedInputsAreRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            MaskTargets t = new MaskTargets(MaskTargets.Config.defaults());
            NDArray boxes = m.zeros(new Shape(2, 4));
            assertThrows(IllegalArgumentException.class, () -> t.targets(new byte[64], 1, 8, 8, boxes, new int[] {0}));
            assertThrows(IllegalArgumentException.class, () -> t.targets(new byte[64], 1, 8, 8, boxes, new int[] {0, 1}));
            assertThrows(IllegalArgumentException.class, () -> t.targets(new byte[63], 1, 8, 8, boxes, new int[] {0, 0}));
        }
    }

    private static byte[] randomMasks(Random rnd, int k, int h, int w) {
        // blobs rather than noise, so that crops have both large uniform areas and edges
        byte[] masks = new byte[k * h * w];
        for (int i = 0; i < k; i++) {
            double cx = rnd.nextDouble() * w;
            double cy = rnd.nextDouble() * h;
            double r = 5 + rnd.nextDouble() * 10;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    masks[(i * h + y) * w + x] = (byte) (Math.hypot(x - cx, y - cy) < r ? 1 : 0);
                }
            }
        }
        return masks;
    }

    private static float sum(float[] a, int from, int to) {
        float s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s;
    }
}
