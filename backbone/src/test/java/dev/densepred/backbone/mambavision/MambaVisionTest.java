package dev.densepred.backbone.mambavision;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.Parity;
import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MambaVision against the numpy reference of NVlabs' code in {@code ${fixtures.dir}/mambavision/} (see its README): a
 * small network with CNN levels, MambaVision mixers, attention blocks, layer scales and padded windows.
 */
class MambaVisionTest {

    private static final double TOLERANCE = 1e-4;

    private static Path file(String name) {
        return Fixtures.dir("mambavision").resolve(name);
    }

    private static MambaVision.Config mini() {
        return new MambaVision.Config(List.of(1, 2, 3, 2), List.of(2, 2, 4, 4), List.of(8, 8, 4, 3), 16, 8, 4, 0.0, 0.5, 0.5, 3,
                List.of(0, 1, 2, 3), null);
    }

    @Test
    void referenceNamedWeightsReproduceTheReferenceAtEveryScale() throws IOException {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsReader io = SafeTensorsReader.open(file("mini_io.safetensors"))) {
            MambaVision model = new MambaVision(mini());
            model.initialize(m);
            LoadReport report = model.loadPretrained(file("mini.safetensors"));
            assertEquals(model.stateTensors().size(), report.loaded(), report.summary());
            assertTrue(report.dropped().stream().allMatch(k -> k.startsWith("norm.") || k.startsWith("head.")), report.summary());
            assertEquals(7, report.dropped().size(), report.summary());
            model.train(false);
            NDArray input = io.load("input", m);
            List<NDArray> outs = model.forward(input);
            List<Executable> checks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                checks.add(Parity.closeRelative("out" + i, io.load("out" + i, m), outs.get(i), TOLERANCE));
            }
            try (Autograd.Recording r = Autograd.record()) {
                List<NDArray> recorded = model.forward(input);
                checks.add(Parity.closeRelative("recorded out3", io.load("out3", m), recorded.get(3), TOLERANCE));
            }
            assertAll(checks);
        }
    }

    @Test
    void tinyHasTheReferenceLayoutAndParameterCount() {
        MambaVision tiny = new MambaVision(MambaVision.Config.tiny());
        assertEquals(List.of(80, 160, 320, 640), tiny.featureInfo().stream().map(FeatureInfo::channels).toList());
        assertEquals(List.of(4, 8, 16, 32), tiny.featureInfo().stream().map(FeatureInfo::stride).toList());
        // mamba_vision_T: 31.79M with the classifier (BatchNorm 2 * 640 + head 640 * 1000 + 1000); outnorms add 2 * 1200
        long classifier = 2 * 640 + 640 * 1000 + 1000;
        long published = tiny.parameterCount() - 2 * 1200 + classifier;
        assertEquals(31.79e6, published, 0.01e6);
        // blocks 0-3 of level 2 (depth 8) mix with Mamba, 4-7 attend; level 3 (depth 4): 0-1 Mamba, 2-3 attention
        assertTrue(tiny.stateTensors().containsKey("levels.2.blocks.3.mixer.A_log"));
        assertTrue(tiny.stateTensors().containsKey("levels.2.blocks.4.mixer.qkv.weight"));
        assertTrue(tiny.stateTensors().containsKey("levels.3.blocks.1.mixer.conv1d_z.weight"));
        assertTrue(tiny.stateTensors().containsKey("levels.3.blocks.2.mixer.proj.bias"));
        assertTrue(!tiny.stateTensors().containsKey("levels.3.downsample.reduction.0.weight"));
    }

    @Test
    void refusesBadDropPathAndLayerScaleNamingTheValue() {
        IllegalArgumentException drop = assertThrows(IllegalArgumentException.class, () -> new MambaVision.Config(
                List.of(1, 2, 3, 2), List.of(2, 2, 4, 4), List.of(8, 8, 4, 3), 16, 8, 4, 1.0, 0.5, 0.5, 3, List.of(0, 1, 2, 3), null));
        assertTrue(drop.getMessage().contains("drop_path_rate must be in [0, 1), got 1.0"), drop.getMessage());
        IllegalArgumentException scale = assertThrows(IllegalArgumentException.class, () -> new MambaVision.Config(
                List.of(1, 2, 3, 2), List.of(2, 2, 4, 4), List.of(8, 8, 4, 3), 16, 8, 4, 0.0, 0.5, -1, 3, List.of(0, 1, 2, 3), null));
        assertTrue(scale.getMessage().contains("layer_scale_conv -1.0 must be >= 0"), scale.getMessage());
    }
}
