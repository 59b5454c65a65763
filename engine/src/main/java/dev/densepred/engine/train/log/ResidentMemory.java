package dev.densepred.engine.train.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident set size (VmRSS of {@code /proc/self/status}), which counts native tensor memory too. */
public final class ResidentMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {}

    /** Resident memory in MiB, or -1 where {@code /proc} is unavailable. */
    public static long megabytes() {
        return parse(STATUS);
    }

    static long parse(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    // "VmRSS:   123456 kB"
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) / 1024;
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
