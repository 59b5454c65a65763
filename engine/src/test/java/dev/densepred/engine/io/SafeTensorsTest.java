package dev.densepred.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

class SafeTensorsTest {

    private static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Stream<Path> fixtureFiles() {
        List<Path> out = new ArrayList<>();
        for (String dir : new String[] {"mambaout", "ops", "miou"}) {
            out.addAll(Fixtures.list(Fixtures.dir(dir), ".safetensors"));
        }
        return out.stream();
    }

    /** Random bytes that are valid values of the dtype (booleans 0/1, floats finite), little-endian. */
    private static ByteBuffer randomBytes(TensorDType t, int count, Random rnd) {
        ByteBuffer b = ByteBuffer.allocate(count * t.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            switch (t) {
                case BOOL -> b.put((byte) rnd.nextInt(2));
                case F16 -> b.putShort((short) ((rnd.nextInt(2) << 15) | ((5 + rnd.nextInt(13)) << 10) | rnd.nextInt(1024)));
                case BF16 -> b.putShort((short) (Float.floatToIntBits(rnd.nextFloat() * 8 - 4) >>> 16));
                case F32 -> b.putFloat((float) rnd.nextGaussian());
                case F64 -> b.putDouble(rnd.nextGaussian());
                default -> {
                    byte[] raw = new byte[t.bytes()];
                    rnd.nextBytes(raw);
                    b.put(raw);
                }
            }
        }
        return b.flip();
    }

