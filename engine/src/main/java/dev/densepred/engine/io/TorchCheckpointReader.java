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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the tensors of a PyTorch state_dict saved by {@code torch.save} in pure Java, so released {@code .pth}
 * checkpoints load without Python. Both layouts torch has written are read, told apart by their first bytes:
 * <ul>
 * <li>the zip archive of torch 1.6 and later ({@code <prefix>/data.pkl} and one {@code <prefix>/data/<key>} entry
 * per storage), see {@link TorchZipLayout};
 * <li>the legacy layout of torch before 1.6, or of {@code _use_new_zipfile_serialization=False} (consecutive
 * pickles, then the raw storages), in which many model-zoo files (mmcv's ImageNet ResNets, torchvision's first
 * weights) were released, see {@link TorchLegacyLayout}.
 * </ul>
 * The tar layout of torch's earliest releases is refused with a message saying how to convert it.
 *
 * <p>The pickle is read by a restricted unpickler ({@link TorchUnpickler}) that knows only what a state_dict needs:
 * dicts and {@code collections.OrderedDict}, lists, tuples, strings, numbers, booleans and None, tensors rebuilt by
 * {@code torch._utils._rebuild_tensor_v2} (or {@code _rebuild_tensor}, or wrapped by {@code _rebuild_parameter})
 * over storages named by persistent ids. Any other global is refused with an error naming it, and nothing in the
 * file is ever executed. Every length and offset is checked against the bytes present before it is used.
 *
 * <p>The state_dict is the saved object itself, or its {@code "model"} or {@code "state_dict"} entry when the file
 * wraps it (the official MambaOut release and many training scripts save {@code {"model": state_dict, ...}}, mmcv
 * {@code {"meta": {...}, "state_dict": ..., "optimizer": ...}}); the other entries of such a wrapper are ignored.
 */
public final class TorchCheckpointReader implements AutoCloseable {

    /** Largest pickle accepted: a state_dict's pickle holds names and shapes only, never tensor data. */
    public static final long MAX_PICKLE_BYTES = 256L << 20;

    /** How many of a file's first bytes {@link #recognizes} needs to tell every layout apart. */
    public static final int HEAD_BYTES = 512;

    /** Keys under which a wrapper dict holds the state_dict, tried in this order. */
    private static final List<String> WRAPPER_KEYS = List.of("model", "state_dict");

