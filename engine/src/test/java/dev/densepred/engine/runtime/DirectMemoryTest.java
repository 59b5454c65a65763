package dev.densepred.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

class DirectMemoryTest {

    @Test
    void collectsUnreachableDirectBuffersOnlyAboveTheLimit() throws InterruptedException {
        long before = DirectMemory.used();
        assertFalse(DirectMemory.collectIfAbove(before + (1L << 30)), "below the limit nothing is collected");
        for (int i = 0; i < 64; i++) {
            ByteBuffer.allocateDirect(1 << 20).put(0, (byte) i); // 64 MiB, unreachable at once
        }
        long piled = DirectMemory.used();
        assertTrue(piled >= before + (64L << 20), "the pool counts unreachable buffers until a collection: " + piled);
        assertTrue(DirectMemory.collectIfAbove(before + (32L << 20)));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (DirectMemory.used() > before + (32L << 20) && System.nanoTime() < deadline) {
            Thread.sleep(20); // the cleaner thread frees them after the collection
        }
        assertTrue(DirectMemory.used() <= before + (32L << 20), "buffers returned: " + DirectMemory.used());
    }
}
