package dev.densepred.engine.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Binds a config subtree to a settings record. Keys are the snake_case spelling of the record's components
 * ({@code dropPathRate} is {@code drop_path_rate}). A record may declare {@code public static R defaults()}: keys
 * the config leaves out take their value from it, and nested records merge over the default's nested value. A
 * record without {@code defaults()} needs every key.
 *
 * <p>Every error names the file that set the key, the full key path, what was expected and what was found; an
 * unknown key also lists the closest valid keys and all valid keys.
 *
 * <p>Supported component types: boolean, int, long, float, double (and boxes), String, enums (case-insensitive),
 * records, {@code List<T>}, {@code Map<String, T>}, primitive and String arrays, {@link Config} (the raw subtree,
 * for polymorphic parts built through a {@link Registry}) and {@link JsonElement}.
 */
public final class ConfigBinder {

    private ConfigBinder() {}

    /** Binds {@code cfg} to {@code type}, using {@code type.defaults()} for missing keys when it exists. */
    public static <R extends Record> R bind(Config cfg, Class<R> type) {
        return bind(cfg, type, Set.of());
    }

    /** As {@link #bind(Config, Class)}, ignoring {@code ignoredKeys} (e.g. {@code type} read by a registry). */
    public static <R extends Record> R bind(Config cfg, Class<R> type, Set<String> ignoredKeys) {
        return bindRecord(cfg, type, defaults(type), ignoredKeys);
    }