    @ParameterizedTest
    @EnumSource(TensorDType.class)
    void roundTripsEveryDtypeThroughTheFile(TensorDType dtype) throws IOException {
        Random rnd = new Random(dtype.ordinal());
        ByteBuffer a = randomBytes(dtype, 2 * 3 * 5, rnd);
        ByteBuffer scalar = randomBytes(dtype, 1, rnd);
        ByteBuffer empty = randomBytes(dtype, 0, rnd);
        Path file = tmp.resolve(dtype.code() + ".safetensors");
        SafeTensorsWriter.write(file, List.of(
                new SafeTensorsWriter.Entry("x.weight", dtype, new long[] {2, 3, 5}, a.duplicate()),
                new SafeTensorsWriter.Entry("scalar", dtype, new long[] {}, scalar.duplicate()),
                new SafeTensorsWriter.Entry("empty", dtype, new long[] {0, 4}, empty.duplicate())),
                Map.of("format", "pt"));
        try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertEquals(dtype, r.info("x.weight").dtype());
            assertArrayEquals(new long[] {2, 3, 5}, r.info("x.weight").shape());
            assertArrayEquals(new long[] {}, r.info("scalar").shape());
            assertArrayEquals(new long[] {0, 4}, r.info("empty").shape());
            assertEquals(a, r.bytes("x.weight").order(ByteOrder.LITTLE_ENDIAN));
            assertEquals(scalar, r.bytes("scalar").order(ByteOrder.LITTLE_ENDIAN));
            assertEquals(0, r.bytes("empty").remaining());
        }
    }

    @ParameterizedTest
    @EnumSource(TensorDType.class)
    void loadsEveryDtypeAsAnNdArrayAndWritesItBack(TensorDType dtype) throws IOException {
        ByteBuffer bytes = randomBytes(dtype, 12, new Random(7));
        if (dtype == TensorDType.U64) {
            // The engine holds int64: keep the values below 2^63 (the overflow case is tested separately).
            for (int i = 0; i < 12; i++) {
                bytes.put(i * 8 + 7, (byte) (bytes.get(i * 8 + 7) & 0x7F));
            }
        }
        Path file = tmp.resolve("in.safetensors");
        SafeTensorsWriter.write(file, List.of(new SafeTensorsWriter.Entry("x", dtype, new long[] {3, 4}, bytes.duplicate())), Map.of());
        try (SafeTensorsReader r = SafeTensorsReader.open(file); NDManager m = manager.newSubManager()) {
            NDArray y = r.load("x", m);
            TensorDType held = SafeTensorsReader.engineType(dtype);
            assertEquals(held.dataType(), y.getDataType());
            assertEquals(new Shape(3, 4), y.getShape());
            ByteBuffer expected = widened(bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN), dtype, held, 12);
            assertEquals(expected, y.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
            if (held == dtype) {
                Path back = tmp.resolve("back.safetensors");
                SafeTensorsWriter.write(back, Map.of("x", y), Map.of());
                assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(back));
            }
        }
    }

    /** Independent widening by value (not by bit tricks) to check the reader's host conversion. */
    private static ByteBuffer widened(ByteBuffer in, TensorDType from, TensorDType to, int n) {
        if (from == to) {
            return in;
        }
        ByteBuffer out = ByteBuffer.allocate(n * to.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (from) {
                case BF16 -> {
                    int bits = Short.toUnsignedInt(in.getShort());
                    int exp = (bits >> 7) & 0xFF;
                    double mant = (bits & 0x7F) / 128.0;
                    double v = (exp == 0 ? mant * Math.pow(2, -126) : (1 + mant) * Math.pow(2, exp - 127)) * ((bits & 0x8000) != 0 ? -1 : 1);
                    out.putFloat((float) v);
                }
                case I16 -> out.putInt(in.getShort());
                case U16 -> out.putInt(Short.toUnsignedInt(in.getShort()));
                case U32 -> out.putLong(Integer.toUnsignedLong(in.getInt()));
                case U64 -> out.putLong(in.getLong());
                default -> throw new IllegalStateException();
            }
        }
        return out.flip();
    }

    @Test
    void refusesUnsigned64BitValuesTheEngineCannotHold() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(-1L).flip();
        Path file = tmp.resolve("u64.safetensors");
        SafeTensorsWriter.write(file, List.of(new SafeTensorsWriter.Entry("big", TensorDType.U64, new long[] {2}, b)), Map.of());
        try (SafeTensorsReader r = SafeTensorsReader.open(file); NDManager m = manager.newSubManager()) {
            IOException e = assertThrows(IOException.class, () -> r.load("big", m));
            assertTrue(e.getMessage().contains("'big' element 1 = 18446744073709551615"), e.getMessage());
        }
    }

    @Test
    void layoutMatchesTheReferenceSerializer() throws IOException {
        // Sorted by dtype (widest alignment class first) then name; header padded with spaces to 8 bytes.
        Path file = tmp.resolve("layout.safetensors");
        ByteBuffer f32 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            f32.putFloat(i);
        }
        f32.flip();
        ByteBuffer u8 = ByteBuffer.wrap(new byte[] {1, 2, 3});
        SafeTensorsWriter.write(file, List.of(
                new SafeTensorsWriter.Entry("b", TensorDType.U8, new long[] {3}, u8),
                new SafeTensorsWriter.Entry("attn.0", TensorDType.F32, new long[] {1, 2, 3}, f32)),
                Map.of("framework", "pt"));
        byte[] all = Files.readAllBytes(file);
        String json = "{\"__metadata__\":{\"framework\":\"pt\"},"
                + "\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[24,27]}}";
        int padded = (json.length() + 7) / 8 * 8;
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(padded, n);
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals(json + " ".repeat(padded - json.length()), header);
        assertEquals(8 + padded + 27, all.length);
        assertEquals(0f, ByteBuffer.wrap(all, 8 + padded, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
        assertEquals(3, all[all.length - 1]);
    }

    @Test
    void emptyFileWithoutMetadataIsTheMinimalHeader() throws IOException {
        Path file = tmp.resolve("empty.safetensors");
        SafeTensorsWriter.write(file, List.of(), Map.of());
        byte[] all = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}, all);
        try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
            assertTrue(r.tensors().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("fixtureFiles")
    void readsTheSharedFixturesAndRewritesThemLosslessly(Path fixture) throws IOException {
        Path copy = tmp.resolve("copy.safetensors");
        try (SafeTensorsReader r = SafeTensorsReader.open(fixture)) {
            assertFalse(r.tensors().isEmpty(), fixture + " has no tensors");
            List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
            for (TensorInfo t : r.tensors().values()) {
                assertEquals(t.elementCount() * t.dtype().bytes(), t.byteCount(), t.name());
                entries.add(new SafeTensorsWriter.Entry(t.name(), t.dtype(), t.shape(), r.bytes(t.name())));
            }
            SafeTensorsWriter.write(copy, entries, r.metadata());
            try (SafeTensorsReader back = SafeTensorsReader.open(copy)) {
                assertEquals(r.metadata(), back.metadata());
                assertEquals(new java.util.TreeSet<>(r.tensors().keySet()), new java.util.TreeSet<>(back.tensors().keySet()));
                for (TensorInfo t : r.tensors().values()) {
                    assertEquals(r.bytes(t.name()), back.bytes(t.name()), t.name());
                    assertArrayEquals(t.shape(), back.info(t.name()).shape(), t.name());
                }
            }
        }
    }

    @Test
    void loadsFixtureTensorsAsNdArrays() throws IOException {
        Path io = Fixtures.dir("mambaout").resolve("mini_io.safetensors");
        try (SafeTensorsReader r = SafeTensorsReader.open(io); NDManager m = manager.newSubManager()) {
            NDArray input = r.load("input", m);
            assertEquals(new Shape(2, 3, 64, 96), input.getShape());
            assertEquals(DataType.FLOAT32, input.getDataType());
            // The stored bytes are the array's bytes.
            assertEquals(r.bytes("input").order(ByteOrder.LITTLE_ENDIAN), input.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
        }
    }

    // ---- malformed files: each defect class gets its own error, and nothing is allocated from bad values ----

    private Path raw(String name, long declaredHeaderLen, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLen).put(h);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private Path raw(String name, String header, int dataBytes) throws IOException {
        return raw(name, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private static String entry(String name, String dtype, String shape, long b, long e) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + b + "," + e + "]}";
    }

    private void assertRejected(Path file, String expectedFragment) {
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensorsReader.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), "expected '" + expectedFragment + "' in: " + e.getMessage());
    }

    @Test
    void rejectsFilesShorterThanTheLengthField() throws IOException {
        Path f = tmp.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertRejected(f, "shorter than the 8-byte header length");
    }

    @Test
    void rejectsHugeOrNegativeHeaderLengthsWithoutAllocating() throws IOException {
        assertRejected(raw("huge.safetensors", 1L << 40, "{}", 0), "exceeds the limit");
        assertRejected(raw("neg.safetensors", -5, "{}", 0), "exceeds the limit");
    }

    @Test
    void rejectsHeaderLengthPastTheEndOfFile() throws IOException {
        assertRejected(raw("past.safetensors", 1000, "{}", 0), "runs past the end");
    }

    @Test
    void rejectsInvalidUtf8AndNonJsonAndNonObjects() throws IOException {
        Path f = tmp.resolve("utf8.safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(4).put(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        Files.write(f, b.array());
        assertRejected(f, "not valid UTF-8");
        assertRejected(raw("json.safetensors", "{\"a\":", 0), "not valid JSON");
        assertRejected(raw("array.safetensors", "[1,2]   ", 0), "does not start with '{'");
        assertRejected(raw("trailing.safetensors", "{} {}", 0), "not valid JSON");
    }

    @Test
    void rejectsUnknownDtypes() throws IOException {
        assertRejected(raw("dtype.safetensors", "{" + entry("a", "F8_E4M3", "[2]", 0, 2) + "}", 2), "unknown dtype 'F8_E4M3'");
        assertRejected(raw("dtype2.safetensors", "{" + entry("a", "Q4", "[2]", 0, 2) + "}", 2), "unknown dtype 'Q4'");
    }

    @Test
    void rejectsShapesThatDoNotMatchByteCounts() throws IOException {
        assertRejected(raw("count.safetensors", "{" + entry("a", "F32", "[2,3]", 0, 20) + "}", 20), "needs 24 bytes but data_offsets span 20");
        assertRejected(raw("neg.safetensors", "{" + entry("a", "F32", "[-1]", 0, 4) + "}", 4), "is negative");
        assertRejected(raw("frac.safetensors", "{" + entry("a", "F32", "[1.5]", 0, 4) + "}", 4), "not a 64-bit integer");
        assertRejected(raw("ovf.safetensors", "{" + entry("a", "F64", "[4294967296,4294967296]", 0, 8) + "}", 8), "overflows");
    }

    @Test
    void rejectsOffsetsOutsideTheFileOverlapsGapsAndReversedRanges() throws IOException {
        assertRejected(raw("out.safetensors", "{" + entry("a", "U8", "[100]", 0, 100) + "}", 10), "point past the end");
        assertRejected(raw("overlap.safetensors", "{" + entry("a", "U8", "[8]", 0, 8) + "," + entry("b", "U8", "[8]", 4, 12) + "}", 12), "overlap");
        assertRejected(raw("gap.safetensors", "{" + entry("a", "U8", "[4]", 0, 4) + "," + entry("b", "U8", "[4]", 8, 12) + "}", 12), "gap");
        assertRejected(raw("rev.safetensors", "{" + entry("a", "U8", "[0]", 8, 4) + "}", 8), "ends before it begins");
        assertRejected(raw("trail.safetensors", "{" + entry("a", "U8", "[4]", 0, 4) + "}", 9), "trailing bytes");
    }

    @Test
    void rejectsDuplicateKeysAndMalformedEntries() throws IOException {
        assertRejected(raw("dup.safetensors", "{" + entry("a", "U8", "[4]", 0, 4) + "," + entry("a", "U8", "[4]", 4, 8) + "}", 8), "appears twice");
        assertRejected(raw("noshape.safetensors", "{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", 1), "no shape array");
        assertRejected(raw("extra.safetensors", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":1}}", 1), "unknown field 'x'");
        assertRejected(raw("offs.safetensors", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", 1), "expected 2");
        assertRejected(raw("meta.safetensors", "{\"__metadata__\":{\"k\":1}}", 0), "is not a string");
    }

    @Test
    void writerRefusesInconsistentEntries() {
        assertThrows(IllegalArgumentException.class,
                () -> new SafeTensorsWriter.Entry("a", TensorDType.F32, new long[] {3}, ByteBuffer.allocate(8)));
        assertThrows(IllegalArgumentException.class, () -> SafeTensorsWriter.write(tmp.resolve("x.safetensors"),
                List.of(new SafeTensorsWriter.Entry("__metadata__", TensorDType.U8, new long[] {0}, ByteBuffer.allocate(0))), Map.of()));
    }

    @Test
    void aFailedWriteLeavesThePreviousFileIntact() throws IOException {
        Path file = tmp.resolve("keep.safetensors");
        SafeTensorsWriter.write(file, List.of(new SafeTensorsWriter.Entry("a", TensorDType.U8, new long[] {2}, ByteBuffer.wrap(new byte[] {4, 5}))), Map.of());
        byte[] before = Files.readAllBytes(file);
        // Duplicate names fail before anything is written over the target.
        SafeTensorsWriter.Entry e = new SafeTensorsWriter.Entry("b", TensorDType.U8, new long[] {1}, ByteBuffer.wrap(new byte[] {1}));
        assertThrows(IllegalArgumentException.class, () -> SafeTensorsWriter.write(file, List.of(e, e), Map.of()));
        assertArrayEquals(before, Files.readAllBytes(file));
    }
}