    /**
     * How the legacy layout's first pickle goes on after its PROTO (and, from protocol 4, FRAME) opcode: LONG1 of
     * 10 bytes, torch's magic number 0x1950a86a20f9469cfc6c.
     */
    private static final byte[] LEGACY_MAGIC = {
        (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    /** The layouts {@code torch.save} has written that this reader reads. */
    public enum Format {
        /** A zip archive: torch 1.6 and later. */
        ZIP,
        /** Consecutive pickles, then the raw storages: torch before 1.6, or {@code _use_new_zipfile_serialization=False}. */
        LEGACY
    }

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
     * @param storageOffset first element in the storage (for a legacy storage view, counted from its root)
     * @param storageKey the storage's key (its entry name under {@code data/} in the zip layout)
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

        /** Number of elements (1 for a scalar; {@code Long.MAX_VALUE} when the count overflows). */
        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                if (d == 0) {
                    return 0;
                }
                n = n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d;
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
    private final Format format;
    private final TorchFileLayout layout;
    private final Map<String, Entry> tensors;
    private final String wrapperKey;

    private TorchCheckpointReader(Path file, Format format, TorchFileLayout layout, Map<String, Entry> tensors, String wrapperKey) {
        this.file = file;
        this.format = format;
        this.layout = layout;
        this.tensors = tensors;
        this.wrapperKey = wrapperKey;
    }

    /**
     * Whether a file beginning with {@code head} (its first {@link #HEAD_BYTES} bytes, or all of a shorter file) was
     * written by {@code torch.save}, in any layout, the tar one included (which {@link #open} refuses). The legacy
     * layout is recognised by its whole first pickle, so a safetensors file, whose first bytes are a header length,
     * is never mistaken for one.
     */
    public static boolean recognizes(byte[] head) {
        return isZip(head) || isTar(head) || isLegacy(head);
    }

    /** Opens {@code file} and reads its state_dict's names, types and shapes; the caller closes the reader. */
    public static TorchCheckpointReader open(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(HEAD_BYTES);
        }
        Format format;
        TorchFileLayout layout;
        if (isZip(head)) {
            format = Format.ZIP;
            layout = TorchZipLayout.open(file);
        } else if (isTar(head)) {
            throw new FormatException(file, "a tar archive, the layout of torch.save in torch's earliest releases, which is not "
                    + "read here; load it and save it again with a current torch: python -c \"import torch; torch.save(torch.load('"
                    + file + "', map_location='cpu'), 'converted.pth')\"");
        } else if (head.length > 0 && head[0] == (byte) 0x80) { // a pickle's PROTO opcode; the layout checks the rest
            format = Format.LEGACY;
            layout = TorchLegacyLayout.open(file);
        } else {
            throw new FormatException(file, "neither a zip archive (torch.save since torch 1.6) nor torch's legacy format "
                    + "(a pickle of the magic number 0x1950a86a20f9469cfc6c); is it a safetensors or TorchScript file?");
        }
        try {
            Map<String, Entry> tensors = new LinkedHashMap<>();
            String wrapper = stateDict(file, layout.root(), tensors);
            for (Entry e : tensors.values()) {
                checkStorageBounds(file, layout, e);
            }
            return new TorchCheckpointReader(file, format, layout, tensors, wrapper);
        } catch (IOException | RuntimeException e) {
            layout.close();
            throw e;
        }
    }

    /** The file this reader reads. */
    public Path file() {
        return file;
    }

    /** The layout the file was written in. */
    public Format format() {
        return format;
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

    /**
     * The tensor's elements, row-major and little-endian, in a fresh direct buffer the caller owns. Only the part
     * of the storage the tensor spans is read.
     */
    public ByteBuffer bytes(String name) throws IOException {
        Entry e = info(name);
        int width = e.dtype().bytes();
        long count = e.elementCount();
        if (count == 0) {
            return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        long span = extent(e.storageOffset(), e.shape(), e.stride()) - e.storageOffset();
        long limit = (Integer.MAX_VALUE - 8) / width;
        if (count > limit || span > limit) {
            throw new IOException(file + ": tensor '" + name + "' " + Arrays.toString(e.shape()) + " spans "
                    + Math.max(count, span) + " elements of " + width + " bytes, more than one buffer holds");
        }
        byte[] storage = layout.readStorage(e.storageKey(), e.storageOffset() * width, (int) (span * width));
        ByteBuffer out = ByteBuffer.allocateDirect((int) (count * width)).order(ByteOrder.LITTLE_ENDIAN);
        if (e.isContiguous()) {
            out.put(storage, 0, (int) (count * width));
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
        layout.close();
    }

    /**
     * How many storage elements a tensor needs: one past the last it addresses, 0 when it has no elements, or
     * {@code Long.MAX_VALUE} when that overflows, which then fails every bounds check.
     */
    static long extent(long offset, long[] shape, long[] stride) {
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        long last = offset;
        try {
            for (int d = 0; d < shape.length; d++) {
                last = Math.addExact(last, Math.multiplyExact(shape[d] - 1, stride[d]));
            }
            return Math.addExact(last, 1);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    private static boolean isZip(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    /** A POSIX tar header: "ustar" at byte 257 (what Python's tarfile writes). */
    private static boolean isTar(byte[] head) {
        return head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    }

    /** PROTO 2 to 5, FRAME from protocol 4, then the LONG1 magic number. */
    private static boolean isLegacy(byte[] head) {
        if (head.length < 2 || head[0] != (byte) 0x80 || head[1] < 2 || head[1] > 5) {
            return false;
        }
        int at = head.length > 2 && head[2] == (byte) 0x95 ? 11 : 2;
        return head.length >= at + LEGACY_MAGIC.length
                && Arrays.equals(head, at, at + LEGACY_MAGIC.length, LEGACY_MAGIC, 0, LEGACY_MAGIC.length);
    }

    /** Copies a strided view element by element, walking the index odometer-style; {@code storage} starts at its offset. */
    private static void gather(byte[] storage, Entry e, int width, ByteBuffer out) {
        long[] shape = e.shape();
        long[] stride = e.stride();
        long[] index = new long[shape.length];
        long count = e.elementCount();
        for (long n = 0; n < count; n++) {
            long offset = 0;
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

    /** Checks that every element a tensor addresses lies inside its storage. */
    private static void checkStorageBounds(Path file, TorchFileLayout layout, Entry e) throws FormatException {
        long bytes = layout.storageBytes(e.storageKey());
        if (bytes < 0) {
            throw new FormatException(file, "tensor '" + e.name() + "' refers to storage '" + e.storageKey() + "', which the file lacks");
        }
        int width = e.dtype().bytes();
        long extent = extent(e.storageOffset(), e.shape(), e.stride());
        if (extent > bytes / width) {
            String needed = extent <= Long.MAX_VALUE / width ? extent * width + " bytes" : "more than 2^63 bytes";
            throw new FormatException(file, "tensor '" + e.name() + "' " + Arrays.toString(e.shape()) + " needs " + needed
                    + " of storage '" + e.storageKey() + "', which has " + bytes);
        }
    }

    /** Finds the state_dict in the unpickled object and fills {@code out}; returns the wrapper key or null. */
    private static String stateDict(Path file, Object root, Map<String, Entry> out) throws FormatException {
        if (!(root instanceof Map<?, ?> top)) {
            throw new FormatException(file, "the saved object is " + TorchUnpickler.describe(root) + ", not a dict of tensors");
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
                throw new FormatException(file, "state_dict key " + TorchUnpickler.describe(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof Entry t)) {
                throw new FormatException(file, "state_dict entry '" + where + key + "' is " + TorchUnpickler.describe(e.getValue()) + ", not a tensor");
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
}
