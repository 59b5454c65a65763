package dev.densepred.backbone.convnext;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.Parity;
import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.io.SafeTensorsWriter;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ConvNeXt against the numpy reference of timm's ConvNeXt in {@code ${fixtures.dir}/convnext/} (see its README), and
 * the published sizes.
 */
class ConvNeXtTest {

    private static final double TOLERANCE = 1e-4;

    private static Path file(String name) {
        return Fixtures.dir("convnext").resolve(name);
    }

    private static ConvNeXt.Config mini() {
        return new ConvNeXt.Config(List.of(1, 1, 2, 1), List.of(16, 32, 48, 64), 3, 0.0, 1e-6, List.of(0, 1, 2, 3), null);
    }

    @Test
    void timmNamedWeightsReproduceTheReferenceAtEveryScale() throws IOException {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsReader io = SafeTensorsReader.open(file("mini_io.safetensors"))) {
            ConvNeXt model = new ConvNeXt(mini());
            model.initialize(m);
            LoadReport report = model.loadPretrained(file("mini.safetensors"));
            assertEquals(model.stateTensors().size(), report.loaded(), report.summary());
            assertEquals(List.of("head.norm.weight", "head.norm.bias", "head.fc.weight", "head.fc.bias"), report.dropped());
            model.train(false);
            List<NDArray> outs = model.forward(io.load("input", m));
            List<Executable> checks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                checks.add(Parity.closeRelative("out" + i, io.load("out" + i, m), outs.get(i), TOLERANCE));
            }
            assertAll(checks);
            try (Autograd.Recording r = Autograd.record()) {
                List<NDArray> recorded = model.forward(io.load("input", m));
                assertAll(Parity.closeRelative("recorded out3", io.load("out3", m), recorded.get(3), TOLERANCE));
            }
        }
    }

    @Test
    void timmCheckpointWithoutOutputNormsKeepsThemFresh(@TempDir Path tmp) throws IOException {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsReader full = SafeTensorsReader.open(file("mini.safetensors"))) {
            Path timmOnly = tmp.resolve("timm_only.safetensors");
            Map<String, NDArray> kept = new LinkedHashMap<>();
            for (String k : full.tensors().keySet()) {
                if (!k.matches("norm\\d\\..*")) {
                    kept.put(k, full.load(k, m));
                }
            }
            SafeTensorsWriter.write(timmOnly, kept, Map.of());
            ConvNeXt model = new ConvNeXt(mini());
            model.initialize(m);
            LoadReport report = model.loadPretrained(timmOnly);
            assertEquals(List.of("norm0.weight", "norm0.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
                    "norm3.weight", "norm3.bias"), report.fresh());
        }
    }

    @Test
    void wrongShapesAreReportedWithTheFile() {
        try (NDManager m = NDManager.newBaseManager()) {
            ConvNeXt model = new ConvNeXt(new ConvNeXt.Config(List.of(1, 1, 2, 1), List.of(16, 32, 48, 72), 3, 0.0, 1e-6, List.of(0, 1, 2, 3), null));
            model.initialize(m);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.loadPretrained(file("mini.safetensors")));
            assertTrue(e.getMessage().contains("mini.safetensors") && e.getMessage().contains("stages.3.blocks.0.gamma"), e.getMessage());
        }
    }

    @Test
    void tinyHasTheDenseShapesAndTimmsParameterCount() {
        ConvNeXt tiny = new ConvNeXt(ConvNeXt.Config.tiny());
        assertEquals(List.of(96, 192, 384, 768), tiny.featureInfo().stream().map(FeatureInfo::channels).toList());
        assertEquals(List.of(4, 8, 16, 32), tiny.featureInfo().stream().map(FeatureInfo::stride).toList());
        // timm convnext_tiny: 28,589,128 with the 1000-class head (768 * 1000 + 1000 + LayerNorm 2 * 768);
        // dense mode adds norm0..3: 2 * (96 + 192 + 384 + 768)
        assertEquals(28_589_128L - 768_000 - 1_000 - 1_536 + 2_880, tiny.parameterCount());
        // fvcore counts 4.47 GMACs for convnext_tiny at 224 (conv and linear layers, head 0.8M)
        assertEquals(4.47e9, tiny.macs(224, 224), 0.02e9);
        try (NDManager m = NDManager.newBaseManager()) {
            ConvNeXt small = new ConvNeXt(mini());
            small.initialize(m);
            small.train(false);
            List<NDArray> maps = small.forward(m.randomNormal(new Shape(1, 3, 96, 64)));
            assertEquals(new Shape(1, 64, 3, 2), maps.get(3).getShape());
        }
    }
}
