package dev.densepred.engine.io;

import ai.djl.ndarray.NDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes safetensors files laid out as the reference serializer lays them out, byte for byte: tensors sorted by
 * dtype (widest alignment class first, in the spec's dtype order) then by name, {@code __metadata__} first in the
 * header, compact JSON with the fields {@code dtype, shape, data_offsets}, the header padded with spaces to a
 * multiple of 8 so that every tensor starts aligned.
 *
 * <p>Files are written to a temporary sibling, forced to disk and renamed over the target, so a crash mid-write
 * leaves either the old file or the new one, never a torn one.
 */
public final class SafeTensorsWriter {

    /** One tensor to write: its bytes must be little-endian and C-contiguous. */
    public record Entry(String name, TensorDType dtype, long[] shape, ByteBuffer data) {
        public Entry {
            shape = shape.clone();
            long elements = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + java.util.Arrays.toString(shape));
                }
                elements = Math.multiplyExact(elements, d);
            }
            long expected = Math.multiplyExact(elements, (long) dtype.bytes());
            if (data.remaining() != expected) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "': " + dtype.code() + java.util.Arrays.toString(shape) + " needs " + expected + " bytes, got " + data.remaining());
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** An entry holding {@code array}'s bytes (copied to the host if needed). */
        public static Entry of(String name, NDArray array) {
            ByteBuffer bytes = array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return new Entry(name, TensorDType.of(array.getDataType()), array.getShape().getShape(), bytes);
        }
    }

    private SafeTensorsWriter() {}

    /** Writes named NDArrays; the map's order does not matter (the layout is canonical). */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        List<Entry> entries = new ArrayList<>(tensors.size());
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            entries.add(Entry.of(e.getKey(), e.getValue()));
        }
        write(file, entries, metadata);
    }

    /** Writes {@code entries} with optional string metadata (empty map: no {@code __metadata__} key). */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing((Entry e) -> e.dtype().ordinal()).reversed().thenComparing(Entry::name));
        Set<String> names = new HashSet<>();
        for (Entry e : sorted) {
            if (e.name().equals("__metadata__")) {
                throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
            }
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("tensor name '" + e.name() + "' given twice");
            }
        }
        byte[] header = header(sorted, metadata);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            for (Entry e : sorted) {
                writeFully(ch, e.data().duplicate());
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The padded header bytes for tensors already in file order. */
    static byte[] header(List<Entry> sorted, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            sb.append("\"__metadata__\":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
                sb.append(firstMeta ? "" : ",");
                appendString(sb, m.getKey());
                sb.append(':');
                appendString(sb, m.getValue());
                firstMeta = false;
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (Entry e : sorted) {
            sb.append(first ? "" : ",");
            first = false;
            appendString(sb, e.name());
            sb.append(":{\"dtype\":\"").append(e.dtype().code()).append("\",\"shape\":[");
            long[] shape = e.shape();
            for (int i = 0; i < shape.length; i++) {
                sb.append(i == 0 ? "" : ",").append(shape[i]);
            }
            long end = offset + e.data().remaining();
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');
        byte[] raw = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] out = java.util.Arrays.copyOf(raw, padded);
        java.util.Arrays.fill(out, raw.length, padded, (byte) ' ');
        return out;
    }

    /** JSON string escaping as serde_json does it: quotes, backslash and control characters only. */
    private static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
