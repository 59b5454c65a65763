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
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@link TorchCheckpointReader} against files written by {@code torch.save} in both its layouts (golden files in
 * {@code ${fixtures.dir}/torch_pth/}, made by torch 1.13 as its README says: zip and legacy files of the same
 * state_dict, checked against the same {@code expected.json}) and against files written here by hand, byte by byte,
 * for what torch 1.13 does not write: older torch's layouts, refused globals, broken pickles, missing storages.
 */
class TorchCheckpointReaderTest {

    static List<Path> goldenFiles() {
        Path dir = Fixtures.dir("torch_pth");
        return Fixtures.list(dir, ".pth").stream()
                .filter(p -> !p.getFileName().toString().startsWith("refused") && !p.getFileName().toString().startsWith("truncated"))
                .toList();
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void readsEveryTensorOfTorchSaveFiles(Path file) throws IOException {
        JsonObject expected = JsonParser.parseString(Files.readString(file.resolveSibling("expected.json")))
                .getAsJsonObject().getAsJsonObject("tensors");
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(file);
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(expected.keySet(), reader.tensors().keySet(), file + ": keys");
            boolean legacy = file.getFileName().toString().startsWith("legacy");
            assertEquals(legacy ? TorchCheckpointReader.Format.LEGACY : TorchCheckpointReader.Format.ZIP, reader.format(), file + ": layout");
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
        // mmcv's layout: meta (strings, numbers, a tuple, lists, a dict), state_dict, optimizer state with its own tensors
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(Fixtures.dir("torch_pth").resolve("legacy_mmcv.pth"))) {
            assertEquals("state_dict", reader.wrapperKey().orElseThrow());
            assertFalse(reader.tensors().containsKey("momentum_buffer"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"refused.pth", "refused_legacy.pth"})
    void refusesAnUnknownGlobalAndNamesIt(String name) {
        Path file = Fixtures.dir("torch_pth").resolve(name);
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
        assertMessage(missing, "refers to storage '0', which the file lacks");

        Path small = dir.resolve("small.pth");
        writeArchive(small, "archive", ok, Map.of("data/0", floats(new float[] {1, 2, 3})), null);
        assertMessage(small, "needs 24 bytes of storage '0', which has 12");

        Path truncated = dir.resolve("truncated.pth");
        writeArchive(truncated, "archive", Arrays.copyOf(ok, ok.length - 7), Map.of("data/0", floats(new float[6])), null);
        assertMessage(truncated, "in the middle of an opcode");

        Path bigEndian = dir.resolve("big.pth");
        writeArchive(bigEndian, "archive", ok, Map.of("data/0", floats(new float[6])), "big");
        assertMessage(bigEndian, "only little-endian");

        Path notTensor = dir.resolve("nottensor.pth");
        byte[] dictOfString = new Pickle().proto(2).emptyDict().string("w").string("text").setItem().stop().bytes();
        writeArchive(notTensor, "archive", dictOfString, Map.of(), null);
        assertMessage(notTensor, "neither a state_dict nor wraps one");

        Path cut = dir.resolve("legacy.pth");
        Files.write(cut, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertMessage(cut, "pickle ends at byte 4 in the middle of an opcode");

        Path text = dir.resolve("text.pth");
        Files.writeString(text, "not a checkpoint");
        assertMessage(text, "neither a zip archive");

        Path brokenZip = dir.resolve("broken.pth");
        Files.write(brokenZip, new byte[] {'P', 'K', 3, 4, 0, 0});
        assertMessage(brokenZip, "begins like a zip archive");
    }

    @Test
    void readsTheLegacyLayoutOfOlderTorchReleases(@TempDir Path dir) throws IOException {
        // torch < 0.4: _rebuild_tensor (no requires_grad), a storage saved from the GPU (torch.cuda.FloatStorage),
        // a transposed tensor over a storage view (elements 2 to 5 of its root storage)
        Path file = dir.resolve("old.pth");
        byte[] saved = legacyStateDict("_rebuild_tensor", "torch.cuda", 6, new long[] {2, 4}, new long[] {2, 2}, new long[] {1, 2}, 0);
        Files.write(file, legacyFile(true, saved, List.of("7"), record(6, floats(new float[] {0, 1, 2, 3, 4, 5}))));
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(file); NDManager m = NDManager.newBaseManager()) {
            assertEquals(TorchCheckpointReader.Format.LEGACY, reader.format());
            assertEquals(2, reader.info("w").storageOffset());
            assertArrayEquals(new float[] {2, 4, 3, 5}, reader.load("w", m).toFloatArray());
        }
    }

    @Test
    void reportsBrokenLegacyFilesClearly(@TempDir Path dir) throws IOException {
        byte[] saved = legacyStateDict("_rebuild_tensor_v2", "torch", 6, null, new long[] {2, 3}, new long[] {3, 1}, 0);
        byte[] data = record(6, floats(new float[] {1, 2, 3, 4, 5, 6}));
        Path ok = dir.resolve("ok.pth");
        Files.write(ok, legacyFile(true, saved, List.of("7"), data));
        try (TorchCheckpointReader reader = TorchCheckpointReader.open(ok); NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, reader.load("w", m).toFloatArray());
        }

        assertLegacyMessage(dir, legacyFile(true, saved, List.of("7"), record(5, floats(new float[6]))),
                "storage '7' has 5 elements in its record at byte");
        // a record whose count would need exabytes is refused from its 8 bytes, before anything is allocated
        byte[] huge = legacyStateDict("_rebuild_tensor_v2", "torch", 1L << 62, null, new long[] {2, 3}, new long[] {3, 1}, 0);
        assertLegacyMessage(dir, legacyFile(true, huge, List.of("7"), record(1L << 62, new byte[0])),
                "storage '7' needs 4611686018427387904 x 4 bytes from byte");
        assertLegacyMessage(dir, legacyFile(true, saved, List.of("7"), Arrays.copyOf(data, 20)), "but the file ends at byte");
        assertLegacyMessage(dir, legacyFile(true, saved, List.of(), new byte[0]), "refers to storage '7', which the file lacks");
        assertLegacyMessage(dir, legacyFile(true, saved, List.of("7", "8"), data, record(0, new byte[0])),
                "storage list names the string '8', which no tensor uses");
        assertLegacyMessage(dir, legacyFile(false, saved, List.of("7"), data), "little_endian=True");

        byte[] pastView = legacyStateDict("_rebuild_tensor_v2", "torch", 6, new long[] {2, 4}, new long[] {2, 3}, new long[] {3, 1}, 0);
        assertLegacyMessage(dir, legacyFile(true, pastView, List.of("7"), data), "reaches past its view of 4 elements of storage '7'");
        byte[] outsideRoot = legacyStateDict("_rebuild_tensor_v2", "torch", 6, new long[] {4, 4}, new long[] {2, 2}, new long[] {2, 1}, 0);
        assertLegacyMessage(dir, legacyFile(true, outsideRoot, List.of("7"), data), "lies outside storage '7' of 6 elements");
        // torch.save(model) pickles the module's class through a ('module', class, file, source) persistent id
        byte[] module = new Pickle().proto(2).mark().string("module").none().none().none().tuple().persId().stop().bytes();
        assertLegacyMessage(dir, legacyFile(true, module, List.of()), "pickles a whole nn.Module");

        Path notTorch = dir.resolve("pickle.pth");
        Files.write(notTorch, new Pickle().proto(2).integer(42).stop().bytes());
        assertMessage(notTorch, "not with torch's magic number");

        Path tar = dir.resolve("ancient.pth");
        Files.write(tar, tarHead());
        assertMessage(tar, "a tar archive");
        assertMessage(tar, "torch.save(torch.load('" + tar + "', map_location='cpu'), 'converted.pth')");
    }

    @Test
    void truncatedLegacyFilesAreClearErrorsWhereverTheyAreCut(@TempDir Path dir) throws IOException {
        assertMessage(Fixtures.dir("torch_pth").resolve("truncated_legacy.pth"), "but the file ends at byte");
        // every proper prefix of a legacy file (pickles, record counts or data cut) is refused with a FormatException
        byte[] whole = Files.readAllBytes(Fixtures.dir("torch_pth").resolve("legacy_mmcv.pth"));
        Path cut = dir.resolve("cut.pth");
        for (int n = 0; n < whole.length; n++) {
            Files.write(cut, Arrays.copyOf(whole, n));
            int length = n;
            assertThrows(TorchCheckpointReader.FormatException.class, () -> TorchCheckpointReader.open(cut).close(), "cut at " + length);
        }
    }

    @Test
    void recognizesEveryTorchLayoutButNotSafetensors() throws IOException {
        for (String name : List.of("state_dict.pth", "legacy_state_dict.pth", "legacy_protocol4.pth")) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(Fixtures.dir("torch_pth").resolve(name)), TorchCheckpointReader.HEAD_BYTES);
            assertTrue(TorchCheckpointReader.recognizes(head), name);
        }
        assertTrue(TorchCheckpointReader.recognizes(tarHead()));
        // a safetensors file with a 640-byte header begins 0x80 0x02, as a protocol-2 pickle does
        byte[] safetensors = new byte[TorchCheckpointReader.HEAD_BYTES];
        safetensors[0] = (byte) 0x80;
        safetensors[1] = 2;
        safetensors[8] = '{';
        assertFalse(TorchCheckpointReader.recognizes(safetensors));
    }

    private static void assertLegacyMessage(Path dir, byte[] content, String part) throws IOException {
        Path file = Files.createTempFile(dir, "legacy", ".pth");
        Files.write(file, content);
        assertMessage(file, part);
    }

    /** The first 512 bytes of a POSIX tar archive: a header block with its "ustar" magic. */
    private static byte[] tarHead() {
        byte[] head = new byte[512];
        byte[] name = "storages".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, head, 0, name.length);
        byte[] magic = ("ustar\0" + "00").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, head, 257, magic.length);
        return head;
    }

    /**
     * torch's legacy layout: pickles of the magic number, the protocol version 1001 and sys_info, the saved object and
     * the storage keys, then the storage records.
     */
    private static byte[] legacyFile(boolean littleEndian, byte[] saved, List<String> keys, byte[]... records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new Pickle().proto(2).bigInteger(new BigInteger("1950a86a20f9469cfc6c", 16)).stop().bytes());
        out.writeBytes(new Pickle().proto(2).integer(1001).stop().bytes());
        out.writeBytes(new Pickle().proto(2).emptyDict().string("protocol_version").integer(1001).setItem()
                .string("little_endian").bool(littleEndian).setItem().stop().bytes());
        out.writeBytes(saved);
        Pickle list = new Pickle().proto(2).emptyList().mark();
        keys.forEach(list::string);
        out.writeBytes(list.appends().stop().bytes());
        for (byte[] r : records) {
            out.writeBytes(r);
        }
        return out.toByteArray();
    }

    /** A legacy storage record: the element count, 8 bytes little-endian, then the data. */
    private static byte[] record(long count, byte[] data) {
        return ByteBuffer.allocate(8 + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(count).put(data).array();
    }

    /**
     * {@code {"w": rebuild(storage, offset, shape, stride[, False, OrderedDict()])}} over FloatStorage '7' of
     * {@code numel} elements, as legacy torch writes it; {@code view} is null or {offset, size} of a storage view.
     */
    private static byte[] legacyStateDict(String rebuild, String storageModule, long numel, long[] view, long[] shape, long[] stride, long offset) {
        Pickle p = new Pickle().proto(2).global("collections", "OrderedDict").emptyTuple().reduce();
        p.mark().string("w");
        p.global("torch._utils", rebuild).mark();
        p.mark().string("storage").global(storageModule, "FloatStorage").string("7").string("cuda:0").bigInteger(BigInteger.valueOf(numel));
        if (view == null) {
            p.none();
        } else {
            p.mark().string("94000").integer(view[0]).integer(view[1]).tuple();
        }
        p.tuple().persId();
        p.integer(offset).ints(shape).ints(stride);
        if (rebuild.equals("_rebuild_tensor_v2")) {
            p.bool(false).global("collections", "OrderedDict").emptyTuple().reduce();
        }
        p.tuple().reduce().setItems();
        return p.stop().bytes();
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

        Pickle none() {
            out.write('N');
            return this;
        }

        Pickle emptyList() {
            out.write(']');
            return this;
        }

        Pickle appends() {
            out.write('e');
            return this;
        }

        /** LONG1: little-endian two's complement, as CPython writes integers that BININT cannot hold. */
        Pickle bigInteger(BigInteger v) {
            byte[] bigEndian = v.toByteArray();
            out.write(0x8a);
            out.write(bigEndian.length);
            for (int i = bigEndian.length - 1; i >= 0; i--) {
                out.write(bigEndian[i]);
            }
            return this;
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
