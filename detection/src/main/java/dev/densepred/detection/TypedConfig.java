package dev.densepred.detection;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigException;

import java.util.Arrays;
import java.util.Set;

/**
 * Binds the nested, {@code type}-tagged sections of an mmdetection-style model config
 * ({@code "anchor_generator": {"type": "AnchorGenerator", ...}}) to settings records: the {@code type}, when given,
 * must name the one implementation we have, and every other key binds as usual (unknown keys are errors).
 */
public final class TypedConfig {

    private TypedConfig() {}

    /**
     * Binds {@code section} to {@code type}, or returns {@code defaults} when the section is absent (null).
     *
     * @param accepted the {@code type} names this section may carry (mmdetection's name first)
     */
    public static <R extends Record> R bind(Config section, Class<R> type, R defaults, String... accepted) {
        if (section == null) {
            return defaults;
        }
        checkType(section, accepted);
        return ConfigBinder.bind(section, type, Set.of("type"));
    }

    /** Checks the section's optional {@code type} against {@code accepted}. */
    public static void checkType(Config section, String... accepted) {
        if (section.has("type")) {
            String t = section.type();
            if (!Arrays.asList(accepted).contains(t)) {
                throw new ConfigException(section.describe() + ": type '" + t + "' is not supported here; expected "
                        + String.join(" or ", accepted));
            }
        }
    }
}
