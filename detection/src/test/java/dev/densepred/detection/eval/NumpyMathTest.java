package dev.densepred.detection.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** numpy's summation and sort order, bit for bit. */
class NumpyMathTest {

    /**
     * Expected values from numpy 1.24.2 (Debian's python3-numpy), {@code float(np.mean(a)).hex()} with
     * {@code i = np.arange(n); a = 1.0/(i+1) + (i % 7) * 1e-3}. A left-to-right sum gives a different double for every
     * size here except 7, so these sizes pin the unrolled block (8..128) and the recursive split (> 128).
     */
    @ParameterizedTest(name = "n={0}")
    @CsvSource({
        "7, 0x1.7e5eb5a522bb9p-2", "8, 0x1.5e92def07e641p-2", "9, 0x1.446078176f42ap-2", "127, 0x1.76568283c223ap-5",
        "128, 0x1.73fa37cc8d912p-5", "129, 0x1.71b69141b7f49p-5", "1000, 0x1.577d56c37fc4fp-7",
        "8191, 0x1.114c4386b0773p-8", "8192, 0x1.1146056e4e9ffp-8", "8193, 0x1.1141d3f123e34p-8",
        "80800, 0x1.9c7a488fac5c3p-9", "100000, 0x1.990e65ec84e64p-9"})
    void meanIsNumpysPairwiseMean(int n, String hex) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 1.0 / (i + 1) + (i % 7) * 1e-3;
        }
        double expected = Double.parseDouble(hex);
        double got = NumpyMath.mean(a, n);
        assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(got), "n=" + n + ": expected "
                + Double.toHexString(expected) + ", got " + Double.toHexString(got) + " (tolerance 0)");
    }

    @Test
    void argsortIsStableDescendingWithSignedZerosTied() {
        double[] keys = {0.5, 0.9, 0.5, -0.0, 0.9, 0.0, 0.1, 0.5, 0.9, 0.0, -0.0, 0.3, 0.5, 0.5, 0.9, 0.1, 0.2, 0.5, 0.7, 0.0};
        int[] idx = new int[keys.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        NumpyMath.argsortDescendingStable(idx, 0, idx.length, keys, new int[idx.length]);
        // np.argsort(-keys, kind='mergesort') on the same values.
        int[] numpy = {1, 4, 8, 14, 18, 0, 2, 7, 12, 13, 17, 11, 16, 6, 15, 3, 5, 9, 10, 19};
        assertArrayEquals(numpy, idx);
    }

    @Test
    void linspaceMatchesNumpy() {
        double[] iou = NumpyMath.linspace(.5, .95, 10);
        assertEquals(0.8999999999999999, iou[8], 0.0, "np.linspace(.5, .95, 10)[8]");
        assertEquals(0.95, iou[9], 0.0, "the end point is exact");
        double[] rec = NumpyMath.linspace(0, 1, 101);
        assertEquals(0.35000000000000003, rec[35], 0.0, "np.linspace(0, 1, 101)[35]");
        assertEquals(0.7000000000000001, rec[70], 0.0, "np.linspace(0, 1, 101)[70]");
    }
}
