package dev.densepred.datasets.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.random.RandomGenerator;

/**
 * A random generator that returns scripted values, so a test can drive a transform through a chosen branch. Every
 * draw must be scripted, in order; an unexpected draw fails the test.
 */
public final class ScriptedRandom implements RandomGenerator {

    private final Deque<Object> script = new ArrayDeque<>();

    public ScriptedRandom withDoubles(double... values) {
        for (double v : values) {
            script.add(v);
        }
        return this;
    }

    public ScriptedRandom withInts(int... values) {
        for (int v : values) {
            script.add(v);
        }
        return this;
    }

    public ScriptedRandom withBooleans(boolean... values) {
        for (boolean v : values) {
            script.add(v);
        }
        return this;
    }

    public boolean exhausted() {
        return script.isEmpty();
    }

    private <T> T take(Class<T> type) {
        Object v = script.poll();
        if (!type.isInstance(v)) {
            throw new AssertionError("unexpected draw of a " + type.getSimpleName() + "; next scripted value: " + v);
        }
        return type.cast(v);
    }

    @Override
    public long nextLong() {
        throw new AssertionError("unexpected nextLong()");
    }

    @Override
    public double nextDouble() {
        return take(Double.class);
    }

    @Override
    public boolean nextBoolean() {
        return take(Boolean.class);
    }

    @Override
    public int nextInt(int bound) {
        int v = take(Integer.class);
        if (v < 0 || v >= bound) {
            throw new AssertionError("scripted " + v + " outside [0, " + bound + ")");
        }
        return v;
    }

    @Override
    public int nextInt(int origin, int bound) {
        int v = take(Integer.class);
        if (v < origin || v >= bound) {
            throw new AssertionError("scripted " + v + " outside [" + origin + ", " + bound + ")");
        }
        return v;
    }
}
