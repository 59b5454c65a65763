package dev.densepred.engine.io;

import dev.densepred.engine.io.TorchCheckpointReader.Entry;
import dev.densepred.engine.io.TorchCheckpointReader.FormatException;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The restricted unpickler of {@link TorchCheckpointReader}: pickle protocols 2 to 5, the opcodes a state_dict
 * uses, and only the globals a state_dict needs ({@code collections.OrderedDict}, torch's storage types,
 * {@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_tensor} and {@code _rebuild_parameter}). Nothing in the
 * file is ever executed: an allowed global is a name the unpickler interprets itself, any other is refused with an
 * error naming it.
 *
 * <p>It reads either a whole {@code data.pkl} held in memory (zip layout) or the consecutive pickles at the head of
 * a legacy file, fetching more of the file only as far as the pickles reach, so the storages after them are never
 * read here. Every length is checked against the bytes present before it is used.
 */
final class TorchUnpickler {

    /** Storage types by class name ({@code torch.FloatStorage}, or {@code torch.cuda.FloatStorage} in older files). */
    static final Map<String, TensorDType> STORAGE_TYPES = Map.ofEntries(
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

    /** A Python tuple (lists are {@link List}s). */
    record Tuple(List<Object> items) {}

    /** A global the unpickler allows, pushed by GLOBAL/STACK_GLOBAL and consumed by REDUCE or a persistent id. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /**
     * A storage named by a persistent id: its key, element type and declared element count, and for a legacy view
     * the window of {@code viewSize} elements from {@code viewOffset} that it covers ({@code viewSize} -1: no view).
     */
    record Storage(String key, TensorDType dtype, long numel, long viewOffset, long viewSize) {}

    private final Path file;
    private final String label;
    private final boolean legacy;
    private final FileChannel channel;
    private final long end;
    private final long total;
    private byte[] data;
    private int filled;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<String, Storage> roots = new LinkedHashMap<>();

    private TorchUnpickler(Path file, String label, boolean legacy, FileChannel channel, byte[] data, long end, long total) {
        this.file = file;
        this.label = label;
        this.legacy = legacy;
        this.channel = channel;
        this.data = data;
        this.filled = data.length;
        this.end = end;
        this.total = total;
    }

    /** Reads a zip archive's {@code data.pkl}, whose persistent ids are {@code ('storage', type, key, location, numel)}. */
    static TorchUnpickler ofZipEntry(Path file, byte[] pickle) {
        return new TorchUnpickler(file, "data.pkl", false, null, pickle, pickle.length, pickle.length);
    }

    /**
     * Reads the pickles at the head of a legacy file, at most {@link TorchCheckpointReader#MAX_PICKLE_BYTES} of it;
     * persistent ids are {@code ('storage', type, root_key, location, numel, view_metadata)}.
     */
    static TorchUnpickler ofLegacyFile(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        return new TorchUnpickler(file, "pickle", true, channel, new byte[0],
                Math.min(size, TorchCheckpointReader.MAX_PICKLE_BYTES), size);
    }

    /** Where the next pickle starts: the byte after the last STOP read. */
    int position() {
        return pos;
    }

    /** Legacy layout: every root storage the pickles named, by key, with the type and size they declared. */
    Map<String, Storage> storages() {
        return Collections.unmodifiableMap(roots);
    }

    /** Reads one pickle, from its PROTO opcode to its STOP, and returns the object it builds. */
    Object load() throws IOException {
        stack.clear();
        marks.clear();
        memo.clear();
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
                case 0x8a -> push(longN(u8())); // LONG1
                case 0x8b -> push(longN(length(at, le(4)))); // LONG4
                case 'G' -> push(Double.longBitsToDouble(be8())); // BINFLOAT
                case 'N' -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'X' -> push(utf8(length(at, le(4)))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(at, le8()))); // BINUNICODE8
                case 'T' -> push(latin1(length(at, le(4)))); // BINSTRING (Python 2 str)
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

    /** How an error message shows a value of the pickle. */
    static String describe(Object o) {
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

    private Global global(int at, String module, String name) throws FormatException {
        if ((module.equals("torch") || module.equals("torch.cuda")) && STORAGE_TYPES.containsKey(name)) {
            return new Global(module, name);
        }
        boolean allowed = switch (module + "." + name) {
            case "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
                    "torch._utils._rebuild_parameter" -> true;
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
                return tensor(at, s, a);
            }
            case "torch._utils._rebuild_tensor" -> { // torch < 0.4
                if (a.size() != 4 || !(a.get(0) instanceof Storage s)) {
                    throw error(at, "_rebuild_tensor expects (storage, offset, size, stride)");
                }
                return tensor(at, s, a);
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

    /** A tensor from {@code (storage, offset, size, stride, ...)}; on a view, its elements must lie inside the view. */
    private Entry tensor(int at, Storage s, List<Object> a) throws FormatException {
        long offset = nonNegative(at, a.get(1), "storage offset");
        long[] shape = longs(at, a.get(2), "size");
        long[] stride = longs(at, a.get(3), "stride");
        if (shape.length != stride.length) {
            throw error(at, "tensor size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride) + " differ in rank");
        }
        if (s.viewSize() >= 0 && TorchCheckpointReader.extent(offset, shape, stride) > s.viewSize()) {
            throw error(at, "tensor " + Arrays.toString(shape) + " at offset " + offset + " reaches past its view of "
                    + s.viewSize() + " elements of storage '" + s.key() + "'");
        }
        return new Entry("", s.dtype(), shape, stride, offset + s.viewOffset(), s.key());
    }

    private Storage persistentLoad(int at, Object pid) throws FormatException {
        String layout = legacy ? "('storage', type, key, location, numel, view_metadata)" : "('storage', type, key, location, numel)";
        if (!(pid instanceof Tuple t) || t.items().size() != (legacy ? 6 : 5) || !"storage".equals(t.items().get(0))) {
            if (pid instanceof Tuple t && !t.items().isEmpty() && "module".equals(t.items().get(0))) {
                throw error(at, "the file pickles a whole nn.Module (torch.save(model)); only a state_dict is read "
                        + "(torch.save(model.state_dict(), ...))");
            }
            throw error(at, "persistent id " + describe(pid) + " is not " + layout);
        }
        List<Object> a = t.items();
        if (!(a.get(1) instanceof Global g) || !STORAGE_TYPES.containsKey(g.name()) || !(a.get(2) instanceof String key)) {
            throw error(at, "persistent id has no known storage type and key: " + a);
        }
        if (key.isEmpty() || key.contains("/") || key.contains("..")) {
            throw error(at, "storage key '" + key + "' is not a plain name");
        }
        TensorDType dtype = STORAGE_TYPES.get(g.name());
        long numel = nonNegative(at, a.get(4), "storage size");
        Storage storage = new Storage(key, dtype, numel, 0, -1);
        if (!legacy) {
            return storage;
        }
        Storage root = roots.putIfAbsent(key, storage);
        if (root != null && !root.equals(storage)) {
            throw error(at, "storage '" + key + "' is described here as " + numel + " x " + dtype + " and before as "
                    + root.numel() + " x " + root.dtype());
        }
        if (a.get(5) == null) {
            return storage;
        }
        if (!(a.get(5) instanceof Tuple view) || view.items().size() != 3) {
            throw error(at, "view metadata " + describe(a.get(5)) + " of storage '" + key + "' is not (key, offset, size)");
        }
        long viewOffset = nonNegative(at, view.items().get(1), "view offset");
        long viewSize = nonNegative(at, view.items().get(2), "view size");
        if (viewOffset > numel || viewSize > numel - viewOffset) {
            throw error(at, "view of " + viewSize + " elements from element " + viewOffset + " lies outside storage '"
                    + key + "' of " + numel + " elements");
        }
        return new Storage(key, dtype, numel, viewOffset, viewSize);
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

    private int u8() throws IOException {
        need(1);
        return data[pos++] & 0xff;
    }

    private int le(int n) throws IOException {
        need(n);
        int v = 0;
        for (int i = 0; i < n; i++) {
            v |= (data[pos + i] & 0xff) << (8 * i);
        }
        pos += n;
        return v;
    }

    private long le8() throws IOException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (data[pos + i] & 0xffL) << (8 * i);
        }
        pos += 8;
        return v;
    }

    private long be8() throws IOException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (data[pos + i] & 0xffL);
        }
        pos += 8;
        return v;
    }

    /**
     * A little-endian two's-complement integer of {@code n} bytes, as LONG1/LONG4 write it: a {@code Long} when it
     * fits in 8 bytes, else a {@link BigInteger} (the legacy layout's magic number has 10 bytes).
     */
    private Object longN(int n) throws IOException {
        need(n);
        if (n > 8) {
            byte[] bigEndian = new byte[n];
            for (int i = 0; i < n; i++) {
                bigEndian[i] = data[pos + n - 1 - i];
            }
            pos += n;
            return new BigInteger(bigEndian);
        }
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
        if (n < 0 || n > end - pos) {
            throw error(at, "length " + Long.toUnsignedString(n) + " runs past the end of the pickle");
        }
        return (int) n;
    }

    private void skip(int n) throws IOException {
        need(n);
        pos += n;
    }

    private String utf8(int n) throws IOException {
        need(n);
        String s = new String(data, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    private String latin1(int n) throws IOException {
        need(n);
        String s = new String(data, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    private byte[] bytes(int n) throws IOException {
        need(n);
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    /** A newline-terminated ASCII line, as GLOBAL writes module and name. */
    private String line() throws IOException {
        int start = pos;
        while (true) {
            if (!available(1)) {
                throw pastEnd(" (a GLOBAL name)");
            }
            if (data[pos] == '\n') {
                break;
            }
            pos++;
        }
        return new String(data, start, pos++ - start, StandardCharsets.US_ASCII);
    }

    private void need(int n) throws IOException {
        if (!available(n)) {
            throw pastEnd("");
        }
    }

    /**
     * Whether {@code n} bytes can be read at {@code pos}. Reading a legacy file, the buffer (which starts at the
     * file's first byte) grows to take them, by doubling, and never past {@link #end}.
     */
    private boolean available(int n) throws IOException {
        if (n >= 0 && n <= filled - pos) {
            return true;
        }
        if (n < 0 || channel == null || (long) pos + n > end) {
            return false;
        }
        int capacity = (int) Math.min(end, Math.max((long) pos + n, Math.max(2L * data.length, 1 << 16)));
        data = Arrays.copyOf(data, capacity);
        while (filled < capacity) {
            int read = channel.read(ByteBuffer.wrap(data, filled, capacity - filled), filled);
            if (read < 0) {
                throw new FormatException(file, "the file ended at byte " + filled + " while it was being read");
            }
            filled += read;
        }
        return true;
    }

    private FormatException pastEnd(String what) {
        if (end < total) {
            return new FormatException(file, label + " runs past the first " + end + " bytes, the most read as pickles");
        }
        return new FormatException(file, label + " ends at byte " + end + " in the middle of an opcode" + what);
    }

    FormatException error(int at, String what) {
        return new FormatException(file, label + " byte " + at + ": " + what);
    }
}
