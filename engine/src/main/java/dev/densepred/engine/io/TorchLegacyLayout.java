package dev.densepred.engine.io;

import dev.densepred.engine.io.TorchCheckpointReader.FormatException;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.save}'s legacy layout (torch before 1.6, or {@code _use_new_zipfile_serialization=False}), as
 * {@code torch.serialization._legacy_save} writes it: five consecutive pickles (the magic number
 * 0x1950a86a20f9469cfc6c, the protocol version 1001, a {@code sys_info} dict, the saved object, the list of storage
 * keys), then for each key in that list's order one record: the element count as 8 little-endian bytes and the
 * storage's elements, little-endian. The saved object names storages by persistent ids
 * {@code ('storage', type, root_key, location, numel, view_metadata)}; a view ({@code view_metadata} =
 * {@code (view_key, offset, size)}, written by torch before 0.4) is honoured as a window of its root storage.
 *
 * <p>Only the pickles are read when the file is opened, plus the 8-byte count of each record, which is checked
 * against the size the pickle declared and against the file's length; storages are read on demand.
 */
final class TorchLegacyLayout implements TorchFileLayout {

    private static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long PROTOCOL_VERSION = 1001;

    private final Path file;
    private final FileChannel channel;
    private final Object root;
    /** Storage key to {file offset of its first element, byte count}. */
    private final Map<String, long[]> records;

    private TorchLegacyLayout(Path file, FileChannel channel, Object root, Map<String, long[]> records) {
        this.file = file;
        this.channel = channel;
        this.root = root;
        this.records = records;
    }

    static TorchLegacyLayout open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            TorchUnpickler pickles = TorchUnpickler.ofLegacyFile(file, channel);
            if (!MAGIC_NUMBER.equals(pickles.load())) {
                throw new FormatException(file, "it begins with a pickle but not with torch's magic number 0x1950a86a20f9469cfc6c");
            }
            Object version = pickles.load();
            if (!Long.valueOf(PROTOCOL_VERSION).equals(version)) {
                throw new FormatException(file, "legacy protocol version " + TorchUnpickler.describe(version) + " (1001 is read)");
            }
            if (!(pickles.load() instanceof Map<?, ?> sysInfo) || !Boolean.TRUE.equals(sysInfo.get("little_endian"))) {
                throw new FormatException(file, "its sys_info does not say little_endian=True; only little-endian files are supported");
            }
            Object root = pickles.load();
            if (!(pickles.load() instanceof List<?> keys)) {
                throw new FormatException(file, "the pickle after the saved object is not the list of storage keys");
            }
            Map<String, long[]> records = records(file, channel, pickles.position(), keys, pickles.storages());
            return new TorchLegacyLayout(file, channel, root, records);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public Object root() {
        return root;
    }

    @Override
    public long storageBytes(String key) {
        long[] record = records.get(key);
        return record == null ? -1 : record[1];
    }

    @Override
    public byte[] readStorage(String key, long from, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long at = records.get(key)[0] + from;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, at + buffer.position()) < 0) {
                throw new FormatException(file, "the file ended at byte " + (at + buffer.position()) + " while storage '"
                        + key + "' was read (did it change after it was opened?)");
            }
        }
        return buffer.array();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Walks the storage records from {@code start}, checking each against its declaration and the file's end. */
    private static Map<String, long[]> records(Path file, FileChannel channel, long start, List<?> keys,
            Map<String, TorchUnpickler.Storage> declared) throws IOException {
        long size = channel.size();
        long at = start;
        Map<String, long[]> records = new HashMap<>();
        ByteBuffer count = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (Object k : keys) {
            if (!(k instanceof String key) || !declared.containsKey(key)) {
                throw new FormatException(file, "storage list names " + TorchUnpickler.describe(k) + ", which no tensor uses");
            }
            if (records.containsKey(key)) {
                throw new FormatException(file, "storage list names '" + key + "' twice");
            }
            TorchUnpickler.Storage storage = declared.get(key);
            if (size - at < 8) {
                throw new FormatException(file, "the file ends at byte " + size + ", before the record of storage '" + key + "' at byte " + at);
            }
            count.clear();
            while (count.hasRemaining()) {
                if (channel.read(count, at + count.position()) < 0) {
                    throw new FormatException(file, "the file ended at byte " + (at + count.position()) + " while it was being read");
                }
            }
            long numel = count.flip().getLong();
            if (numel != storage.numel()) {
                throw new FormatException(file, "storage '" + key + "' has " + Long.toUnsignedString(numel)
                        + " elements in its record at byte " + at + " but " + storage.numel() + " in the pickle");
            }
            int width = storage.dtype().bytes();
            if (numel > (size - at - 8) / width) {
                throw new FormatException(file, "storage '" + key + "' needs " + numel + " x " + width + " bytes from byte "
                        + (at + 8) + ", but the file ends at byte " + size + " (truncated?)");
            }
            records.put(key, new long[] {at + 8, numel * width});
            at += 8 + numel * width;
        }
        return records;
    }
}
