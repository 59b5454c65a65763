package dev.densepred.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the tensors of a PyTorch state_dict saved by {@code torch.save} (the zip format of torch 1.6 and later) in
 * pure Java, so released {@code .pth} checkpoints load without Python.
 *
 * <p>The archive holds {@code <prefix>/data.pkl}, a pickle of the saved object, and one entry
 * {@code <prefix>/data/<key>} per tensor storage. The pickle is read by a restricted unpickler that knows only what
 * a state_dict needs: dicts and {@code collections.OrderedDict}, lists, tuples, strings, numbers, booleans and None,
 * tensors rebuilt by {@code torch._utils._rebuild_tensor_v2} (or wrapped by {@code _rebuild_parameter}) over
 * storages named by persistent ids {@code ('storage', torch.FloatStorage, key, location, numel)}. Any other global
 * is refused with an error naming it, and nothing in the file is ever executed. Every length and offset is checked
 * against the bytes present before it is used.
 *
 * <p>The state_dict is the saved object itself, or its {@code "model"} or {@code "state_dict"} entry when the file
 * wraps it (the official MambaOut release and many training scripts save {@code {"model": state_dict, ...}});
 * the other entries of such a wrapper are ignored.
 */
public final class TorchCheckpointReader implements AutoCloseable {

    /** Largest {@code data.pkl} accepted: a state_dict's pickle holds names and shapes only, never tensor data. */
    public static final long MAX_PICKLE_BYTES = 256L << 20;

    /** Keys under which a wrapper dict holds the state_dict, tried in this order. */
    private static final List<String> WRAPPER_KEYS = List.of("model", "state_dict");

    /** A file that is not a readable PyTorch checkpoint; the message names the file and the defect. */
    public static final class FormatException extends IOException {
        FormatException(Path file, String defect) {
            super(file + ": not a readable PyTorch checkpoint: " + defect);
        }
    }

    /**
     * One tensor of the state_dict: a strided view of a storage, as PyTorch describes it.
     *
     * @param name the state_dict key
     * @param dtype the element type (the storage's)
     * @param shape the dimensions
     * @param stride elements to step per dimension
     * @param storageOffset first element in the storage
     * @param storageKey the storage's entry name under {@code data/}
     */
    public record Entry(String name, TensorDType dtype, long[] shape, long[] stride, long storageOffset, String storageKey) {
        public Entry {
            shape = shape.clone();
            stride = stride.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public long[] stride() {
            return stride.clone();
        }

        /** Number of elements (1 for a scalar). */
        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /** Whether the elements are laid out densely in row-major order. */
        public boolean isContiguous() {
            long expected = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                if (shape[i] != 1 && stride[i] != expected) {
                    return false;
                }
                expected *= shape[i];
            }
            return true;
        }
    }

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Map<String, Entry> tensors;
    private final String wrapperKey;

