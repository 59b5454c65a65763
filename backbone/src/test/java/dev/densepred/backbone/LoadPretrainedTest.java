package dev.densepred.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import dev.densepred.backbone.mambaout.MambaOut;
import dev.densepred.backbone.mambaout.MambaOutKeys;
import dev.densepred.engine.io.SafeTensorsWriter;
import dev.densepred.engine.nn.Parameter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Strict weight loading: every mismatch listed in one error, dense-prediction differences in the report. */
class LoadPretrainedTest {

    private static Map<String, NDArray> state(Backbone model) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        model.stateTensors().forEach((k, p) -> out.put(k, p.array()));
        return out;
    }

    @Test
    void listsEveryMissingUnexpectedAndMisshapenKey(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            MambaOut source = new MambaOut(MambaOut.Config.mini().withNumClasses(10));
            source.initialize(m);
            Map<String, NDArray> tensors = state(source);
            tensors.remove("stages.2.blocks.1.fc2.bias");
            tensors.remove("stem.norm1.weight");
            tensors.put("stages.9.blocks.0.fc1.weight", m.zeros(new ai.djl.ndarray.types.Shape(2, 2)));
            tensors.put("stages.0.blocks.0.conv.weight", m.zeros(new ai.djl.ndarray.types.Shape(16, 1, 5, 5)));
            Path file = dir.resolve("broken.safetensors");
            SafeTensorsWriter.write(file, tensors, Map.of());

            MambaOut target = new MambaOut(MambaOut.Config.mini().withNumClasses(10));
            target.initialize(m);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> target.loadPretrained(file));
            String msg = e.getMessage();
            assertTrue(msg.startsWith(file.toString()), msg);
            assertTrue(msg.contains("2 missing from the file: stem.norm1.weight, stages.2.blocks.1.fc2.bias"), msg);
            assertTrue(msg.contains("1 in the file but not in the network: stages.9.blocks.0.fc1.weight"), msg);
            assertTrue(msg.contains("1 wrongly shaped: stages.0.blocks.0.conv.weight (network stages.0.blocks.0.conv.weight (16, 1, 7, 7), file (16, 1, 5, 5))"), msg);
        }
    }

    @Test
    void denseModeReportsTheDroppedHeadAndFreshNormsAndLoadsOfficialNames(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            MambaOut source = new MambaOut(MambaOut.Config.mini().withNumClasses(10));
            source.initialize(m);
            Map<String, NDArray> official = new LinkedHashMap<>();
            state(source).forEach((k, v) -> official.put(MambaOutKeys.toOfficial(k), v));
            Path file = dir.resolve("official.safetensors");
            SafeTensorsWriter.write(file, official, Map.of());

            MambaOut dense = new MambaOut(MambaOut.Config.mini());
            dense.initialize(m);
            LoadReport report = dense.loadPretrained(file);
            assertEquals("official", report.naming());
            assertEquals(dense.stateTensors().size() - 8, report.loaded());
            assertEquals(8, report.dropped().size(), report.summary());
            assertTrue(report.dropped().contains("norm.weight") && report.dropped().contains("head.fc2.bias"), report.summary());
            assertEquals(8, report.fresh().size(), report.summary());
            assertTrue(report.fresh().stream().allMatch(k -> k.startsWith("outnorm")), report.summary());
            assertTrue(!report.summary().contains("\n"), report.summary());
            NDArray loaded = dense.stateTensors().get("stages.2.blocks.1.fc1.weight").array();
            NDArray expected = source.stateTensors().get("stages.2.blocks.1.fc1.weight").array();
            assertEquals(0f, loaded.sub(expected).abs().max().getFloat());
        }
    }

    @Test
    void loadsIntoTheCurrentDtypeOfEachParameter(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            MambaOut source = new MambaOut(MambaOut.Config.mini());
            source.initialize(m);
            Path file = dir.resolve("w.safetensors");
            SafeTensorsWriter.write(file, state(source), Map.of());
            MambaOut half = new MambaOut(MambaOut.Config.mini());
            half.initialize(m);
            for (Parameter p : half.parameters().values()) {
                if (p.kind() == Parameter.Kind.WEIGHT) {
                    p.replace(p.array().toType(DataType.FLOAT16, false));
                }
            }
            half.loadPretrained(file);
            assertEquals(DataType.FLOAT16, half.stateTensors().get("stages.1.blocks.0.fc1.weight").array().getDataType());
            assertEquals(DataType.FLOAT32, half.stateTensors().get("stages.1.blocks.0.norm.weight").array().getDataType());
        }
    }

    @Test
    void aMissingFileIsNamed() {
        MambaOut model = new MambaOut(MambaOut.Config.mini());
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> model.loadPretrained(Path.of("nowhere/mambaout_tiny.pth")));
        assertTrue(e.getMessage().contains("nowhere/mambaout_tiny.pth"), e.getMessage());
    }
}
