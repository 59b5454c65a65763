package dev.densepred.segmentation.job;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.io.TensorInfo;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads a whole model's weights, strictly: a {@code .safetensors} state dict (the {@code *.model.safetensors} a
 * training run writes) or a run's checkpoint {@code .json}, whose model file sits beside it. Every state-dict key must
 * be present with its shape, and the file may hold no other; the error lists every mismatch and names the file.
 */
final class ModelWeights {

    private ModelWeights() {}

    /** The tensor file {@code checkpoint} stands for: itself, or {@code NAME.model.safetensors} beside {@code NAME.json}. */
    static Path modelFile(Path checkpoint) {
        String name = checkpoint.getFileName().toString();
        if (name.endsWith(".json")) {
            return checkpoint.resolveSibling(name.substring(0, name.length() - ".json".length()) + ".model.safetensors");
        }
        return checkpoint;
    }

    /** Copies the weights of {@code checkpoint} into {@code model}, in each parameter's current type and manager. */
    static void load(Module model, Path checkpoint) throws IOException {
        Path file = modelFile(checkpoint);
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such weights file" + (file.equals(checkpoint) ? "" : " (the model file of " + checkpoint + ")"));
        }
        Map<String, Parameter> own = model.stateTensors();
        try (SafeTensorsReader reader = SafeTensorsReader.open(file)) {
            List<String> missing = new ArrayList<>();
            List<String> misshaped = new ArrayList<>();
            List<String> unexpected = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : own.entrySet()) {
                if (!reader.contains(e.getKey())) {
                    missing.add(e.getKey());
                    continue;
                }
                TensorInfo info = reader.info(e.getKey());
                Shape stored = new Shape(info.shape());
                if (!stored.equals(e.getValue().shape())) {
                    misshaped.add(e.getKey() + " (model " + e.getValue().shape() + ", file " + stored + ")");
                }
            }
            for (String k : reader.tensors().keySet()) {
                if (!own.containsKey(k)) {
                    unexpected.add(k);
                }
            }
            if (!missing.isEmpty() || !misshaped.isEmpty() || !unexpected.isEmpty()) {
                StringBuilder sb = new StringBuilder(file + ": weights do not fit the model of this config");
                append(sb, "missing from the file", missing);
                append(sb, "wrongly shaped", misshaped);
                append(sb, "in the file but not in the model", unexpected);
                throw new IllegalArgumentException(sb.toString());
            }
            for (Map.Entry<String, Parameter> e : own.entrySet()) {
                Parameter p = e.getValue();
                NDArray current = p.array();
                NDArray loaded = reader.load(e.getKey(), current.getManager());
                if (loaded.getDataType() != current.getDataType()) {
                    NDArray cast = loaded.toType(current.getDataType(), false);
                    loaded.close();
                    loaded = cast;
                }
                p.replace(loaded);
            }
        }
    }

    private static void append(StringBuilder sb, String what, List<String> names) {
        if (!names.isEmpty()) {
            sb.append("\n  ").append(names.size()).append(' ').append(what).append(": ")
                    .append(String.join(", ", names.size() > 20 ? names.subList(0, 20) : names)).append(names.size() > 20 ? ", ..." : "");
        }
    }
}
