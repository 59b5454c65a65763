package dev.densepred.engine.data;

import java.util.Iterator;

/**
 * An iterator over one epoch's batches that owns resources (worker threads, open files) until closed.
 *
 * @param <B> the batch type
 */
public interface BatchIterator<B> extends Iterator<B>, AutoCloseable {

    /** Stops workers and releases resources; never throws. */
    @Override
    void close();
}
