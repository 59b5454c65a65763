package dev.densepred.engine.train.checkpoint;

import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.io.TensorInfo;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.train.TensorCopy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads a whole model's weights for {@code test} and {@code infer}: a safetensors file of the model's state dict
 * (what training writes as {@code <checkpoint>.model.safetensors}), or a checkpoint's {@code .json}, whose model
 * file sits beside it. Strict, like {@code load_state_dict}: every missing, unexpected or wrongly shaped tensor is
 * listed in one error naming the file.
 */
public final class ModelWeights {

    private ModelWeights() {}

    /** The weights file {@code path} stands for (a checkpoint's {@code .json} becomes its model file). */
    public static Path resolve(Path path) {
        String name = path.getFileName().toString();
        if (name.endsWith(".json")) {
            return path.resolveSibling(name.substring(0, name.length() - 5) + ".model.safetensors");
        }
        return path;
    }

    /** Copies the tensors of {@code path} into {@code model}'s parameters and buffers. */
    public static void load(Module model, Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such checkpoint or weights file");
        }
        Path file = resolve(path);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such weights file (the model file of checkpoint " + path + ")");
        }
        Map<String, Parameter> own = model.stateTensors();
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            TreeSet<String> missing = new TreeSet<>(own.keySet());
            missing.removeAll(reader.tensors().keySet());
            TreeSet<String> unexpected = new TreeSet<>(reader.tensors().keySet());
            unexpected.removeAll(own.keySet());
            List<String> misshaped = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : own.entrySet()) {
                TensorInfo info = reader.tensors().get(e.getKey());
                if (info != null && !info.djlShape().equals(e.getValue().shape())) {
                    misshaped.add(e.getKey() + " (model " + e.getValue().shape() + ", file " + info.djlShape() + ")");
                }
            }
            if (!missing.isEmpty() || !unexpected.isEmpty() || !misshaped.isEmpty()) {
                throw new IllegalArgumentException(file + ": weights do not fit the model described by the config; "
                        + missing.size() + " missing " + limit(missing) + ", " + unexpected.size() + " unexpected "
                        + limit(unexpected) + ", " + misshaped.size() + " wrongly shaped " + limit(misshaped));
            }
            for (Map.Entry<String, Parameter> e : own.entrySet()) {
                NDArray target = e.getValue().array();
                try (NDManager tmp = target.getManager().newSubManager()) {
                    TensorCopy.copyInto(target, reader.load(e.getKey(), tmp));
                }
            }
        }
    }

    private static String limit(java.util.Collection<String> names) {
        List<String> list = new ArrayList<>(names);
        return list.size() <= 8 ? list.toString() : list.subList(0, 8) + " ...";
    }
}
