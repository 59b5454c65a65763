package dev.densepred.engine.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A resolved config (bases merged, overrides applied) or a subtree of one, remembering for every key the file or
 * command-line flag that set it, so that errors can say where to fix them.
 */
public final class Config {

    private final JsonElement node;
    private final String path;
    private final Map<String, String> origins;

    Config(JsonElement node, String path, Map<String, String> origins) {
        this.node = node;
        this.path = path;
        this.origins = origins;
    }

    /** A config made directly from JSON, e.g. in tests; {@code source} names it in errors. */
    public static Config of(JsonObject json, String source) {
        return new Config(json, "", Map.of("", source));
    }

    /** The JSON of this subtree (do not modify it). */
    public JsonElement node() {
        return node;
    }

    /** The dotted key path of this subtree from the root ({@code ""} for the root). */
    public String path() {
        return path;
    }

    /** Whether this subtree is an object with {@code key}. */
    public boolean has(String key) {
        return node.isJsonObject() && node.getAsJsonObject().has(key);
    }

    /** The subtree at a dotted relative path, or empty. */
    public Optional<Config> find(String relPath) {
        JsonElement cur = node;
        for (String part : relPath.split("\\.")) {
            if (cur == null || !cur.isJsonObject() || !cur.getAsJsonObject().has(part)) {
                return Optional.empty();
            }
            cur = cur.getAsJsonObject().get(part);
        }
        return Optional.of(new Config(cur, join(path, relPath), origins));
    }

    /** The subtree at a dotted relative path; a missing key is an error naming where it was expected. */
    public Config at(String relPath) {
        return find(relPath).orElseThrow(() -> new ConfigException(
                describe() + ": missing key '" + join(path, relPath) + "'"));
    }

    /** The file or flag that set {@code fullPath} (or its nearest ancestor). */
    public String originOf(String fullPath) {
        String p = fullPath;
        while (true) {
            String o = origins.get(p);
            if (o != null) {
                return o;
            }
            if (p.isEmpty()) {
                return "<config>";
            }
            int dot = p.lastIndexOf('.');
            p = dot < 0 ? "" : p.substring(0, dot);
        }
    }

    /**
     * {@code "file.json: 'a.b'"}-style location of this subtree for messages. Command-line overrides of keys below it
     * follow in parentheses: a check over the whole subtree may be failing on a value one of them set, not the file's.
     */
    public String describe() {
        TreeSet<String> overrides = new TreeSet<>();
        for (Map.Entry<String, String> e : origins.entrySet()) {
            boolean below = path.isEmpty() || e.getKey().startsWith(path + ".");
            if (below && !e.getKey().equals(path) && e.getValue().startsWith(Overrides.ORIGIN + " ")) {
                overrides.add(e.getValue());
            }
        }
        return originOf(path) + (overrides.isEmpty() ? "" : " (with " + String.join(", ", overrides) + ")")
                + (path.isEmpty() ? "" : ": '" + path + "'");
    }

    /** Every recorded origin (path to source), for tools that print where values came from. */
    public Map<String, String> origins() {
        return Collections.unmodifiableMap(origins);
    }

    /** The {@code type} string of this subtree, or an error naming the subtree. */
    public String type() {
        if (!has("type") || !node.getAsJsonObject().get("type").isJsonPrimitive()) {
            throw new ConfigException(describe() + ": missing \"type\" string");
        }
        return node.getAsJsonObject().get("type").getAsString();
    }

    /** Binds this subtree to a record (see {@link ConfigBinder}). */
    public <R extends Record> R bind(Class<R> type) {
        return ConfigBinder.bind(this, type);
    }

    /** Pretty-printed JSON, as written next to a training run. */
    public String toPrettyJson() {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(node);
    }

    Config child(String key, JsonElement value) {
        return new Config(value, join(path, key), origins);
    }

    static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "." + b;
    }
}
