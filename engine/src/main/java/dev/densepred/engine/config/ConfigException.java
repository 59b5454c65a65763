package dev.densepred.engine.config;

/** A config that cannot be loaded or bound; the message names the file, the key path and the fix. */
public final class ConfigException extends IllegalArgumentException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
