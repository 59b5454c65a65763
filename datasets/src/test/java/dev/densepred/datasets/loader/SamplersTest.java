package dev.densepred.datasets.loader;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class SamplersTest {

    @Test
    void shuffleIsAPermutationFixedBySeedAndEpoch() {
        Sampler s = new Sampler(50, true);
        int[] e0 = s.order(7, 0);
        int[] sorted = e0.clone();
        Arrays.sort(sorted);
        int[] identity = new Sampler(50, false).order(7, 0);
        assertAll(
                () -> assertArrayEquals(identity, sorted, "not a permutation"),
                () -> assertArrayEquals(e0, s.order(7, 0), "same seed and epoch must repeat"),
                () -> assertFalse(Arrays.equals(e0, s.order(7, 1)), "epochs should differ"),
                () -> assertFalse(Arrays.equals(e0, s.order(8, 0)), "seeds should differ"),
                () -> assertFalse(Arrays.equals(e0, identity), "shuffle left the order unchanged"));
    }

    @Test
    void fixedSizeBatchesAndDropLast() {
        Sampler seq = new Sampler(7, false);
        assertEquals("[[0, 1, 2], [3, 4, 5], [6]]", text(new FixedSizeBatchSampler(seq, 3, false).batches(0, 0)));
        assertEquals("[[0, 1, 2], [3, 4, 5]]", text(new FixedSizeBatchSampler(seq, 3, true).batches(0, 0)));
        assertEquals(3, new FixedSizeBatchSampler(seq, 3, false).batchesPerEpoch());
        assertEquals(2, new FixedSizeBatchSampler(seq, 3, true).batchesPerEpoch());
    }

    @Test
    void aspectRatioGroupsPortraitAndLandscapeAsMmdet() {
        // Portrait indices: 1, 2, 5, 8. Order 0..9, batch 2.
        boolean[] portrait = {false, true, true, false, false, true, false, false, true, false};
        AspectRatioBatchSampler ar = new AspectRatioBatchSampler(new Sampler(10, false), i -> portrait[i], 2, false);
        // Buckets fill as: [1,2] full at idx 2; [0,3] at 3; [4,6] at 6; [5,8] at 8; [7,9] at 9.
        assertEquals("[[1, 2], [0, 3], [4, 6], [5, 8], [7, 9]]", text(ar.batches(0, 0)));
        // Leftovers: portrait bucket first, then landscape, cut in order; 3 landscape + 1 portrait, batch 3.
        boolean[] p2 = {false, false, false, false, true};
        AspectRatioBatchSampler ar3 = new AspectRatioBatchSampler(new Sampler(5, false), i -> p2[i], 3, false);
        assertEquals("[[0, 1, 2], [4, 3]]", text(ar3.batches(0, 0)));
        AspectRatioBatchSampler dropped = new AspectRatioBatchSampler(new Sampler(5, false), i -> p2[i], 3, true);
        assertEquals("[[0, 1, 2]]", text(dropped.batches(0, 0)));
        assertEquals(dropped.batches(0, 0).size(), dropped.batchesPerEpoch());
    }

    @Test
    void aspectRatioBatchesAreHomogeneousExceptTheLeftovers() {
        int n = 101;
        boolean[] portrait = new boolean[n];
        for (int i = 0; i < n; i++) {
            portrait[i] = i % 3 == 0;
        }
        AspectRatioBatchSampler ar = new AspectRatioBatchSampler(new Sampler(n, true), i -> portrait[i], 4, false);
        List<int[]> batches = ar.batches(3, 2);
        assertEquals(ar.batchesPerEpoch(), batches.size());
        int mixed = 0;
        int total = 0;
        for (int[] b : batches) {
            total += b.length;
            boolean first = portrait[b[0]];
            for (int i : b) {
                if (portrait[i] != first) {
                    mixed++;
                    break;
                }
            }
        }
        assertEquals(n, total);
        // Only the leftover tail (at most two batches) may mix the groups.
        assertEquals(true, mixed <= 1, "mixed batches: " + mixed);
    }

    private static String text(List<int[]> batches) {
        return batches.stream().map(Arrays::toString).toList().toString();
    }
}
