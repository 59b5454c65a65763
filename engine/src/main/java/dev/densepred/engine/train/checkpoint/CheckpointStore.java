package dev.densepred.engine.train.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.io.SafeTensorsWriter;
import dev.densepred.engine.io.TensorInfo;
import dev.densepred.engine.train.TensorCopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The checkpoints of one work directory. A checkpoint {@code <name>} is three files: {@code <name>.model.safetensors}
 * (the model's state dict), {@code <name>.optim.safetensors} (the optimizer's state, named
 * {@code <param>.<torch state key>}: AdamW's moments or SGD's momentum buffers) and {@code <name>.json}
 * ({@link CheckpointMeta}). Each is written to a temporary name, forced to disk and renamed; the JSON goes last and
 * records the size and CRC32C of the other two, so a checkpoint exists only once it is complete, and a damaged one
 * is recognised and skipped. Old checkpoints are never overwritten: a new one gets a new name and old ones are
 * deleted after it is committed, JSON first.
 */
public final class CheckpointStore {

    /** The two tensor files of a checkpoint. */
    public static final String MODEL = "model";
    public static final String OPTIMIZER = "optimizer";

    private static final Gson GSON = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .serializeSpecialFloatingPointValues()
            .setPrettyPrinting()
            .create();

    /**
     * A committed checkpoint.
     *
     * @param json its JSON file
     * @param meta the JSON's content
     */
    public record Entry(Path json, CheckpointMeta meta) {
        /** The checkpoint's name (the JSON file name without {@code .json}). */
        public String name() {
            String f = json.getFileName().toString();
            return f.substring(0, f.length() - ".json".length());
        }
    }

    private final Path dir;

    public CheckpointStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Writes checkpoint {@code name}: both tensor files, then the JSON.
     *
     * @param model state-dict tensors
     * @param optimizer optimizer state tensors
     * @param meta everything else; its {@code files} and {@code written} are filled in here
     */
    public Entry save(String name, Map<String, NDArray> model, Map<String, NDArray> optimizer, CheckpointMeta meta)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, CheckpointMeta.FileRef> files = new LinkedHashMap<>();
        files.put(MODEL, writeTensors(name + ".model.safetensors", model));
        files.put(OPTIMIZER, writeTensors(name + ".optim.safetensors", optimizer));
        CheckpointMeta full = meta.withFiles(files, Instant.now().toString());
        Path json = dir.resolve(name + ".json");
        Path tmp = dir.resolve(name + ".json.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(GSON.toJson(full).getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        move(tmp, json);
        return new Entry(json, full);
    }

