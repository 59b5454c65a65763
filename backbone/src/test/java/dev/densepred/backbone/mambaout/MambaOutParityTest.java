package dev.densepred.backbone.mambaout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.backbone.LoadReport;
import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.nn.Parameter;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MambaOut against timm's outputs, for every network in {@code ${fixtures.dir}/mambaout/} (each
 * {@code NAME_config.json} with {@code NAME.safetensors}, {@code NAME_io.safetensors} and, when present,
 * {@code NAME_official.safetensors} / {@code NAME_official.pth}); see that folder's README for how they were made.
 */
class MambaOutParityTest {

    /** Float32 agreement with timm on CPU, absolute. */
    static final double TOLERANCE = 1e-4;
    /**
     * Float16 weights (WEIGHT/BIAS kinds, norms stay float32) and input against the float32 reference: absolute error
     * at most this fraction of the reference tensor's largest magnitude. The mini network lands at 1e-3 to 3.2e-3
     * (float16 keeps 11 significant bits).
     */
    static final double FP16_RELATIVE_TOLERANCE = 1e-2;

    static List<String> networks() {
        return Fixtures.list(Fixtures.dir("mambaout"), "_config.json").stream()
                .map(p -> p.getFileName().toString().replace("_config.json", ""))
                .toList();
    }

    private static Path file(String name) {
        return Fixtures.dir("mambaout").resolve(name);
    }

    /** The network a fixture describes, with its classifier. */
    static MambaOut.Config configOf(String name) throws IOException {
        JsonObject c = JsonParser.parseString(Files.readString(file(name + "_config.json"))).getAsJsonObject();
        assertEquals(1e-6, c.get("norm_eps").getAsDouble(), name + ": only eps 1e-6 LayerNorms are implemented");
        List<Integer> depths = ints(c.getAsJsonArray("depths"));
        JsonElement ls = c.get("ls_init_value");
        return new MambaOut.Config(depths, ints(c.getAsJsonArray("dims")), c.get("in_chans").getAsInt(),
                c.get("kernel_size").getAsInt(), c.get("expansion_ratio").getAsDouble(), c.get("conv_ratio").getAsDouble(),
                Boolean.parseBoolean(option(c, "stem_mid_norm", "stem.stem_mid_norm", "(\\w+)")),
                MambaOut.Downsampling.valueOf(option(c, "downsample", "downsample.type", "downsample=\"(\\w+)\"").toUpperCase(Locale.ROOT)),
                ls.isJsonNull() ? null : ls.getAsDouble(),
                MambaOut.Activation.valueOf(option(c, "act_layer", "act", "^(\\w+)").toUpperCase(Locale.ROOT)),
                MambaOut.HeadFn.valueOf(option(c, "head_fn", "head.type", "head_fn=\"(\\w+)\"").toUpperCase(Locale.ROOT)),
                0.0, MambaOut.Config.allStages(depths), c.get("num_classes").getAsInt(), null);
    }

    /**
     * A timm argument of the fixture: a plain top-level value ({@code mini_rw}), or else read from the descriptive entry
     * at {@code path} (dot-separated) of the shared fixture's layout ({@code mini}), whose text names it
     * ({@code pattern}'s group 1).
     */
    private static String option(JsonObject c, String key, String path, String pattern) {
        if (c.has(key) && c.get(key).isJsonPrimitive()) {
            return c.get(key).getAsString();
        }
        JsonElement d = c;
        for (String part : path.split("\\.")) {
            d = d.isJsonObject() ? d.getAsJsonObject().get(part) : null;
            assertTrue(d != null, "fixture config: neither '" + key + "' nor '" + path + "'");
        }
        String text = d.getAsString();
        Matcher m = Pattern.compile(pattern).matcher(text);
        assertTrue(m.find(), "fixture config: no " + pattern + " in '" + path + "': " + text);
        return m.group(1);
    }

    /** A network built from {@code config}, initialised in {@code m}, with {@code weights} loaded, in evaluation mode. */
    static MambaOut loaded(MambaOut.Config config, Path weights, NDManager m) throws IOException {
        MambaOut model = new MambaOut(config);
        model.initialize(m);
        model.loadPretrained(weights);
        model.train(false);
        return model;
    }

