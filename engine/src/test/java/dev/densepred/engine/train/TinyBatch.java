package dev.densepred.engine.train;

/**
 * A host-side batch of {@link TinySource}: images {@code [n, 3, 8, 8]} and targets {@code [n, 2]}, row-major.
 *
 * @param images pixel values
 * @param targets regression targets
 * @param n number of samples
 */
public record TinyBatch(float[] images, float[] targets, int n) {

    /** The concatenation of two batches (for data-parallel equivalence). */
    public static TinyBatch concat(TinyBatch a, TinyBatch b) {
        float[] x = java.util.Arrays.copyOf(a.images, a.images.length + b.images.length);
        System.arraycopy(b.images, 0, x, a.images.length, b.images.length);
        float[] y = java.util.Arrays.copyOf(a.targets, a.targets.length + b.targets.length);
        System.arraycopy(b.targets, 0, y, a.targets.length, b.targets.length);
        return new TinyBatch(x, y, a.n + b.n);
    }
}