    private CheckpointMeta.FileRef writeTensors(String file, Map<String, NDArray> tensors) throws IOException {
        Path path = dir.resolve(file);
        SafeTensorsWriter.write(path, tensors, Map.of("format", CheckpointMeta.FORMAT));
        // read back what landed on disk, so the recorded checksum describes the file, not our intention
        return new CheckpointMeta.FileRef(file, Files.size(path), crc32c(path));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
        }
        return Long.toHexString(crc.getValue());
    }

    /** Every committed checkpoint (a JSON of this format), oldest iteration first, regular before best. */
    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : s) {
                readMeta(p).ifPresent(m -> out.add(new Entry(p, m)));
            }
        }
        out.sort(Comparator.comparingLong((Entry e) -> e.meta().iteration())
                .thenComparing(e -> e.meta().kind().equals("best"))
                .thenComparing(Entry::name));
        return out;
    }

    private static Optional<CheckpointMeta> readMeta(Path json) {
        try {
            CheckpointMeta m = GSON.fromJson(Files.readString(json), CheckpointMeta.class);
            return m != null && CheckpointMeta.FORMAT.equals(m.format()) && m.files() != null ? Optional.of(m) : Optional.empty();
        } catch (IOException | JsonParseException e) {
            return Optional.empty();
        }
    }

    /** Reads one checkpoint's JSON; an error names the file. */
    public static Entry open(Path json) {
        return new Entry(json, readMeta(json).orElseThrow(() -> new IllegalArgumentException(
                json + " is not a checkpoint (" + CheckpointMeta.FORMAT + ") or cannot be read")));
    }

    /** Checks that both tensor files exist with the recorded size and CRC32C; the message says what differs. */
    public void verify(Entry e) throws IOException {
        for (Map.Entry<String, CheckpointMeta.FileRef> f : e.meta().files().entrySet()) {
            Path p = e.json().resolveSibling(f.getValue().name());
            if (!Files.isRegularFile(p)) {
                throw new IOException(e.json() + ": its " + f.getKey() + " file " + p.getFileName() + " is missing");
            }
            long size = Files.size(p);
            if (size != f.getValue().bytes()) {
                throw new IOException(e.json() + ": " + p.getFileName() + " has " + size + " bytes, the checkpoint recorded " + f.getValue().bytes());
            }
            String crc = crc32c(p);
            if (!crc.equals(f.getValue().crc32c())) {
                throw new IOException(e.json() + ": " + p.getFileName() + " has CRC32C " + crc + ", the checkpoint recorded " + f.getValue().crc32c());
            }
        }
    }

    /** The newest checkpoint whose files verify; each one skipped is reported to {@code warn} with the reason. */
    public Optional<Entry> latestValid(Consumer<String> warn) throws IOException {
        List<Entry> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                verify(all.get(i));
                return Optional.of(all.get(i));
            } catch (IOException ex) {
                warn.accept("skipping damaged checkpoint: " + ex.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Deletes a checkpoint, its JSON first so that it stops counting before its tensors go. */
    public void delete(Entry e) throws IOException {
        Files.deleteIfExists(e.json());
        for (CheckpointMeta.FileRef f : e.meta().files().values()) {
            Files.deleteIfExists(e.json().resolveSibling(f.name()));
        }
    }

    /** Removes what an interrupted save left: temporary files and tensor files no committed JSON refers to. */
    public void removeLeftovers() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Set<String> referenced = new TreeSet<>();
        for (Entry e : list()) {
            e.meta().files().values().forEach(f -> referenced.add(f.name()));
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                boolean temp = n.endsWith(".safetensors.tmp") || n.endsWith(".json.tmp");
                boolean orphan = n.endsWith(".safetensors") && (n.endsWith(".model.safetensors") || n.endsWith(".optim.safetensors"))
                        && !referenced.contains(n);
                if (temp || orphan) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * Copies one tensor file of a checkpoint into {@code targets} (same names, same shapes; dtypes are converted).
     * Missing or unexpected names and shape mismatches are errors that name the file and the tensors.
     *
     * @param scratch manager for the one tensor held on the host at a time
     */
    public void load(Entry e, String part, Map<String, NDArray> targets, NDManager scratch) throws IOException {
        Path file = e.json().resolveSibling(e.meta().files().get(part).name());
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            Set<String> missing = new TreeSet<>(targets.keySet());
            missing.removeAll(reader.tensors().keySet());
            Set<String> unexpected = new TreeSet<>(reader.tensors().keySet());
            unexpected.removeAll(targets.keySet());
            if (!missing.isEmpty() || !unexpected.isEmpty()) {
                throw new IOException(file + ": tensors do not match the " + part + " being restored; missing " + limit(missing)
                        + ", unexpected " + limit(unexpected) + " (was the model, paramwise_cfg or the optimizer changed since the checkpoint?)");
            }
            for (Map.Entry<String, NDArray> t : targets.entrySet()) {
                TensorInfo info = reader.info(t.getKey());
                if (!info.djlShape().equals(t.getValue().getShape())) {
                    throw new IOException(file + ": tensor '" + t.getKey() + "' has shape " + info.djlShape()
                            + ", the model has " + t.getValue().getShape());
                }
                try (NDManager tmp = scratch.newSubManager()) {
                    TensorCopy.copyInto(t.getValue(), reader.load(t.getKey(), tmp));
                }
            }
        }
    }

    private static String limit(Set<String> names) {
        List<String> l = new ArrayList<>(names);
        return l.size() <= 8 ? l.toString() : l.subList(0, 8) + " and " + (l.size() - 8) + " more";
    }
}
