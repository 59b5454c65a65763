package dev.densepred.datasets.loader;

/**
 * Hears about skipped samples, on the consumer's thread and in delivery order, so a trainer can log them beside
 * its iteration. The default logs each one as a warning through {@link System.Logger}.
 */
@FunctionalInterface
public interface LoaderListener {

    void sampleSkipped(SampleFailure failure);

    /** Logs each skipped sample at WARNING level on the {@code dev.densepred.datasets.loader} logger. */
    static LoaderListener logging() {
        System.Logger log = System.getLogger("dev.densepred.datasets.loader");
        return f -> log.log(System.Logger.Level.WARNING, f.toString());
    }
}
