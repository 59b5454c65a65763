package dev.densepred.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header, then the tensors' bytes.
 *
 * <p>The header is validated before any tensor is touched, with the rules of the reference implementation and a
 * few stricter ones: the length is at most 100,000,000 bytes and inside the file, the text is UTF-8 JSON starting
 * with <code>{</code>, every entry has a known dtype, non-negative dimensions and offsets, byte counts equal to the
 * shape's element count times the dtype width (checked for overflow), the ranges tile the data section from 0 to
 * its end without gaps or overlaps, and no key appears twice. Nothing is allocated from a header value before it
 * has passed these checks, so a hostile file cannot trigger a huge allocation or an out-of-bounds read.
 *
 * <p>Tensor bytes are read on demand from the file channel, so opening a multi-gigabyte checkpoint costs only its
 * header.
 */
public final class SafeTensorsReader implements AutoCloseable {

    /** Largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsReader(
            Path file,
            FileChannel channel,
            long dataStart,
            Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file}; the caller closes the reader. */
    public static SafeTensorsReader open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw new SafeTensorsFormatException(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
                throw new SafeTensorsFormatException(
                        file, "header length " + Long.toUnsignedString(headerLen) + " exceeds the limit of " + MAX_HEADER_BYTES);
            }
            if (8 + headerLen > size) {
                throw new SafeTensorsFormatException(
                        file, "header length " + headerLen + " runs past the end of the " + size + "-byte file");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(channel, headerBuf, 8);
            String header = decodeUtf8(file, headerBuf.flip());
            long dataSize = size - 8 - headerLen;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(file, header, dataSize, metadata);
            return new SafeTensorsReader(file, channel, 8 + headerLen, tensors, metadata);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The file this reader reads. */
    public Path file() {
        return file;
    }

    /** Header entries in the order the file lists them. */
    public Map<String, TensorInfo> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** The optional {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** Whether the file has a tensor named {@code name}. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The header entry of {@code name}; throws naming the file when there is none. */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no tensor named '" + name + "'");
        }
        return info;
    }

    /**
     * The raw little-endian bytes of one tensor in a fresh direct buffer the caller owns.
     *
     * @throws IOException if the file cannot be read
     */
    public ByteBuffer bytes(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.byteCount() > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": tensor '" + name + "' has " + info.byteCount() + " bytes, more than one buffer holds");
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) info.byteCount()).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, buf, dataStart + info.begin());
        return buf.flip();
    }

    /**
     * Loads one tensor into {@code manager} on the manager's device. DJL's PyTorch engine aborts the JVM on
     * bfloat16, 16-bit and unsigned 32/64-bit tensors, so those are widened on the host first, losslessly:
     * BF16 to F32, I16 and U16 to I32, U32 and U64 to I64 (a U64 value above 2^63-1 is an error naming the
     * tensor). {@link #bytes} still gives the stored bytes unchanged.
     */
    public NDArray load(String name, NDManager manager) throws IOException {
        TensorInfo info = info(name);
        ByteBuffer raw = bytes(name);
        int n = Math.toIntExact(info.elementCount());
        TensorDType stored = info.dtype();
        TensorDType held = engineType(stored);
        ByteBuffer data = raw;
        if (held != stored) {
            data = ByteBuffer.allocateDirect(n * held.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                switch (stored) {
                    case BF16 -> data.putInt((raw.getShort() & 0xFFFF) << 16);
                    case I16 -> data.putInt(raw.getShort());
                    case U16 -> data.putInt(raw.getShort() & 0xFFFF);
                    case U32 -> data.putLong(raw.getInt() & 0xFFFFFFFFL);
                    case U64 -> {
                        long v = raw.getLong();
                        if (v < 0) {
                            throw new IOException(file + ": tensor '" + name + "' element " + i + " = "
                                    + Long.toUnsignedString(v) + " does not fit the engine's int64");
                        }
                        data.putLong(v);
                    }
                    default -> throw new IllegalStateException(stored.code());
                }
            }
            data.flip();
        }
        NDArray array = manager.create(data, info.djlShape(), held.dataType());
        array.setName(name);
        return array;
    }

    /** The type a tensor stored as {@code stored} is held in by the engine (see {@link #load}). */
    public static TensorDType engineType(TensorDType stored) {
        return switch (stored) {
            case BF16 -> TensorDType.F32;
            case I16, U16 -> TensorDType.I32;
            case U32, U64 -> TensorDType.I64;
            default -> stored;
        };
    }

    /** Loads every tensor, in file order. */
    public Map<String, NDArray> loadAll(NDManager manager) throws IOException {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : tensors.keySet()) {
            out.put(name, load(name, manager));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void readFully(FileChannel channel, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) throws SafeTensorsFormatException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsFormatException(file, "header is not valid UTF-8");
        }
    }

    private static Map<String, TensorInfo> parseHeader(
            Path file, String header, long dataSize, Map<String, String> metadataOut) throws SafeTensorsFormatException {
        if (!header.startsWith("{")) {
            throw new SafeTensorsFormatException(file, "header does not start with '{'");
        }
        JsonObject root = parseStrictObject(file, header);
        List<TensorInfo> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            String name = e.getKey();
            if (METADATA_KEY.equals(name)) {
                readMetadata(file, e.getValue(), metadataOut);
                continue;
            }
            entries.add(parseEntry(file, name, e.getValue()));
        }
        List<TensorInfo> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        for (TensorInfo t : byOffset) {
            if (t.begin() < expected) {
                throw new SafeTensorsFormatException(
                        file, "tensor '" + t.name() + "' bytes [" + t.begin() + ", " + t.end() + ") overlap the previous tensor, which ends at " + expected);
            }
            if (t.begin() > expected) {
                throw new SafeTensorsFormatException(
                        file, "gap in the data section: bytes [" + expected + ", " + t.begin() + ") belong to no tensor (next is '" + t.name() + "')");
            }
            expected = t.end();
        }
        if (expected != dataSize) {
            throw new SafeTensorsFormatException(
                    file, "tensors cover " + expected + " bytes but the data section has " + dataSize + (expected > dataSize ? " (offsets point past the end of the file)" : " (trailing bytes)"));
        }
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (TensorInfo t : entries) {
            out.put(t.name(), t);
        }
        return out;
    }

    /** Parses the header as one JSON object, refusing duplicate keys at any depth and trailing text. */
    private static JsonObject parseStrictObject(Path file, String header) throws SafeTensorsFormatException {
        try (JsonReader reader = new JsonReader(new StringReader(header))) {
            reader.setStrictness(com.google.gson.Strictness.STRICT);
            JsonElement root = readValue(file, reader, "");
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new SafeTensorsFormatException(file, "text after the header's JSON object");
            }
            if (!root.isJsonObject()) {
                throw new SafeTensorsFormatException(file, "header is not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (SafeTensorsFormatException e) {
            throw e;
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new SafeTensorsFormatException(file, "header is not valid JSON: " + e.getMessage());
        }
    }

    private static JsonElement readValue(Path file, JsonReader reader, String path) throws IOException {
        switch (reader.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject obj = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String key = reader.nextName();
                    if (obj.has(key)) {
                        throw new SafeTensorsFormatException(file, "key '" + path + key + "' appears twice in the header");
                    }
                    obj.add(key, readValue(file, reader, path + key + "."));
                }
                reader.endObject();
                return obj;
            }
            case BEGIN_ARRAY -> {
                JsonArray arr = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    arr.add(readValue(file, reader, path));
                }
                reader.endArray();
                return arr;
            }
            case STRING -> {
                return new JsonPrimitive(reader.nextString());
            }
            case NUMBER -> {
                return new JsonPrimitive(new java.math.BigDecimal(reader.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(reader.nextBoolean());
            }
            case NULL -> {
                reader.nextNull();
                return com.google.gson.JsonNull.INSTANCE;
            }
            default -> throw new SafeTensorsFormatException(file, "unexpected JSON token " + reader.peek());
        }
    }

    private static void readMetadata(Path file, JsonElement value, Map<String, String> out) throws SafeTensorsFormatException {
        if (!value.isJsonObject()) {
            throw new SafeTensorsFormatException(file, "__metadata__ must be an object of strings");
        }
        for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
            JsonElement v = m.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new SafeTensorsFormatException(file, "__metadata__ value of '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), v.getAsString());
        }
    }

    private static TensorInfo parseEntry(Path file, String name, JsonElement value) throws SafeTensorsFormatException {
        if (!value.isJsonObject()) {
            throw new SafeTensorsFormatException(file, "entry '" + name + "' is not an object");
        }
        JsonObject obj = value.getAsJsonObject();
        for (String key : obj.keySet()) {
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw new SafeTensorsFormatException(file, "entry '" + name + "' has unknown field '" + key + "' (expected dtype, shape, data_offsets)");
            }
        }
        JsonElement dtypeEl = obj.get("dtype");
        if (dtypeEl == null || !dtypeEl.isJsonPrimitive() || !dtypeEl.getAsJsonPrimitive().isString()) {
            throw new SafeTensorsFormatException(file, "entry '" + name + "' has no dtype string");
        }
        TensorDType dtype;
        try {
            dtype = TensorDType.fromCode(dtypeEl.getAsString());
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file, "entry '" + name + "': " + e.getMessage());
        }
        long[] shape = nonNegativeLongs(file, name, "shape", obj.get("shape"), -1);
        long[] offsets = nonNegativeLongs(file, name, "data_offsets", obj.get("data_offsets"), 2);
        if (offsets[1] < offsets[0]) {
            throw new SafeTensorsFormatException(
                    file, "entry '" + name + "' ends before it begins: data_offsets [" + offsets[0] + ", " + offsets[1] + "]");
        }
        long elements = 1;
        for (long d : shape) {
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new SafeTensorsFormatException(file, "entry '" + name + "': shape element count overflows");
            }
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(elements, (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafeTensorsFormatException(file, "entry '" + name + "': byte count overflows");
        }
        if (bytes != offsets[1] - offsets[0]) {
            throw new SafeTensorsFormatException(
                    file, "entry '" + name + "': shape " + java.util.Arrays.toString(shape) + " of " + dtype.code() + " needs " + bytes + " bytes but data_offsets span " + (offsets[1] - offsets[0]));
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] nonNegativeLongs(Path file, String name, String field, JsonElement el, int expectedLength)
            throws SafeTensorsFormatException {
        if (el == null || !el.isJsonArray()) {
            throw new SafeTensorsFormatException(file, "entry '" + name + "' has no " + field + " array");
        }
        JsonArray arr = el.getAsJsonArray();
        if (expectedLength >= 0 && arr.size() != expectedLength) {
            throw new SafeTensorsFormatException(
                    file, "entry '" + name + "': " + field + " has " + arr.size() + " values, expected " + expectedLength);
        }
        long[] out = new long[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = arr.get(i);
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                throw new SafeTensorsFormatException(file, "entry '" + name + "': " + field + "[" + i + "] is not a number");
            }
            java.math.BigDecimal d = v.getAsBigDecimal();
            long value;
            try {
                value = d.longValueExact();
            } catch (ArithmeticException e) {
                throw new SafeTensorsFormatException(file, "entry '" + name + "': " + field + "[" + i + "] = " + d + " is not a 64-bit integer");
            }
            if (value < 0) {
                throw new SafeTensorsFormatException(file, "entry '" + name + "': " + field + "[" + i + "] = " + value + " is negative");
            }
            out[i] = value;
        }
        return out;
    }
}
