package dev.densepred.engine.io;

import dev.densepred.engine.io.TorchCheckpointReader.FormatException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * {@code torch.save}'s zip layout (torch 1.6 and later): {@code <prefix>/data.pkl}, the pickle of the saved object,
 * and one entry {@code <prefix>/data/<key>} per storage; {@code <prefix>/byteorder} says the storages' byte order
 * (little-endian when absent, as torch before 1.12 wrote them).
 */
final class TorchZipLayout implements TorchFileLayout {

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Object root;

    private TorchZipLayout(Path file, ZipFile zip, String prefix, Object root) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.root = root;
    }

    static TorchZipLayout open(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new FormatException(file, "it begins like a zip archive but is not a readable one (" + e.getMessage() + ")");
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
            byte[] pickle = readEntry(file, zip, zip.getEntry(prefix + "data.pkl"), TorchCheckpointReader.MAX_PICKLE_BYTES);
            Object root = TorchUnpickler.ofZipEntry(file, pickle).load();
            return new TorchZipLayout(file, zip, prefix, root);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    @Override
    public Object root() {
        return root;
    }

    @Override
    public long storageBytes(String key) {
        ZipEntry entry = zip.getEntry(prefix + "data/" + key);
        return entry == null ? -1 : entry.getSize();
    }

    @Override
    public byte[] readStorage(String key, long from, int length) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "data/" + key);
        try (InputStream in = zip.getInputStream(entry)) {
            in.skipNBytes(from);
            byte[] data = in.readNBytes(length);
            if (data.length == length) {
                return data;
            }
        } catch (EOFException e) {
            // skipNBytes ran past the end: reported below
        }
        throw new FormatException(file, "entry '" + entry.getName() + "' is shorter than its declared " + entry.getSize() + " bytes");
    }

    @Override
    public void close() throws IOException {
        zip.close();
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
}
