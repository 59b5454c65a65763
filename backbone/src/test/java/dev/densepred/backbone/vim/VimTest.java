package dev.densepred.backbone.vim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Vim against the numpy reference of hustvl/Vim's dense backbone in {@code ${fixtures.dir}/vim/} (see its README):
 * bidirectional Mamba blocks, the fpn pyramid, the middle-class-token position embedding and its bicubic resizing.
 */
class VimTest {

    private static final double TOLERANCE = 1e-4;

    private static Path file(String name) {
        return Fixtures.dir("vim").resolve(name);
    }

    private static Vim.Config mini() {
        return new Vim.Config(96, 16, 32, 4, 8, 4, 2, true, 1e-5, true, 0.0, List.of(0, 1, 2, 3), 3, null);
    }

    private static void check(Vim model, String io, NDManager m) throws IOException {
        try (SafeTensorsReader ref = SafeTensorsReader.open(file(io))) {
            NDArray input = ref.load("input", m);
            List<NDArray> outs = model.forward(input);
            List<Executable> checks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                checks.add(Parity.closeRelative(io + " out" + i, ref.load("out" + i, m), outs.get(i), TOLERANCE));
            }
            try (Autograd.Recording r = Autograd.record()) {
                List<NDArray> recorded = model.forward(input);
                checks.add(Parity.closeRelative(io + " recorded out0", ref.load("out0", m), recorded.get(0), TOLERANCE));
            }
            assertAll(checks);
        }
    }

    @Test
    void referenceNamedWeightsReproduceTheReferenceOnItsGridAndResized() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Vim model = new Vim(mini());
            model.initialize(m);
            LoadReport report = model.loadPretrained(file("mini.safetensors"));
            assertEquals(model.stateTensors().size(), report.loaded(), report.summary());
            assertEquals(List.of("cls_token", "norm_f.weight", "head.weight", "head.bias"), report.dropped(), report.summary());
            assertEquals(new ai.djl.ndarray.types.Shape(1, 36, 32), model.stateTensors().get("pos_embed").shape());
            model.train(false);
            check(model, "mini_io.safetensors", m);
            check(model, "mini_resized_io.safetensors", m);
        }
    }

    @Test
    void tinyHasTheDensePyramidAndTheReleasedParameterCount() {
        Vim tiny = new Vim(Vim.Config.tiny());
        assertEquals(List.of(192, 192, 192, 192), tiny.featureInfo().stream().map(FeatureInfo::channels).toList());
        assertEquals(List.of(4, 8, 16, 32), tiny.featureInfo().stream().map(FeatureInfo::stride).toList());
        // vim_tiny: 7,148,008 parameters as released (with cls_token 192, pos_embed 197 x 192, norm_f 192 and the
        // 1000-class head 193,000); the dense model keeps 196 positions and adds fpn1 (2 deconvs + BN) and fpn2
        long fpn = 3 * (192L * 192 * 4 + 192) + 2 * 192;
        long dense = 7_148_008L - 192 - 192 - 192 - 193_000 + fpn;
        assertEquals(dense, tiny.parameterCount());
        assertTrue(tiny.stateTensors().containsKey("layers.23.mixer.A_b_log"));
    }
}
