package dev.densepred.backbone.resnet;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.BackboneRegistry;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.Parity;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.testing.Fixtures;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every network in {@code ${fixtures.dir}/resnet_v1c/} (timm's ResNet with random weights and BatchNorm statistics,
 * saved under mmcv's names; see its README), built from its config through the registry: the weights load strictly,
 * the four stage outputs match timm's in evaluation mode, and one training-mode forward matches timm's outputs on
 * batch statistics and leaves every BatchNorm buffer where PyTorch's momentum update puts it.
 */
class ResNetParityTest {

    /** Absolute tolerance on outputs of magnitude up to about 20, computed in float64 by the reference. */
    private static final double ABS_TOLERANCE = 1e-4;

    static List<Path> networks() {
        return Fixtures.list(Fixtures.dir("resnet_v1c"), "_config.json");
    }

    @ParameterizedTest
    @MethodSource("networks")
    void matchesTimmInEvaluationAndTraining(Path configFile) throws IOException {
        JsonObject fixture = JsonParser.parseString(Files.readString(configFile, StandardCharsets.UTF_8)).getAsJsonObject();
        Path dir = configFile.getParent();
        String name = configFile.getFileName().toString();
        try (NDManager m = NDManager.newBaseManager();
                SafeTensorsReader io = SafeTensorsReader.open(dir.resolve(fixture.get("io").getAsString()))) {
            Backbone model = BackboneRegistry.build(Config.of(fixture.getAsJsonObject("backbone"), configFile.toString()));
            model.initialize(m);
            LoadReport report = model.loadPretrained(dir.resolve(fixture.get("weights").getAsString()));
            assertEquals(model.stateTensors().size(), report.loaded(), report.summary());
            assertEquals(List.of(), report.fresh(), report.summary());
            assertEquals(List.of("fc.weight", "fc.bias"), report.dropped());

            model.train(false);
            NDArray input = io.load("input", m);
            List<NDArray> eval = model.forward(input);
            List<Executable> checks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                checks.add(closeAbsolute(name + " eval_out" + i, io.load("eval_out" + i, m), eval.get(i)));
            }
            assertAll(checks);

            model.train(true); // both fixtures train every BatchNorm (norm_eval false, nothing frozen)
            List<NDArray> train;
            try (Autograd.Recording r = Autograd.record()) {
                train = model.forward(input);
            }
            checks.clear();
            for (int i = 0; i < 4; i++) {
                checks.add(closeAbsolute(name + " train_out" + i, io.load("train_out" + i, m), train.get(i)));
            }
            int buffers = 0;
            for (Map.Entry<String, Parameter> e : model.stateTensors().entrySet()) {
                if (e.getValue().kind() != Parameter.Kind.BUFFER) {
                    continue;
                }
                buffers++;
                NDArray expected = io.load("after." + e.getKey(), m);
                NDArray actual = e.getValue().array();
                if (e.getKey().endsWith("num_batches_tracked")) {
                    checks.add(() -> assertEquals(expected.getLong(), actual.getLong(), e.getKey()));
                } else {
                    checks.add(Parity.closeRelative(name + " " + e.getKey() + " after one training forward", expected, actual, 1e-5));
                }
            }
            assertAll(checks);
            assertEquals(io.tensors().keySet().stream().filter(k -> k.startsWith("after.")).count(), buffers, "every BatchNorm buffer compared");
        }
    }

    private static Executable closeAbsolute(String what, NDArray expected, NDArray actual) {
        return () -> {
            assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
            float worst = expected.sub(actual).abs().max().getFloat();
            assertTrue(worst <= ABS_TOLERANCE, what + ": max |diff| " + worst + " exceeds " + ABS_TOLERANCE);
        };
    }
}
