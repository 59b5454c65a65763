package dev.densepred.engine.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.densepred.engine.io.SafeTensorsWriter;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.train.TinyNet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link ModelWeights}: a checkpoint's model file or a bare safetensors file, loaded strictly, errors naming files. */
class ModelWeightsTest {

    @TempDir
    Path dir;

    private static Map<String, NDArray> state(TinyNet net) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : net.stateTensors().entrySet()) {
            out.put(e.getKey(), e.getValue().array());
        }
        return out;
    }

    @Test
    void loadsEveryTensorFromACheckpointJsonOrItsModelFile() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyNet saved = new TinyNet(TinyNet.Norm.BATCH);
            saved.initialize(m);
            Path model = dir.resolve("iter_5.model.safetensors");
            SafeTensorsWriter.write(model, state(saved), Map.of());
            Path json = Files.writeString(dir.resolve("iter_5.json"), "{}");
            assertEquals(model, ModelWeights.resolve(json));
            assertEquals(model, ModelWeights.resolve(model));
            for (Path given : new Path[] {json, model}) {
                TinyNet fresh = new TinyNet(TinyNet.Norm.BATCH);
                fresh.initialize(m);
                ModelWeights.load(fresh, given);
                for (Map.Entry<String, Parameter> e : saved.stateTensors().entrySet()) {
                    NDArray got = fresh.stateTensors().get(e.getKey()).array();
                    assertTrue(e.getValue().array().contentEquals(got), given + ": " + e.getKey());
                }
            }
        }
    }

    @Test
    void namesAMissingCheckpointAndAMissingModelFile() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyNet net = new TinyNet(TinyNet.Norm.BATCH);
            net.initialize(m);
            Path absent = dir.resolve("epoch_12.json");
            NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ModelWeights.load(net, absent));
            assertEquals(absent.toString(), e.getFile());
            assertTrue(e.getReason().contains("no such checkpoint"), e.getReason());

            Path orphan = Files.writeString(dir.resolve("epoch_3.json"), "{}");
            e = assertThrows(NoSuchFileException.class, () -> ModelWeights.load(net, orphan));
            assertEquals(dir.resolve("epoch_3.model.safetensors").toString(), e.getFile());
            assertTrue(e.getReason().contains("model file of checkpoint " + orphan), e.getReason());
        }
    }

    @Test
    void listsMissingUnexpectedAndMisshapedTensorsInOneError() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            TinyNet other = new TinyNet(TinyNet.Norm.LAYER, true);
            other.initialize(m);
            Map<String, NDArray> tensors = state(other);
            tensors.put("head.weight", m.zeros(new Shape(3, 8)));
            Path file = dir.resolve("other.safetensors");
            SafeTensorsWriter.write(file, tensors, Map.of());
            TinyNet net = new TinyNet(TinyNet.Norm.BATCH);
            net.initialize(m);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelWeights.load(net, file));
            String msg = e.getMessage();
            assertTrue(msg.startsWith(file.toString()), msg);
            // batch norm's running statistics are missing, the idle parameter is unexpected, the head is [3, 8]
            assertTrue(msg.contains("norm.running_mean") && msg.contains("norm.running_var"), msg);
            assertTrue(msg.contains("1 unexpected [idle]"), msg);
            assertTrue(msg.contains("1 wrongly shaped [head.weight (model (2, 8), file (3, 8))]"), msg);
        }
    }
}
