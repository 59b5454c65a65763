package dev.densepred.datasets.loader;

/** The loader stopped: a worker hit a bug (not bad data), or the consumer was interrupted. */
public final class LoaderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
