package dev.densepred.datasets.loader;

/** Seeds derived from (seed, epoch, index) by SplitMix64 mixing, so nearby inputs give unrelated streams. */
final class Seeds {

    private Seeds() {}

    static long mix(long seed, long epoch, long index) {
        return finish(finish(finish(seed) ^ epoch) ^ index);
    }

    private static long finish(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
