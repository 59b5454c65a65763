package dev.densepred.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where golden files and sample data live for tests. Golden-file tests read the folder named by the system
 * property {@code fixtures.dir} (set by the build to the project's {@code testdata/fixtures}; point it elsewhere
 * with {@code mvn test -Dfixtures.dir=/path}) and run every case they find there.
 */
public final class Fixtures {

    private Fixtures() {}

    /** The fixture root: the folder holding {@code coco_eval/}, {@code mambaout/}, {@code ops/}, {@code miou/}. */
    public static Path root() {
        return existing("fixtures.dir", "testdata/fixtures");
    }

    /** A fixture sub-folder, e.g. {@code dir("ops")}. */
    public static Path dir(String name) {
        Path p = root().resolve(name);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("fixture folder " + p + " does not exist (fixtures.dir=" + root() + ")");
        }
        return p;
    }

    /** The bundled sample data root (COCO and ADE20K samples), property {@code data.dir}. */
    public static Path dataRoot() {
        return existing("data.dir", "data");
    }

    /** Files in {@code dir} whose names end with {@code suffix}, sorted, so tests run every case found. */
    public static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path existing(String property, String fallbackFromRoot) {
        String v = System.getProperty(property);
        Path p;
        if (v != null && !v.isBlank()) {
            p = Paths.get(v);
        } else {
            // Run from an IDE without the build's properties: walk up to the project root.
            Path cur = Paths.get("").toAbsolutePath();
            while (cur != null && !Files.isDirectory(cur.resolve(fallbackFromRoot))) {
                cur = cur.getParent();
            }
            if (cur == null) {
                throw new IllegalStateException("set -D" + property + "=... (no " + fallbackFromRoot + " above the working directory)");
            }
            p = cur.resolve(fallbackFromRoot);
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException(property + "=" + p + " is not a directory");
        }
        return p;
    }
}