    private TorchCheckpointReader(Path file, ZipFile zip, String prefix, Map<String, Entry> tensors, String wrapperKey) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.tensors = tensors;
        this.wrapperKey = wrapperKey;
    }

    /** Opens {@code file} and reads its state_dict's names, types and shapes; the caller closes the reader. */
    public static TorchCheckpointReader open(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new FormatException(file, "not a zip archive (files written by torch < 1.6 or with "
                    + "_use_new_zipfile_serialization=False are not supported; load and re-save them with a current torch)");
        }
        try {
            String prefix = archivePrefix(file, zip);
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String value = new String(readEntry(file, zip, order, 16), StandardCharsets.US_ASCII).trim();
                if (!value.equals("little")) {
                    throw new FormatException(file, "byteorder is '" + value + "'; only little-endian files are supported");
                }
            }
            ZipEntry pkl = zip.getEntry(prefix + "data.pkl");
            byte[] pickle = readEntry(file, zip, pkl, MAX_PICKLE_BYTES);
            Object root = new Unpickler(file, pickle).load();
            Map<String, Entry> tensors = new LinkedHashMap<>();
            String wrapper = stateDict(file, root, tensors);
            for (Entry e : tensors.values()) {
                checkStorageBounds(file, zip, prefix, e);
            }
            return new TorchCheckpointReader(file, zip, prefix, tensors, wrapper);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** The file this reader reads. */
    public Path file() {
        return file;
    }

    /** The state_dict's tensors in the file's order. */
    public Map<String, Entry> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** The wrapper key the state_dict was found under ({@code "model"}, {@code "state_dict"}), if any. */
    public Optional<String> wrapperKey() {
        return Optional.ofNullable(wrapperKey);
    }

    /** The entry of {@code name}; throws naming the file when there is none. */
    public Entry info(String name) {
        Entry e = tensors.get(name);
        if (e == null) {
            throw new IllegalArgumentException(file + ": no tensor named '" + name + "'");
        }
        return e;
    }

    /** The tensor's elements, row-major and little-endian, in a fresh direct buffer the caller owns. */
    public ByteBuffer bytes(String name) throws IOException {
        Entry e = info(name);
        int width = e.dtype().bytes();
        long count = e.elementCount();
        if (count == 0) {
            return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (count * width > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": tensor '" + name + "' has " + count * width + " bytes, more than one buffer holds");
        }
        byte[] storage = readEntry(file, zip, zip.getEntry(prefix + "data/" + e.storageKey()), Integer.MAX_VALUE - 8);
        ByteBuffer out = ByteBuffer.allocateDirect((int) (count * width)).order(ByteOrder.LITTLE_ENDIAN);
        if (e.isContiguous()) {
            out.put(storage, (int) (e.storageOffset() * width), (int) (count * width));
        } else {
            gather(storage, e, width, out);
        }
        return out.flip();
    }

    /**
     * Loads one tensor into {@code manager}. DJL's PyTorch engine cannot create bfloat16 or int16 arrays, so those
     * arrive widened, exactly, to float32 (bfloat16 is the upper half of a float32) and int32.
     */
    public NDArray load(String name, NDManager manager) throws IOException {
        Entry e = info(name);
        ByteBuffer bytes = bytes(name);
        DataType type = e.dtype().dataType();
        if (e.dtype() == TensorDType.BF16) {
            bytes = widen16(bytes, true);
            type = DataType.FLOAT32;
        } else if (e.dtype() == TensorDType.I16) {
            bytes = widen16(bytes, false);
            type = DataType.INT32;
        }
        NDArray array = manager.create(bytes, new Shape(e.shape()), type);
        array.setName(name);
        return array;
    }

    /** 16-bit elements to 32 bits: bfloat16 bits shifted up into a float32, or int16 sign-extended. */
    private static ByteBuffer widen16(ByteBuffer in, boolean bfloat16) {
        ByteBuffer out = ByteBuffer.allocateDirect(in.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            short v = in.getShort();
            out.putInt(bfloat16 ? (v & 0xffff) << 16 : v);
        }
        return out.flip();
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    /** Copies a strided view element by element, walking the index odometer-style. */
    private static void gather(byte[] storage, Entry e, int width, ByteBuffer out) {
        long[] shape = e.shape();
        long[] stride = e.stride();
        long[] index = new long[shape.length];
        long count = e.elementCount();
        for (long n = 0; n < count; n++) {
            long offset = e.storageOffset();
            for (int d = 0; d < shape.length; d++) {
                offset += index[d] * stride[d];
            }
            out.put(storage, (int) (offset * width), width);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
    }

    /** The single top-level folder holding {@code data.pkl} (its name varies with the torch version). */
    private static String archivePrefix(Path file, ZipFile zip) throws FormatException {
        List<String> found = new ArrayList<>();
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                found.add(name.substring(0, name.length() - "data.pkl".length()));
            }
        }
        if (found.size() != 1) {
            throw new FormatException(file, found.isEmpty()
                    ? "no <archive>/data.pkl entry (is this a TorchScript or safetensors file?)"
                    : "several data.pkl entries: " + found);
        }
        return found.get(0);
    }

    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry entry, long limit) throws IOException {
        if (entry == null) {
            throw new FormatException(file, "a required archive entry is missing");
        }
        long size = entry.getSize();
        if (size > limit) {
            throw new FormatException(file, "entry '" + entry.getName() + "' has " + size + " bytes, more than the limit of " + limit);
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] data = in.readNBytes((int) Math.min(limit, size >= 0 ? size : limit));
            if (size >= 0 && data.length != size) {
                throw new FormatException(file, "entry '" + entry.getName() + "' is truncated: " + data.length + " of " + size + " bytes");
            }
            return data;
        }
    }

    /** Checks that every element a tensor addresses lies inside its storage entry. */
    private static void checkStorageBounds(Path file, ZipFile zip, String prefix, Entry e) throws FormatException {
        ZipEntry storage = zip.getEntry(prefix + "data/" + e.storageKey());
        if (storage == null) {
            throw new FormatException(file, "tensor '" + e.name() + "' refers to storage '" + e.storageKey() + "', which the archive lacks");
        }
        long last = e.storageOffset();
        long[] shape = e.shape();
        long[] stride = e.stride();
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                return;
            }
            last += (shape[d] - 1) * stride[d];
        }
        long needed = (last + 1) * e.dtype().bytes();
        if (needed > storage.getSize()) {
            throw new FormatException(file, "tensor '" + e.name() + "' " + Arrays.toString(shape) + " needs " + needed
                    + " bytes of storage '" + e.storageKey() + "', which has " + storage.getSize());
        }
    }

    /** Finds the state_dict in the unpickled object and fills {@code out}; returns the wrapper key or null. */
    private static String stateDict(Path file, Object root, Map<String, Entry> out) throws FormatException {
        if (!(root instanceof Map<?, ?> top)) {
            throw new FormatException(file, "the saved object is " + describe(root) + ", not a dict of tensors");
        }
        Map<?, ?> dict = top;
        String wrapper = null;
        if (!allTensors(top)) {
            for (String key : WRAPPER_KEYS) {
                if (top.get(key) instanceof Map<?, ?> inner) {
                    dict = inner;
                    wrapper = key;
                    break;
                }
            }
            if (wrapper == null) {
                throw new FormatException(file, "the saved dict is neither a state_dict nor wraps one under "
                        + WRAPPER_KEYS + "; its keys are " + top.keySet());
            }
        }
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            String where = wrapper == null ? "" : wrapper + ".";
            if (!(e.getKey() instanceof String key)) {
                throw new FormatException(file, "state_dict key " + describe(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof Entry t)) {
                throw new FormatException(file, "state_dict entry '" + where + key + "' is " + describe(e.getValue()) + ", not a tensor");
            }
            out.put(key, new Entry(key, t.dtype(), t.shape(), t.stride(), t.storageOffset(), t.storageKey()));
        }
        return wrapper;
    }

    private static boolean allTensors(Map<?, ?> map) {
        for (Object v : map.values()) {
            if (!(v instanceof Entry)) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof String s) {
            return "the string '" + s + "'";
        }
        if (o instanceof Map<?, ?>) {
            return "a dict";
        }
        if (o instanceof List<?>) {
            return "a list";
        }
        if (o instanceof Tuple) {
            return "a tuple";
        }
        return "the value " + o;
    }

    /** A Python tuple (lists are {@link List}s). */
    private record Tuple(List<Object> items) {}

    /** A global the unpickler allows, pushed by GLOBAL/STACK_GLOBAL and consumed by REDUCE or a persistent id. */
    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A storage named by a persistent id. */
    private record Storage(String key, TensorDType dtype) {}

    /**
     * The restricted unpickler: pickle protocols 2 to 5, the opcodes a state_dict uses, and the globals listed in
     * {@link #STORAGE_TYPES} and {@link #resolve}.
     */
    private static final class Unpickler {

        private static final Map<String, TensorDType> STORAGE_TYPES = Map.ofEntries(
                Map.entry("FloatStorage", TensorDType.F32),
                Map.entry("HalfStorage", TensorDType.F16),
                Map.entry("BFloat16Storage", TensorDType.BF16),
                Map.entry("DoubleStorage", TensorDType.F64),
                Map.entry("LongStorage", TensorDType.I64),
                Map.entry("IntStorage", TensorDType.I32),
                Map.entry("ShortStorage", TensorDType.I16),
                Map.entry("CharStorage", TensorDType.I8),
                Map.entry("ByteStorage", TensorDType.U8),
                Map.entry("BoolStorage", TensorDType.BOOL));

        private final Path file;
        private final byte[] data;
        private int pos;
        private final List<Object> stack = new ArrayList<>();
        private final List<Integer> marks = new ArrayList<>();
        private final Map<Long, Object> memo = new HashMap<>();

        Unpickler(Path file, byte[] data) {
            this.file = file;
            this.data = data;
        }

        Object load() throws FormatException {
            while (true) {
                int at = pos;
                int op = u8();
                switch (op) {
                    case 0x80 -> { // PROTO
                        int proto = u8();
                        if (proto < 2 || proto > 5) {
                            throw error(at, "pickle protocol " + proto + " (2 to 5 are supported)");
                        }
                    }
                    case 0x95 -> skip(8); // FRAME: a length hint only
                    case '.' -> { // STOP
                        if (stack.size() != 1 || !marks.isEmpty()) {
                            throw error(at, "STOP with " + stack.size() + " values on the stack");
                        }
                        return stack.get(0);
                    }
                    case '(' -> marks.add(stack.size()); // MARK
                    case '0' -> pop(at); // POP
                    case '1' -> popMark(at); // POP_MARK
                    case '2' -> push(peek(at)); // DUP
                    case '}' -> push(new LinkedHashMap<Object, Object>()); // EMPTY_DICT
                    case ']' -> push(new ArrayList<Object>()); // EMPTY_LIST
                    case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                    case 't' -> push(new Tuple(popMark(at))); // TUPLE
                    case 0x85 -> push(new Tuple(popN(at, 1))); // TUPLE1
                    case 0x86 -> push(new Tuple(popN(at, 2))); // TUPLE2
                    case 0x87 -> push(new Tuple(popN(at, 3))); // TUPLE3
                    case 'l' -> push(new ArrayList<>(popMark(at))); // LIST
                    case 'd' -> { // DICT
                        Map<Object, Object> m = new LinkedHashMap<>();
                        putAll(at, m, popMark(at));
                        push(m);
                    }
                    case 's' -> { // SETITEM
                        List<Object> kv = popN(at, 2);
                        putAll(at, dictAt(at, peek(at)), kv);
                    }
                    case 'u' -> { // SETITEMS
                        List<Object> kv = popMark(at);
                        putAll(at, dictAt(at, peek(at)), kv);
                    }
                    case 'a' -> { // APPEND
                        Object v = pop(at);
                        listAt(at, peek(at)).add(v);
                    }
                    case 'e' -> { // APPENDS
                        List<Object> vs = popMark(at);
                        listAt(at, peek(at)).addAll(vs);
                    }
                    case 'J' -> push((long) le(4)); // BININT (signed)
                    case 'K' -> push((long) u8()); // BININT1
                    case 'M' -> push((long) (u8() | u8() << 8)); // BININT2
                    case 0x8a -> push(longN(at, u8())); // LONG1
                    case 0x8b -> push(longN(at, length(at, le(4)))); // LONG4
                    case 'G' -> push(Double.longBitsToDouble(be8())); // BINFLOAT
                    case 'N' -> push(null); // NONE
                    case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                    case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                    case 'X' -> push(utf8(at, length(at, le(4)))); // BINUNICODE
                    case 0x8c -> push(utf8(at, u8())); // SHORT_BINUNICODE
                    case 0x8d -> push(utf8(at, length(at, le8()))); // BINUNICODE8
                    case 'T' -> push(latin1(length(at, le(4)))); // BINSTRING
                    case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                    case 'B' -> push(bytes(length(at, le(4)))); // BINBYTES
                    case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                    case 'q' -> memo.put((long) u8(), peek(at)); // BINPUT
                    case 'r' -> memo.put(le(4) & 0xffffffffL, peek(at)); // LONG_BINPUT
                    case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
                    case 'h' -> push(memoGet(at, u8())); // BINGET
                    case 'j' -> push(memoGet(at, le(4) & 0xffffffffL)); // LONG_BINGET
                    case 'c' -> push(global(at, line(), line())); // GLOBAL
                    case 0x93 -> { // STACK_GLOBAL
                        Object name = pop(at);
                        Object module = pop(at);
                        if (!(module instanceof String m) || !(name instanceof String n)) {
                            throw error(at, "STACK_GLOBAL needs two strings");
                        }
                        push(global(at, m, n));
                    }
                    case 'R' -> { // REDUCE
                        Object args = pop(at);
                        Object callable = pop(at);
                        push(reduce(at, callable, args));
                    }
                    case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args), only for allowed classes
                        Object args = pop(at);
                        Object cls = pop(at);
                        push(reduce(at, cls, args));
                    }
                    case 'b' -> { // BUILD: only OrderedDict state (the state_dict's _metadata), which is not needed
                        pop(at);
                        if (!(peek(at) instanceof Map<?, ?>)) {
                            throw error(at, "BUILD on " + describe(peek(at)) + " (only dict state is allowed)");
                        }
                    }
                    case 'Q' -> push(persistentLoad(at, pop(at))); // BINPERSID
                    default -> throw error(at, String.format("unsupported pickle opcode 0x%02x", op));
                }
            }
        }

        private Global global(int at, String module, String name) throws FormatException {
            if (module.equals("torch") && STORAGE_TYPES.containsKey(name)) {
                return new Global(module, name);
            }
            boolean allowed = switch (module + "." + name) {
                case "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter" -> true;
                default -> false;
            };
            if (!allowed) {
                throw error(at, "refusing global '" + module + "." + name + "': a state_dict needs only tensors, "
                        + "dicts and collections.OrderedDict");
            }
            return new Global(module, name);
        }

        private Object reduce(int at, Object callable, Object args) throws FormatException {
            if (!(callable instanceof Global g) || !(args instanceof Tuple t)) {
                throw error(at, "REDUCE of " + describe(callable) + " (only allowed globals can be called)");
            }
            List<Object> a = t.items();
            switch (g.qualified()) {
                case "collections.OrderedDict" -> {
                    if (!a.isEmpty()) {
                        throw error(at, "collections.OrderedDict called with arguments");
                    }
                    return new LinkedHashMap<Object, Object>();
                }
                case "torch._utils._rebuild_tensor_v2" -> {
                    if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof Storage s)) {
                        throw error(at, "_rebuild_tensor_v2 expects (storage, offset, size, stride, requires_grad, hooks[, metadata])");
                    }
                    long offset = nonNegative(at, a.get(1), "storage offset");
                    long[] shape = longs(at, a.get(2), "size");
                    long[] stride = longs(at, a.get(3), "stride");
                    if (shape.length != stride.length) {
                        throw error(at, "tensor size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride) + " differ in rank");
                    }
                    return new Entry("", s.dtype(), shape, stride, offset, s.key());
                }
                case "torch._utils._rebuild_parameter" -> {
                    if (a.size() != 3 || !(a.get(0) instanceof Entry e)) {
                        throw error(at, "_rebuild_parameter expects (tensor, requires_grad, hooks)");
                    }
                    return e;
                }
                default -> throw error(at, "global '" + g.qualified() + "' cannot be called");
            }
        }

        private Storage persistentLoad(int at, Object pid) throws FormatException {
            if (!(pid instanceof Tuple t) || t.items().size() != 5 || !"storage".equals(t.items().get(0))) {
                throw error(at, "persistent id " + describe(pid) + " is not ('storage', type, key, location, numel)");
            }
            List<Object> a = t.items();
            if (!(a.get(1) instanceof Global g) || !STORAGE_TYPES.containsKey(g.name()) || !(a.get(2) instanceof String key)) {
                throw error(at, "persistent id has no known storage type and key: " + a);
            }
            if (key.isEmpty() || key.contains("/") || key.contains("..")) {
                throw error(at, "storage key '" + key + "' is not a plain name");
            }
            return new Storage(key, STORAGE_TYPES.get(g.name()));
        }

        private long nonNegative(int at, Object v, String what) throws FormatException {
            if (!(v instanceof Long l) || l < 0) {
                throw error(at, what + " must be a non-negative integer, found " + describe(v));
            }
            return l;
        }

        private long[] longs(int at, Object v, String what) throws FormatException {
            if (!(v instanceof Tuple t)) {
                throw error(at, "tensor " + what + " must be a tuple, found " + describe(v));
            }
            long[] out = new long[t.items().size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = nonNegative(at, t.items().get(i), "tensor " + what + " entry");
            }
            return out;
        }

        private void putAll(int at, Map<Object, Object> m, List<Object> kv) throws FormatException {
            if (kv.size() % 2 != 0) {
                throw error(at, "odd number of dict items");
            }
            for (int i = 0; i < kv.size(); i += 2) {
                Object key = kv.get(i);
                if (key != null && !(key instanceof String) && !(key instanceof Long)) {
                    throw error(at, "dict key " + describe(key) + " is not a string or integer");
                }
                m.put(key, kv.get(i + 1));
            }
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dictAt(int at, Object o) throws FormatException {
            if (o instanceof Map<?, ?> m) {
                return (Map<Object, Object>) m;
            }
            throw error(at, "dict update on " + describe(o));
        }

        @SuppressWarnings("unchecked")
        private List<Object> listAt(int at, Object o) throws FormatException {
            if (o instanceof List<?> l) {
                return (List<Object>) l;
            }
            throw error(at, "list append on " + describe(o));
        }

        private Object memoGet(int at, long key) throws FormatException {
            if (!memo.containsKey(key)) {
                throw error(at, "memo key " + key + " was never stored");
            }
            return memo.get(key);
        }

        private void push(Object o) {
            stack.add(o);
        }

        private Object peek(int at) throws FormatException {
            if (stack.isEmpty() || (!marks.isEmpty() && marks.get(marks.size() - 1) == stack.size())) {
                throw error(at, "stack underflow");
            }
            return stack.get(stack.size() - 1);
        }

        private Object pop(int at) throws FormatException {
            Object o = peek(at);
            stack.remove(stack.size() - 1);
            return o;
        }

        private List<Object> popN(int at, int n) throws FormatException {
            int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
            if (stack.size() - n < floor) {
                throw error(at, "stack underflow");
            }
            List<Object> top = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
            stack.subList(stack.size() - n, stack.size()).clear();
            return top;
        }

        private List<Object> popMark(int at) throws FormatException {
            if (marks.isEmpty()) {
                throw error(at, "no MARK to pop to");
            }
            int mark = marks.remove(marks.size() - 1);
            List<Object> top = new ArrayList<>(stack.subList(mark, stack.size()));
            stack.subList(mark, stack.size()).clear();
            return top;
        }

        private int u8() throws FormatException {
            need(1);
            return data[pos++] & 0xff;
        }

        private int le(int n) throws FormatException {
            need(n);
            int v = 0;
            for (int i = 0; i < n; i++) {
                v |= (data[pos + i] & 0xff) << (8 * i);
            }
            pos += n;
            return v;
        }

        private long le8() throws FormatException {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (data[pos + i] & 0xffL) << (8 * i);
            }
            pos += 8;
            return v;
        }

        private long be8() throws FormatException {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | (data[pos + i] & 0xffL);
            }
            pos += 8;
            return v;
        }

        /** A little-endian two's-complement integer of {@code n} bytes, as LONG1 writes it. */
        private long longN(int at, int n) throws FormatException {
            if (n > 8) {
                throw error(at, "integer of " + n + " bytes does not fit in 64 bits");
            }
            need(n);
            long v = 0;
            for (int i = 0; i < n; i++) {
                v |= (data[pos + i] & 0xffL) << (8 * i);
            }
            if (n > 0 && n < 8 && (data[pos + n - 1] & 0x80) != 0) {
                v |= -1L << (8 * n);
            }
            pos += n;
            return v;
        }

        private int length(int at, long n) throws FormatException {
            if (n < 0 || n > data.length - pos) {
                throw error(at, "length " + Long.toUnsignedString(n) + " runs past the end of the pickle");
            }
            return (int) n;
        }

        private void skip(int n) throws FormatException {
            need(n);
            pos += n;
        }

        private String utf8(int at, int n) throws FormatException {
            need(n);
            String s = new String(data, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        private String latin1(int n) throws FormatException {
            need(n);
            String s = new String(data, pos, n, StandardCharsets.ISO_8859_1);
            pos += n;
            return s;
        }

        private byte[] bytes(int n) throws FormatException {
            need(n);
            byte[] b = Arrays.copyOfRange(data, pos, pos + n);
            pos += n;
            return b;
        }

        /** A newline-terminated ASCII line, as GLOBAL writes module and name. */
        private String line() throws FormatException {
            int start = pos;
            while (pos < data.length && data[pos] != '\n') {
                pos++;
            }
            if (pos >= data.length) {
                throw new FormatException(file, "data.pkl ends at byte " + data.length + " in the middle of an opcode (a GLOBAL name)");
            }
            return new String(data, start, pos++ - start, StandardCharsets.US_ASCII);
        }

        private void need(int n) throws FormatException {
            if (n < 0 || pos + n > data.length) {
                throw new FormatException(file, "data.pkl ends at byte " + data.length + " in the middle of an opcode");
            }
        }

        private FormatException error(int at, String what) {
            return new FormatException(file, "data.pkl byte " + at + ": " + what);
        }
    }
}
