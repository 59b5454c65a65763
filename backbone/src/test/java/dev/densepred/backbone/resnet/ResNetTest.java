package dev.densepred.backbone.resnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.backbone.LoadReport;
import dev.densepred.engine.io.SafeTensorsWriter;
import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class ResNetTest {

    @Test
    void parameterCountEqualsTorchvisionResnet50WithoutFc() {
        // torchvision resnet50: 25,557,032 parameters, of which fc has 2048 * 1000 + 1000.
        assertEquals(25_557_032L - 2_049_000L, new ResNet(ResNet.Config.defaults()).parameterCount());
        assertEquals(23_508_032L, new ResNet(ResNet.Config.defaults()).parameterCount());
    }

    @Test
    void stemAndFirstStageAreFrozenAndEveryNormStaysInEvalMode() {
        ResNet model = new ResNet(ResNet.Config.defaults());
        model.train(true);
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
            boolean frozen = e.getKey().startsWith("conv1.") || e.getKey().startsWith("bn1.") || e.getKey().startsWith("layer1.");
            assertEquals(!frozen, e.getValue().trainable(), e.getKey());
        }
        for (Map.Entry<String, Module> e : model.modules().entrySet()) {
            if (e.getValue() instanceof BatchNorm2d bn) {
                assertFalse(bn.isTraining(), e.getKey() + " must keep running statistics (norm_eval)");
                assertEquals(e.getKey().equals("bn1") || e.getKey().startsWith("layer1."), bn.isFrozen(), e.getKey());
            } else if (!e.getKey().isEmpty()) {
                assertTrue(e.getValue().isTraining(), e.getKey());
            }
        }
        ResNet unfrozen = new ResNet(ResNet.Config.defaults().withFrozenStages(-1));
        assertTrue(unfrozen.parameters().values().stream().allMatch(Parameter::trainable));
    }

    @Test
    void outputsHaveTheTorchvisionStridesAndChannels() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            ResNet model = new ResNet(ResNet.Config.defaults());
            model.initialize(m);
            model.train(false);
            try (NDManager iteration = m.newSubManager()) {
                m.cap(); // the forward pass must add nothing to the model's manager
                List<NDArray> maps = model.forward(iteration.randomNormal(new Shape(1, 3, 64, 96)));
                assertEquals(List.of(new Shape(1, 256, 16, 24), new Shape(1, 512, 8, 12), new Shape(1, 1024, 4, 6), new Shape(1, 2048, 2, 3)),
                        maps.stream().map(NDArray::getShape).toList());
                assertTrue(maps.get(3).min().getFloat() >= 0, "the last block ends with a ReLU");
            }
        }
    }

    @Test
    void loadsATorchvisionStateDictDroppingFc(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet source = new ResNet(ResNet.Config.defaults().withOutIndices(List.of(3)));
            source.initialize(m);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            source.stateTensors().forEach((k, p) -> tensors.put(k, p.array()));
            tensors.put("fc.weight", m.zeros(new Shape(1000, 2048)));
            tensors.put("fc.bias", m.zeros(new Shape(1000)));
            tensors.remove("layer2.0.bn1.num_batches_tracked"); // absent from torchvision's older files
            Path file = dir.resolve("resnet50.safetensors");
            SafeTensorsWriter.write(file, tensors, Map.of());
            ResNet target = new ResNet(ResNet.Config.defaults());
            target.initialize(m);
            LoadReport report = target.loadPretrained(file);
            assertEquals(List.of("fc.weight", "fc.bias"), report.dropped().stream().sorted((a, b) -> b.compareTo(a)).toList());
            assertEquals(List.of("layer2.0.bn1.num_batches_tracked"), report.fresh());
            assertEquals(0f, target.stateTensors().get("layer3.2.conv2.weight").array()
                    .sub(source.stateTensors().get("layer3.2.conv2.weight").array()).abs().max().getFloat());
        }
    }
}
