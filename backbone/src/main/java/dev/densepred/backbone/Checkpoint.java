package dev.densepred.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.io.TensorInfo;
import dev.densepred.engine.io.TorchCheckpointReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors of a weight file, whatever its format: safetensors (timm's hub {@code model.safetensors}, our own
 * checkpoints) or a PyTorch {@code .pth} state_dict (official releases, torchvision), told apart by their first
 * bytes. Names and shapes come from the header; tensors are read one at a time.
 */
public final class Checkpoint implements AutoCloseable {

    /**
     * How torch's legacy (pre-1.6) serialisation begins: pickle protocol 2 and the LONG1 magic number
     * 0x1950a86a20f9469cfc6c. As a safetensors header length these bytes would mean 5e18 bytes, so nothing is mistaken.
     */
    private static final byte[] LEGACY_TORCH_MAGIC = {
        (byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private final Path file;
    private final SafeTensorsReader safetensors;
    private final TorchCheckpointReader torch;
    private final Map<String, long[]> shapes;

    private Checkpoint(Path file, SafeTensorsReader safetensors, TorchCheckpointReader torch, Map<String, long[]> shapes) {
        this.file = file;
        this.safetensors = safetensors;
        this.torch = torch;
        this.shapes = shapes;
    }

    /**
     * Opens {@code file}; a zip archive is read as a PyTorch checkpoint, anything else as safetensors. A legacy
     * (pre-1.6) {@code torch.save} file is refused with the one-line command that converts it.
     */
    public static Checkpoint open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such weight file");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(LEGACY_TORCH_MAGIC.length);
        }
        if (Arrays.equals(head, LEGACY_TORCH_MAGIC)) {
            throw new IOException(file + ": a PyTorch checkpoint in the legacy format (torch.save before torch 1.6), which"
                    + " is not read here; re-save it once in the zip format: python -c \"import torch; torch.save(torch.load('"
                    + file + "', map_location='cpu'), '" + file + "')\" (torch >= 1.6), or convert it to safetensors");
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            TorchCheckpointReader reader = TorchCheckpointReader.open(file);
            reader.tensors().forEach((name, e) -> shapes.put(name, e.shape()));
            return new Checkpoint(file, null, reader, shapes);
        }
        SafeTensorsReader reader = SafeTensorsReader.open(file);
        for (TensorInfo t : reader.tensors().values()) {
            shapes.put(t.name(), t.shape());
        }
        return new Checkpoint(file, reader, null, shapes);
    }


    /** The file. */
    public Path file() {
        return file;
    }

    /** Tensor names and shapes in file order. */
    public Map<String, long[]> shapes() {
        return Collections.unmodifiableMap(shapes);
    }

    /** Reads one tensor into {@code manager}. */
    public NDArray load(String name, NDManager manager) throws IOException {
        return safetensors != null ? safetensors.load(name, manager) : torch.load(name, manager);
    }

    @Override
    public void close() throws IOException {
        if (safetensors != null) {
            safetensors.close();
        } else {
            torch.close();
        }
    }
}
