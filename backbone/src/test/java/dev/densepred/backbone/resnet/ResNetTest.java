package dev.densepred.backbone.resnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.backbone.BackboneRegistry;
import dev.densepred.backbone.Checkpoint;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.io.SafeTensorsWriter;
import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.testing.Fixtures;

import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    private static ResNet build(String json) {
        return (ResNet) BackboneRegistry.build(Config.of(JsonParser.parseString(json).getAsJsonObject(), "test.json"));
    }

    /** A narrow ResNetV1c-50 (stem 8-8-16, widths 8..64), fast enough to run forward passes in a unit test. */
    private static ResNet narrowV1c(String extra) {
        return build("{\"type\": \"ResNetV1c\", \"stem_channels\": 16, \"base_channels\": 8" + extra + "}");
    }

    @Test
    void resNetV1cHasMmcvsDeepStemKeysAndMmsegsDefaults() {
        ResNet v1c = build("{\"type\": \"ResNetV1c\", \"depth\": 50}");
        assertEquals(ResNet.Config.defaults().withDeepStem(true).withFrozenStages(-1).withNormEval(false), v1c.config());
        Map<String, Shape> stem = new TreeMap<>();
        v1c.stateTensors().forEach((k, p) -> {
            if (!k.startsWith("layer")) {
                stem.put(k, p.shape());
            }
        });
        Map<String, Shape> expected = new TreeMap<>();
        expected.put("stem.0.weight", new Shape(32, 3, 3, 3));
        expected.put("stem.3.weight", new Shape(32, 32, 3, 3));
        expected.put("stem.6.weight", new Shape(64, 32, 3, 3));
        for (String bn : List.of("stem.1", "stem.4", "stem.7")) {
            long c = bn.equals("stem.7") ? 64 : 32;
            for (String t : List.of("weight", "bias", "running_mean", "running_var")) {
                expected.put(bn + "." + t, new Shape(c));
            }
            expected.put(bn + ".num_batches_tracked", new Shape());
        }
        assertEquals(expected, stem, "mmcv's names: stem.{0,3,6} conv, stem.{1,4,7} BatchNorm, no conv1/bn1");
        assertEquals(new Shape(64, 64, 1, 1), v1c.stateTensors().get("layer1.0.conv1.weight").shape());
        assertEquals(new Shape(256, 64, 1, 1), v1c.stateTensors().get("layer1.0.downsample.0.weight").shape());
        // timm's resnet50c (the same network): 25,576,264 parameters, of which fc has 2048 * 1000 + 1000
        assertEquals(25_576_264L - 2_049_000L, v1c.parameterCount());
        assertEquals(List.of(256, 512, 1024, 2048), v1c.featureInfo().stream().map(FeatureInfo::channels).toList());
        assertEquals(List.of(4, 8, 16, 32), v1c.featureInfo().stream().map(FeatureInfo::stride).toList());
        // the same network through the plain type, as mmseg's ResNet(deep_stem=True)
        assertEquals(v1c.config(), build("{\"type\": \"ResNet\", \"deep_stem\": true, \"frozen_stages\": -1, \"norm_eval\": false}").config());
        // ResNetV1c sets deep_stem itself; mmseg refuses the keyword as well
        ConfigException e = assertThrows(ConfigException.class, () -> build("{\"type\": \"ResNetV1c\", \"deep_stem\": false}"));
        assertTrue(e.getMessage().contains("deep_stem"), e.getMessage());
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet narrow = narrowV1c("");
            narrow.initialize(m);
            narrow.train(false);
            try (NDManager iteration = m.newSubManager()) {
                m.cap(); // the forward pass must add nothing to the model's manager
                List<NDArray> maps = narrow.forward(iteration.randomNormal(new Shape(1, 3, 65, 97)));
                assertEquals(List.of(new Shape(1, 32, 17, 25), new Shape(1, 64, 9, 13), new Shape(1, 128, 5, 7), new Shape(1, 256, 3, 4)),
                        maps.stream().map(NDArray::getShape).toList());
            }
        }
    }

    @Test
    void frozenStagesFreezeTheDeepStemThenTheLayers() {
        for (int frozen = 0; frozen <= 2; frozen++) {
            ResNet model = narrowV1c(", \"frozen_stages\": " + frozen);
            model.train(true);
            List<String> prefixes = new ArrayList<>(List.of("stem."));
            for (int s = 1; s <= frozen; s++) {
                prefixes.add("layer" + s + ".");
            }
            for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
                boolean inFrozen = prefixes.stream().anyMatch(e.getKey()::startsWith);
                assertEquals(!inFrozen, e.getValue().trainable(), "frozen_stages " + frozen + ": " + e.getKey());
            }
            for (Map.Entry<String, Module> e : model.modules().entrySet()) {
                if (e.getValue() instanceof BatchNorm2d bn) {
                    boolean inFrozen = prefixes.stream().anyMatch(e.getKey()::startsWith);
                    assertEquals(inFrozen, bn.isFrozen(), "frozen_stages " + frozen + ": " + e.getKey());
                    assertTrue(bn.isTraining(), e.getKey() + ": norm_eval false leaves the mode alone");
                }
            }
        }
    }

    @Test
    void trainingUpdatesRunningStatisticsOutsideFrozenStagesAndEvaluationReadsThem() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            NDArray images = m.randomNormal(new Shape(2, 3, 64, 64));
            ResNet model = narrowV1c(", \"frozen_stages\": 1");
            model.initialize(m);
            Map<String, float[]> before = buffers(model);
            model.train(false);
            float[] evalBefore = model.forward(images).get(3).toFloatArray();
            model.train(true);
            model.forward(images);
            Map<String, float[]> after = buffers(model);
            for (String k : before.keySet()) {
                boolean frozen = k.startsWith("stem.") || k.startsWith("layer1.");
                if (frozen) {
                    assertArrayEquals(before.get(k), after.get(k), k + " is frozen: its statistics stay");
                } else if (k.endsWith("num_batches_tracked")) {
                    assertEquals(1f, after.get(k)[0], k);
                } else {
                    assertFalse(Arrays.equals(before.get(k), after.get(k)), k + " trains on batch statistics");
                }
            }
            model.train(false);
            float[] evalAfter = model.forward(images).get(3).toFloatArray();
            assertNotEquals(Arrays.toString(evalBefore), Arrays.toString(evalAfter),
                    "evaluation reads the updated running statistics");
            assertArrayEquals(evalAfter, model.forward(images).get(3).toFloatArray(), "evaluation changes nothing");
            Map<String, float[]> afterEval = buffers(model);
            after.forEach((k, v) -> assertArrayEquals(v, afterEval.get(k), k + " after evaluation"));

            ResNet normEval = narrowV1c(", \"norm_eval\": true");
            normEval.initialize(m);
            Map<String, float[]> fresh = buffers(normEval);
            normEval.train(true);
            normEval.forward(images);
            Map<String, float[]> trained = buffers(normEval);
            fresh.forEach((k, v) -> assertArrayEquals(v, trained.get(k), k + ": norm_eval keeps every statistic"));
        }
    }

    @Test
    void legacyTorchFilesLoad() throws IOException {
        // torch.save's pre-1.6 layout, in which older model-zoo files (mmcv's resnet50_v1c-2cccc1ad.pth) were released
        Path legacy = Fixtures.dir("resnet_v1c").resolve("legacy_format.pth");
        float[] arange = new float[216];
        for (int i = 0; i < arange.length; i++) {
            arange[i] = i;
        }
        try (Checkpoint ckpt = Checkpoint.open(legacy); NDManager m = NDManager.newBaseManager()) {
            assertEquals(List.of("stem.0.weight"), List.copyOf(ckpt.shapes().keySet()));
            assertArrayEquals(new long[] {8, 3, 3, 3}, ckpt.shapes().get("stem.0.weight"));
            assertArrayEquals(arange, ckpt.load("stem.0.weight", m).toFloatArray());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet model = narrowV1c("");
            model.initialize(m);
            // the one tensor fits the network; the strict loader reports everything else as missing
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.loadPretrained(legacy));
            assertTrue(e.getMessage().startsWith(legacy + ": weights do not fit ResNet"), e.getMessage());
            assertTrue(e.getMessage().contains("missing from the file: "), e.getMessage());
            assertFalse(e.getMessage().contains("stem.0.weight"), e.getMessage());
        }
    }

    @Test
    void tarTorchFilesAreRefusedWithTheConversionCommand(@TempDir Path dir) throws IOException {
        // torch.save's tar layout of torch's earliest releases: a POSIX tar header ("ustar" at byte 257)
        byte[] header = new byte[512];
        System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 5);
        Path tar = dir.resolve("resnet50-ancient.pth");
        Files.write(tar, header);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.open(tar));
        assertTrue(e.getMessage().startsWith(tar + ": not a readable PyTorch checkpoint: a tar archive"), e.getMessage());
        assertTrue(e.getMessage().contains("torch.save(torch.load('" + tar + "', map_location='cpu')"), e.getMessage());
    }

    private static Map<String, float[]> buffers(ResNet model) {
        Map<String, float[]> out = new TreeMap<>();
        model.stateTensors().forEach((k, p) -> {
            if (p.kind() == Parameter.Kind.BUFFER) {
                NDArray a = p.array();
                out.put(k, k.endsWith("num_batches_tracked") ? new float[] {a.getLong()} : a.toFloatArray());
            }
        });
        return out;
    }
}