    /** Every intermediate the io file holds, computed by {@code model}. */
    static Map<String, NDArray> outputs(MambaOut model, NDArray input) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        NDArray x = model.stem().forward(input);
        out.put("stem", x.transpose(0, 3, 1, 2));
        for (int i = 0; i < model.stages().size(); i++) {
            x = model.stages().get(i).forward(x);
            out.put("stage" + i, x.transpose(0, 3, 1, 2)); // [N, H, W, C] -> [N, C, H, W]
        }
        NDArray pooled = MlpHead.pool(x);
        out.put("pooled", pooled);
        out.put("pre_logits", model.head().preLogits(pooled));
        out.put("logits", model.classify(input));
        return out;
    }

    @ParameterizedTest
    @MethodSource("networks")
    void timmNamedWeightsReproduceTimm(String name) throws IOException {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsReader io = SafeTensorsReader.open(file(name + "_io.safetensors"))) {
            MambaOut model = new MambaOut(configOf(name));
            model.initialize(m);
            LoadReport report = model.loadPretrained(file(name + ".safetensors"));
            assertEquals("timm", report.naming());
            assertEquals(model.stateTensors().size(), report.loaded(), report.summary());
            model.train(false);
            Map<String, NDArray> got = outputs(model, io.load("input", m));
            List<Executable> checks = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : got.entrySet()) {
                checks.add(close(name + " " + e.getKey(), io.load(e.getKey(), m), e.getValue(), TOLERANCE));
            }
            assertAll(checks);
        }
    }

    @ParameterizedTest
    @MethodSource("networks")
    void officialNamedWeightsGiveIdenticalOutputs(String name) throws IOException {
        List<Path> official = new ArrayList<>();
        for (String suffix : List.of("_official.safetensors", "_official.pth")) {
            if (Files.exists(file(name + suffix))) {
                official.add(file(name + suffix));
            }
        }
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsReader io = SafeTensorsReader.open(file(name + "_io.safetensors"))) {
            NDArray input = io.load("input", m);
            Map<String, NDArray> reference = outputs(loaded(configOf(name), file(name + ".safetensors"), m), input);
            List<Executable> checks = new ArrayList<>();
            for (Path f : official) {
                MambaOut model = new MambaOut(configOf(name));
                model.initialize(m);
                LoadReport report = model.loadPretrained(f);
                model.train(false);
                checks.add(() -> assertEquals("official", report.naming(), f.toString()));
                for (Map.Entry<String, NDArray> e : outputs(model, input).entrySet()) {
                    checks.add(close(f.getFileName() + " " + e.getKey(), reference.get(e.getKey()), e.getValue(), 0.0));
                }
            }
            assertAll(checks);
        }
    }

    @ParameterizedTest
    @MethodSource("networks")
    void denseModeDropsTheHeadAndNormsEachStage(String name) throws IOException {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsReader io = SafeTensorsReader.open(file(name + "_io.safetensors"))) {
            MambaOut model = new MambaOut(configOf(name).withNumClasses(0));
            model.initialize(m);
            LoadReport report = model.loadPretrained(file(name + ".safetensors"));
            int stages = model.stages().size();
            assertEquals(2 * stages, report.fresh().size(), report.summary());
            assertTrue(report.fresh().stream().allMatch(k -> k.startsWith("outnorm")), report.summary());
            assertTrue(!report.dropped().isEmpty() && report.dropped().stream().allMatch(k -> k.startsWith("head.")), report.summary());
            model.train(false);
            List<NDArray> maps = model.forward(io.load("input", m));
            List<Executable> checks = new ArrayList<>();
            for (int i = 0; i < stages; i++) {
                checks.add(close(name + " stage" + i + "_norm", io.load("stage" + i + "_norm", m), maps.get(i), TOLERANCE));
            }
            assertAll(checks);
        }
    }

    @ParameterizedTest
    @MethodSource("networks")
    void float16ForwardStaysCloseToFloat32(String name) throws IOException {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsReader io = SafeTensorsReader.open(file(name + "_io.safetensors"))) {
            MambaOut model = loaded(configOf(name), file(name + ".safetensors"), m);
            for (Parameter p : model.parameters().values()) {
                if (p.kind() == Parameter.Kind.WEIGHT || p.kind() == Parameter.Kind.BIAS || p.kind() == Parameter.Kind.OTHER) {
                    p.replace(p.array().toType(DataType.FLOAT16, false));
                }
            }
            NDArray input = io.load("input", m).toType(DataType.FLOAT16, false);
            Map<String, NDArray> got = outputs(model, input);
            List<Executable> checks = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : got.entrySet()) {
                NDArray ref = io.load(e.getKey(), m);
                double scale = ref.abs().max().getFloat();
                checks.add(() -> assertEquals(DataType.FLOAT16, e.getValue().getDataType(), name + " " + e.getKey() + ": dtype"));
                checks.add(close(name + " fp16 " + e.getKey(), ref, e.getValue().toType(DataType.FLOAT32, false), FP16_RELATIVE_TOLERANCE * scale));
            }
            assertAll(checks);
        }
    }

    @ParameterizedTest
    @MethodSource("networks")
    void gradientRecordingPathGivesTheSameOutputs(String name) throws IOException {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsReader io = SafeTensorsReader.open(file(name + "_io.safetensors"))) {
            MambaOut model = loaded(configOf(name).withNumClasses(0), file(name + ".safetensors"), m);
            NDArray input = io.load("input", m);
            List<NDArray> plain = model.forward(input);
            List<NDArray> recorded;
            try (Autograd.Recording r = Autograd.record()) {
                recorded = model.forward(input);
            }
            List<Executable> checks = new ArrayList<>();
            for (int i = 0; i < plain.size(); i++) {
                checks.add(close(name + " recorded stage" + i, plain.get(i), recorded.get(i), 1e-5));
            }
            assertAll(checks);
        }
    }

    /** Shapes equal and max |expected - actual| within {@code tol}; the message names the case and the worst element. */
    static Executable close(String what, NDArray expected, NDArray actual, double tol) {
        return () -> {
            assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
            float[] e = expected.toFloatArray();
            float[] a = actual.toFloatArray();
            double worst = -1;
            int at = -1;
            for (int i = 0; i < e.length; i++) {
                double d = Math.abs((double) e[i] - a[i]);
                if (!(d <= worst)) {
                    worst = d;
                    at = i;
                }
            }
            if (e.length > 0) {
                final double w = worst;
                final int idx = at;
                assertTrue(w <= tol, () -> what + ": max |diff| " + w + " at flat index " + idx + " (expected " + e[idx]
                        + ", got " + a[idx] + ") exceeds " + tol);
            }
        };
    }

    private static List<Integer> ints(JsonArray a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(v -> out.add(v.getAsInt()));
        return out;
    }
}
