package dev.densepred.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's peak resident memory on Linux ({@code VmHWM} of {@code /proc/self/status}), which counts native
 * (libtorch) allocations as well as the JVM's. Writing {@code 5} to {@code /proc/self/clear_refs} resets the peak to
 * the current resident size, so the growth during one pass can be read.
 */
final class PeakMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private PeakMemory() {}

    /** Resets the peak to the current resident size and returns that size in bytes. */
    static long reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset the peak resident size through " + CLEAR_REFS + " (Linux only)", e);
        }
        return field("VmRSS:");
    }

    /** The peak resident size since the last {@link #reset}, in bytes. */
    static long peak() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException(STATUS + " has no " + name + " line (Linux only)");
    }
}
