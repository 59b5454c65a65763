package dev.densepred.engine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.densepred.engine.runtime.Autograd;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Constants that autograd keeps for the backward pass must outlive a garbage collection between forward and
 * backward (see {@link Functional}'s class note). Between the two passes the test collects garbage and fills freshly
 * allocated direct memory with 1e9, which is what a freed DJL scalar buffer reads as when it is reused; with DJL's own
 * {@code x.mul(0.5f)} the gradient came out as 1e9 in every trial.
 */
class GraphConstantsTest {

    private static final float[] X = {1f, 2f, 3f};

    @Test
    void scalarOperandsSurviveCollectionBeforeBackward() throws InterruptedException {
        assertGradient(x -> Functional.mul(x, 0.5), new float[] {0.5f, 0.5f, 0.5f});
        assertGradient(x -> Functional.div(x, 4), new float[] {0.25f, 0.25f, 0.25f});
        assertGradient(x -> Functional.pow(x, 2), new float[] {2f, 4f, 6f});
        assertGradient(x -> Functional.maximum(x, 1.5), new float[] {0f, 1f, 1f});
    }

    @Test
    void constantArraysSurviveClosingAndCollection() throws InterruptedException {
        try (NDManager outer = NDManager.newBaseManager()) {
            assertGradient(x -> {
                NDArray weights;
                try (NDManager inner = outer.newSubManager()) {
                    weights = Functional.constant(inner, new float[] {1f, 2f, 3f}, new Shape(3));
                    weights.attach(outer);
                }
                NDArray y = x.mul(weights);
                weights.close(); // only our handle: autograd keeps the tensor
                return y;
            }, new float[] {1f, 2f, 3f});
        }
    }

    private static void assertGradient(UnaryOperator<NDArray> f, float[] expected) throws InterruptedException {
        for (int trial = 0; trial < 3; trial++) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.create(X);
                x.setRequiresGradient(true);
                try (Autograd.Recording r = Autograd.record()) {
                    NDArray loss = f.apply(x).sum();
                    churnDirectMemory();
                    Autograd.backward(loss);
                }
                assertArrayEquals(expected, x.getGradient().toFloatArray(), 1e-6f);
            }
        }
    }

    /** Collects garbage (freeing unreachable direct buffers) and reuses the freed memory with a loud value. */
    private static void churnDirectMemory() throws InterruptedException {
        List<ByteBuffer> held = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(10);
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, 1e9f);
                held.add(b);
            }
        }
    }
}
