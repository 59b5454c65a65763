package dev.densepred.engine.io;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@link TorchCheckpointReader} against files written by {@code torch.save} (golden files in
 * {@code ${fixtures.dir}/torch_pth/}, made by torch 1.13 as its README says) and against archives written here by
 * hand, byte by byte, for what a real torch never writes: refused globals, broken pickles, missing storages.
 */
class TorchCheckpointReaderTest {

    static List<Path> goldenFiles() {
        Path dir = Fixtures.dir("torch_pth");
        return Fixtures.list(dir, ".pth").stream().filter(p -> !p.getFileName().toString().startsWith("refused")).toList();
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void readsEveryTensorOfTorchSaveFiles(Path file) throws IOException {
        JsonObject expected = JsonParser.parseString(Files.readString(file.resolveSibling("expected.json")))
                .getAsJsonObject().getAsJsonObject("tensors");
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(file);
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(expected.keySet(), reader.tensors().keySet(), file + ": keys");
            List<Executable> checks = new ArrayList<>();
            for (Map.Entry<String, JsonElement> e : expected.entrySet()) {
                String name = e.getKey();
                JsonObject want = e.getValue().getAsJsonObject();
                NDArray array = reader.load(name, manager);
                double[] got = array.toType(DataType.FLOAT64, false).toDoubleArray();
                double[] values = doubles(want.getAsJsonArray("values"));
                long[] shape = longs(want.getAsJsonArray("shape"));
                // bfloat16 and int16 load widened (DJL cannot create them); their values stay exact.
                String dtype = switch (want.get("dtype").getAsString()) {
                    case "bfloat16" -> "float32";
                    case "int16" -> "int32";
                    default -> want.get("dtype").getAsString();
                };
                checks.add(() -> assertEquals(dtype, torchName(array.getDataType()), file + " " + name + ": dtype"));
                checks.add(() -> assertArrayEquals(shape, array.getShape().getShape(), file + " " + name + ": shape"));
                checks.add(() -> assertArrayEquals(values, got, 0.0, file + " " + name + ": values"));
            }
            assertAll(checks);
        }
    }

