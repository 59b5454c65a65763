package dev.densepred.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;

class ScopeTest {

    @Test
    void closingFreesTheScopesArraysAndKeepsWhatWasKept() {
        try (NDManager root = NDManager.newBaseManager()) {
            NDArray kept;
            try (Scope scope = Scope.open(root)) {
                scope.manager().ones(new Shape(4));
                kept = scope.keep(scope.manager().ones(new Shape(2)));
            }
            assertEquals(1, Scope.liveArrays(root), "only the kept array outlives the scope");
            assertEquals(2f, kept.sum().getFloat());
        }
    }

    /**
     * Host arrays turned into tensors sit in direct buffers that only a collection returns; a loop of scopes (an
     * evaluation over many images) must not let them pile up past the limit.
     */
    @Test
    void aLoopOfScopesDoesNotPileUpDirectBuffers() throws InterruptedException {
        long limit = DirectMemory.DEFAULT_LIMIT_BYTES;
        long perScope = 16L << 20;
        long before = DirectMemory.used();
        float[] pixels = new float[(int) (perScope / Float.BYTES)]; // one host array: no heap garbage to trigger a collection
        try (NDManager root = NDManager.newBaseManager()) {
            for (int i = 0; i < (int) (1.5 * limit / perScope); i++) {
                try (Scope scope = Scope.open(root)) {
                    scope.manager().create(pixels); // like an image batch
                }
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (DirectMemory.used() > before + limit + perScope && System.nanoTime() < deadline) {
            Thread.sleep(20); // the cleaner thread frees them after the collection
        }
        assertTrue(DirectMemory.used() <= before + limit + perScope,
                "direct buffers held after " + (1.5 * limit / (1 << 20)) + " MiB of host arrays: " + DirectMemory.used());
    }
}
