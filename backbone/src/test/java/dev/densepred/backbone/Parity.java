package dev.densepred.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;

import org.junit.jupiter.api.function.Executable;

/** Comparison of a network's output with a golden tensor, for the backbone parity tests. */
public final class Parity {

    private Parity() {}

    /**
     * Shapes equal and every {@code |expected - actual| <= rel * max|expected|}; the message names the case and the
     * worst element.
     */
    public static Executable closeRelative(String what, NDArray expected, NDArray actual, double rel) {
        return () -> {
            assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
            float[] e = expected.toFloatArray();
            float[] a = actual.toFloatArray();
            double scale = 0;
            for (float v : e) {
                scale = Math.max(scale, Math.abs(v));
            }
            double worst = -1;
            int at = 0;
            for (int i = 0; i < e.length; i++) {
                double d = Math.abs((double) e[i] - a[i]);
                if (!(d <= worst)) {
                    worst = d;
                    at = i;
                }
            }
            double tol = rel * scale;
            final double w = worst;
            final int idx = at;
            assertTrue(e.length == 0 || w <= tol, () -> what + ": max |diff| " + w + " at flat index " + idx + " (expected "
                    + e[idx] + ", got " + a[idx] + ") exceeds " + tol + " (" + rel + " x max|expected|)");
        };
    }
}