    @Test
    void findsTheStateDictInsideAModelWrapper() throws IOException {
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(Fixtures.dir("torch_pth").resolve("wrapped.pth"))) {
            assertEquals("model", reader.wrapperKey().orElseThrow());
            assertTrue(reader.tensors().containsKey("base_slice"));
        }
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(Fixtures.dir("torch_pth").resolve("state_dict.pth"))) {
            assertFalse(reader.wrapperKey().isPresent());
        }
    }

    @Test
    void refusesAnUnknownGlobalAndNamesIt() {
        Path file = Fixtures.dir("torch_pth").resolve("refused.pth");
        IOException e = assertThrows(TorchCheckpointReader.FormatException.class, () -> TorchCheckpointReader.open(file));
        assertTrue(e.getMessage().contains("argparse.Namespace"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void readsAHandWrittenArchive(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("hand.pth");
        float[] values = {1f, -2f, 3.5f, 0.25f, 8f, -0.5f};
        writeArchive(file, "archive", stateDict("w", "FloatStorage", "0", 6, new long[] {2, 3}, new long[] {3, 1}, 0),
                Map.of("data/0", floats(values)), "little");
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(file); NDManager m = NDManager.newBaseManager()) {
            NDArray w = reader.load("w", m);
            assertArrayEquals(new long[] {2, 3}, w.getShape().getShape());
            assertArrayEquals(values, w.toFloatArray());
            assertTrue(reader.info("w").isContiguous());
        }
        // A transposed view of the same storage is gathered into row-major order.
        Path transposed = dir.resolve("t.pth");
        writeArchive(transposed, "archive", stateDict("wt", "FloatStorage", "0", 6, new long[] {3, 2}, new long[] {1, 3}, 0),
                Map.of("data/0", floats(values)), null);
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(transposed); NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(new float[] {1f, 0.25f, -2f, 8f, 3.5f, -0.5f}, reader.load("wt", m).toFloatArray());
        }
    }

    @Test
    void refusesACallToAnyOtherGlobal(@TempDir Path dir) throws IOException {
        Pickle p = new Pickle().proto(2).global("os", "system").mark().string("echo").tuple().reduce().stop();
        Path file = dir.resolve("evil.pth");
        writeArchive(file, "archive", p.bytes(), Map.of(), null);
        IOException e = assertThrows(TorchCheckpointReader.FormatException.class, () -> TorchCheckpointReader.open(file));
        assertTrue(e.getMessage().contains("refusing global 'os.system'"), e.getMessage());
    }

    @Test
    void reportsBrokenFilesClearly(@TempDir Path dir) throws IOException {
        byte[] ok = stateDict("w", "FloatStorage", "0", 6, new long[] {2, 3}, new long[] {3, 1}, 0);

        Path missing = dir.resolve("missing.pth");
        writeArchive(missing, "archive", ok, Map.of(), null);
        assertMessage(missing, "refers to storage '0', which the archive lacks");

        Path small = dir.resolve("small.pth");
        writeArchive(small, "archive", ok, Map.of("data/0", floats(new float[] {1, 2, 3})), null);
        assertMessage(small, "needs 24 bytes of storage '0', which has 12");

        Path truncated = dir.resolve("truncated.pth");
        writeArchive(truncated, "archive", java.util.Arrays.copyOf(ok, ok.length - 7), Map.of("data/0", floats(new float[6])), null);
        assertMessage(truncated, "in the middle of an opcode");

        Path bigEndian = dir.resolve("big.pth");
        writeArchive(bigEndian, "archive", ok, Map.of("data/0", floats(new float[6])), "big");
        assertMessage(bigEndian, "only little-endian");

        Path notTensor = dir.resolve("nottensor.pth");
        byte[] dictOfString = new Pickle().proto(2).emptyDict().string("w").string("text").setItem().stop().bytes();
        writeArchive(notTensor, "archive", dictOfString, Map.of(), null);
        assertMessage(notTensor, "neither a state_dict nor wraps one");

        Path notZip = dir.resolve("legacy.pth");
        Files.write(notZip, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertMessage(notZip, "not a zip archive");
    }

    private static void assertMessage(Path file, String part) {
        IOException e = assertThrows(TorchCheckpointReader.FormatException.class, () -> TorchCheckpointReader.open(file));
        assertTrue(e.getMessage().contains(part) && e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    }

    /** {@code {name: _rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())}}, as torch writes it. */
    private static byte[] stateDict(String name, String storageType, String key, long numel, long[] shape, long[] stride, long offset) {
        Pickle p = new Pickle().proto(2).global("collections", "OrderedDict").emptyTuple().reduce();
        p.mark().string(name);
        p.global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark().string("storage").global("torch", storageType).string(key).string("cpu").integer(numel).tuple().persId();
        p.integer(offset).ints(shape).ints(stride).bool(false);
        p.global("collections", "OrderedDict").emptyTuple().reduce();
        p.tuple().reduce().setItems();
        return p.stop().bytes();
    }

    private static void writeArchive(Path file, String prefix, byte[] pickle, Map<String, byte[]> entries, String byteorder) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            stored(zip, prefix + "/data.pkl", pickle);
            if (byteorder != null) {
                stored(zip, prefix + "/byteorder", byteorder.getBytes(StandardCharsets.US_ASCII));
            }
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                stored(zip, prefix + "/" + e.getKey(), e.getValue());
            }
            stored(zip, prefix + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Entries are stored uncompressed, as torch writes them. */
    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    private static byte[] floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static double[] doubles(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static String torchName(DataType t) {
        return switch (t) {
            case FLOAT32 -> "float32";
            case FLOAT16 -> "float16";
            case FLOAT64 -> "float64";
            case INT64 -> "int64";
            case INT32 -> "int32";
            case INT8 -> "int8";
            case UINT8 -> "uint8";
            case BOOLEAN -> "bool";
            default -> t.name();
        };
    }

    /** Writes pickle opcodes the way CPython's protocol-2 pickler does. */
    private static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle proto(int v) {
            out.write(0x80);
            out.write(v);
            return this;
        }

        Pickle global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle mark() {
            out.write('(');
            return this;
        }

        Pickle tuple() {
            out.write('t');
            return this;
        }

        Pickle emptyTuple() {
            out.write(')');
            return this;
        }

        Pickle emptyDict() {
            out.write('}');
            return this;
        }

        Pickle reduce() {
            out.write('R');
            return this;
        }

        Pickle persId() {
            out.write('Q');
            return this;
        }

        Pickle setItem() {
            out.write('s');
            return this;
        }

        Pickle setItems() {
            out.write('u');
            return this;
        }

        Pickle bool(boolean v) {
            out.write(v ? 0x88 : 0x89);
            return this;
        }

        Pickle string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            return this;
        }

        Pickle ints(long[] values) {
            mark();
            for (long v : values) {
                integer(v);
            }
            return tuple();
        }

        Pickle stop() {
            out.write('.');
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
