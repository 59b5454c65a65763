package dev.densepred.engine.config;

import java.util.Collections;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Builders of one kind of component, looked up by the {@code type} key of a config subtree (mmengine's
 * {@code build_from_cfg}). Each module fills its registries in one explicit place; there is no classpath scanning.
 *
 * @param <T> what the builders make
 */
public final class Registry<T> {

    private record Entry<T>(Class<? extends Record> settings, Function<Record, T> builder) {}

    private final String kind;
    private final TreeMap<String, Entry<T>> entries = new TreeMap<>();

    /** A registry of {@code kind} (e.g. "backbone"), named in errors. */
    public Registry(String kind) {
        this.kind = kind;
    }

    /** Registers {@code type}, whose settings bind to {@code settings} and are built by {@code builder}. */
    @SuppressWarnings("unchecked")
    public <C extends Record> Registry<T> register(String type, Class<C> settings, Function<C, ? extends T> builder) {
        if (entries.containsKey(type)) {
            throw new IllegalStateException(kind + " type '" + type + "' is registered twice");
        }
        entries.put(type, new Entry<>(settings, r -> builder.apply((C) r)));
        return this;
    }

    /** The registered type names, sorted. */
    public Set<String> types() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** The settings record of {@code type}. */
    public Class<? extends Record> settingsOf(String type) {
        return entry(type, null).settings();
    }

    /** Binds the settings of {@code cfg} (all keys but {@code type}) and builds the component. */
    public T build(Config cfg) {
        Entry<T> e = entry(cfg.type(), cfg);
        Record settings = ConfigBinder.bind(cfg, e.settings(), Set.of("type"));
        return e.builder().apply(settings);
    }

    /** Binds the settings of {@code cfg} without building, e.g. to read channel counts. */
    public Record settings(Config cfg) {
        return ConfigBinder.bind(cfg, entry(cfg.type(), cfg).settings(), Set.of("type"));
    }

    private Entry<T> entry(String type, Config cfg) {
        Entry<T> e = entries.get(type);
        if (e == null) {
            String where = cfg == null ? "" : cfg.originOf(cfg.path() + ".type") + ": '" + cfg.path() + ".type': ";
            throw new ConfigException(where + "unknown " + kind + " type '" + type + "'"
                    + Names.didYouMean(type, entries.keySet()) + "; registered: " + String.join(", ", entries.keySet()));
        }
        return e;
    }
}