    /** The snake_case keys {@code type} accepts. */
    public static List<String> keys(Class<? extends Record> type) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            out.add(Names.toSnake(c.getName()));
        }
        return out;
    }

    private static <R extends Record> R defaults(Class<R> type) {
        try {
            Method m = type.getDeclaredMethod("defaults");
            if (Modifier.isStatic(m.getModifiers()) && m.getReturnType() == type && m.getParameterCount() == 0) {
                m.setAccessible(true);
                return type.cast(m.invoke(null));
            }
            return null;
        } catch (NoSuchMethodException e) {
            return null;
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(type.getName() + ".defaults() failed", e);
        }
    }

    private static <R extends Record> R bindRecord(Config cfg, Class<R> type, R base, Set<String> ignoredKeys) {
        if (!cfg.node().isJsonObject()) {
            throw error(cfg, "expected an object with keys " + keys(type) + ", found " + describeValue(cfg.node()));
        }
        JsonObject obj = cfg.node().getAsJsonObject();
        RecordComponent[] comps = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : comps) {
            byKey.put(Names.toSnake(c.getName()), c);
        }
        for (String key : obj.keySet()) {
            if (!byKey.containsKey(key) && !ignoredKeys.contains(key)) {
                Config child = cfg.child(key, obj.get(key));
                throw new ConfigException(child.originOf(child.path()) + ": unknown key '" + child.path() + "'"
                        + Names.didYouMean(key, byKey.keySet()) + "; valid keys here: " + String.join(", ", byKey.keySet()));
            }
        }
        Object[] args = new Object[comps.length];
        Class<?>[] argTypes = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            RecordComponent c = comps[i];
            String key = Names.toSnake(c.getName());
            argTypes[i] = c.getType();
            Object baseValue = base == null ? null : read(c, base);
            if (obj.has(key)) {
                args[i] = convert(cfg.child(key, obj.get(key)), c.getGenericType(), baseValue);
            } else if (base != null) {
                args[i] = baseValue;
            } else {
                throw error(cfg, "missing key '" + key + "' (required by " + type.getSimpleName() + "; keys: " + String.join(", ", byKey.keySet()) + ")");
            }
        }
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(argTypes);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException(cfg.describe() + ": " + cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    private static Object read(RecordComponent c, Record r) {
        try {
            Method acc = c.getAccessor();
            acc.setAccessible(true);
            return acc.invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object convert(Config cfg, Type type, Object base) {
        JsonElement v = cfg.node();
        Class<?> raw = rawClass(type);
        if (v.isJsonNull()) {
            if (raw.isPrimitive()) {
                throw error(cfg, "expected " + raw.getSimpleName() + ", found null");
            }
            return null;
        }
        if (raw == Config.class) {
            return cfg;
        }
        if (JsonElement.class.isAssignableFrom(raw)) {
            if (!raw.isInstance(v)) {
                throw error(cfg, "expected " + raw.getSimpleName() + ", found " + describeValue(v));
            }
            return v.deepCopy();
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (!isPrimitive(v) || !v.getAsJsonPrimitive().isBoolean()) {
                throw error(cfg, "expected true or false, found " + describeValue(v));
            }
            return v.getAsBoolean();
        }
        if (raw == int.class || raw == Integer.class) {
            return Math.toIntExact(integral(cfg, Integer.MIN_VALUE, Integer.MAX_VALUE));
        }
        if (raw == long.class || raw == Long.class) {
            return integral(cfg, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (raw == double.class || raw == Double.class) {
            return number(cfg).doubleValue();
        }
        if (raw == float.class || raw == Float.class) {
            return number(cfg).floatValue();
        }
        if (raw == String.class) {
            if (!isPrimitive(v) || !v.getAsJsonPrimitive().isString()) {
                throw error(cfg, "expected a string, found " + describeValue(v));
            }
            return v.getAsString();
        }
        if (raw.isEnum()) {
            return enumValue(cfg, (Class<? extends Enum>) raw);
        }
        if (raw.isRecord()) {
            Class<? extends Record> rt = (Class<? extends Record>) raw;
            Record defaultsForNested = base != null ? (Record) base : defaults(rt);
            return bindRecord(cfg, (Class) rt, defaultsForNested, Set.of());
        }
        if (raw == List.class) {
            Type elem = typeArg(type, 0, cfg);
            JsonArray arr = array(cfg);
            List<Object> out = new ArrayList<>(arr.size());
            for (int i = 0; i < arr.size(); i++) {
                out.add(convert(cfg.child(Integer.toString(i), arr.get(i)), elem, null));
            }
            return Collections.unmodifiableList(out);
        }
        if (raw == Map.class) {
            Type keyType = typeArg(type, 0, cfg);
            if (keyType != String.class) {
                throw new IllegalStateException("config maps must have String keys: " + type);
            }
            Type valueType = typeArg(type, 1, cfg);
            if (!v.isJsonObject()) {
                throw error(cfg, "expected an object, found " + describeValue(v));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
                out.put(e.getKey(), convert(cfg.child(e.getKey(), e.getValue()), valueType, null));
            }
            return Collections.unmodifiableMap(out);
        }
        if (raw.isArray()) {
            JsonArray arr = array(cfg);
            Object out = Array.newInstance(raw.getComponentType(), arr.size());
            for (int i = 0; i < arr.size(); i++) {
                Array.set(out, i, convert(cfg.child(Integer.toString(i), arr.get(i)), raw.getComponentType(), null));
            }
            return out;
        }
        throw new IllegalStateException("unsupported config type " + type + " at " + cfg.path());
    }

    private static JsonArray array(Config cfg) {
        if (!cfg.node().isJsonArray()) {
            throw error(cfg, "expected a list, found " + describeValue(cfg.node()));
        }
        return cfg.node().getAsJsonArray();
    }

    private static Type typeArg(Type type, int i, Config cfg) {
        if (type instanceof ParameterizedType p) {
            return p.getActualTypeArguments()[i];
        }
        throw new IllegalStateException("raw collection type at " + cfg.path());
    }

    private static Class<?> rawClass(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("unsupported type " + t);
    }

    private static boolean isPrimitive(JsonElement v) {
        return v.isJsonPrimitive();
    }

    private static BigDecimal number(Config cfg) {
        JsonElement v = cfg.node();
        if (!isPrimitive(v) || !v.getAsJsonPrimitive().isNumber()) {
            throw error(cfg, "expected a number, found " + describeValue(v));
        }
        return new BigDecimal(v.getAsJsonPrimitive().getAsString());
    }

    private static long integral(Config cfg, long min, long max) {
        BigDecimal d = number(cfg);
        try {
            long value = d.longValueExact();
            if (value < min || value > max) {
                throw error(cfg, "expected an integer in [" + min + ", " + max + "], found " + d);
            }
            return value;
        } catch (ArithmeticException e) {
            throw error(cfg, "expected an integer, found " + d.toPlainString());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(Config cfg, Class<? extends Enum> type) {
        JsonElement v = cfg.node();
        Set<String> names = new LinkedHashSet<>();
        for (Enum<?> e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        if (!isPrimitive(v) || !v.getAsJsonPrimitive().isString()) {
            throw error(cfg, "expected one of " + names + ", found " + describeValue(v));
        }
        String s = v.getAsString().toLowerCase(Locale.ROOT).replace('-', '_');
        for (Enum<?> e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(s)) {
                return e;
            }
        }
        throw error(cfg, "unknown value '" + v.getAsString() + "'" + Names.didYouMean(s, names) + "; expected one of " + names);
    }

    private static String describeValue(JsonElement v) {
        if (v.isJsonObject()) {
            return "an object";
        }
        if (v.isJsonArray()) {
            return "a list";
        }
        if (v.isJsonNull()) {
            return "null";
        }
        JsonPrimitive p = v.getAsJsonPrimitive();
        if (p.isString()) {
            return "the string \"" + p.getAsString() + "\"";
        }
        return p.toString();
    }

    private static ConfigException error(Config cfg, String what) {
        return new ConfigException(cfg.originOf(cfg.path()) + ": '" + cfg.path() + "': " + what);
    }
}
