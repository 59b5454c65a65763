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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors of a weight file, whatever its format: safetensors (timm's hub {@code model.safetensors}, our own
 * checkpoints) or a PyTorch {@code .pth} state_dict (official releases, torchvision, mmcv's model zoo) in either of
 * torch.save's layouts, told apart by their first bytes. Names and shapes come from the header; tensors are read
 * one at a time.
 */
public final class Checkpoint implements AutoCloseable {

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
     * Opens {@code file}: what {@link TorchCheckpointReader#recognizes} as written by torch.save (the zip archive of
     * torch >= 1.6, the legacy layout before it) is read as a PyTorch checkpoint, anything else as safetensors. The
     * tar layout of torch's earliest releases is refused with the command that converts it.
     */
    public static Checkpoint open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such weight file");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(TorchCheckpointReader.HEAD_BYTES);
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        if (TorchCheckpointReader.recognizes(head)) {
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
