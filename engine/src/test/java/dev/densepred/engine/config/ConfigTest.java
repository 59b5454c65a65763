package dev.densepred.engine.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class ConfigTest {

    @TempDir
    Path dir;

    enum Mode { BILINEAR, NEAREST }

    record Backbone(String type, List<Integer> depths, double dropPathRate, int[] outIndices) {
        static Backbone defaults() {
            return new Backbone("MambaOut", List.of(3, 3, 9, 3), 0.0, new int[] {0, 1, 2, 3});
        }
    }

    record Optimizer(double lr, double weightDecay, List<Double> betas) {
        static Optimizer defaults() {
            return new Optimizer(1e-4, 0.05, List.of(0.9, 0.999));
        }
    }

    record Model(Backbone backbone, int numClasses, Mode mode, Map<String, Double> lrMult, Config head) {
        static Model defaults() {
            return new Model(Backbone.defaults(), 80, Mode.BILINEAR, Map.of(), null);
        }
    }

    record Root(Model model, Optimizer optimizer, long maxIters, boolean fp16) {
        Root {
            if (maxIters <= 0) {
                throw new IllegalArgumentException("max_iters must be positive, got " + maxIters);
            }
        }

        static Root defaults() {
            return new Root(Model.defaults(), Optimizer.defaults(), 1000, false);
        }
    }

    record Strict(int a, String b) {}

    private Path write(String name, String json) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, json);
        return p;
    }

    @Test
    void mergesBasesRecursivelyInOrderWithTheChildOnTop() throws IOException {
        write("_base_/model.json", "{\"model\": {\"backbone\": {\"depths\": [1,1,2,1], \"drop_path_rate\": 0.1}, \"num_classes\": 80}}");
        write("_base_/schedule.json", "{\"optimizer\": {\"lr\": 0.0002, \"betas\": [0.8, 0.9]}, \"max_iters\": 500}");
        Path child = write("sub/child.json",
                "{\"_base_\": [\"../_base_/model.json\", \"../_base_/schedule.json\"], \"model\": {\"backbone\": {\"drop_path_rate\": 0.3}}, \"fp16\": true}");
        Root r = ConfigLoader.load(child).bind(Root.class);
        assertEquals(List.of(1, 1, 2, 1), r.model().backbone().depths());
        assertEquals(0.3, r.model().backbone().dropPathRate());
        assertEquals(80, r.model().numClasses());
        assertEquals(2e-4, r.optimizer().lr());
        assertEquals(List.of(0.8, 0.9), r.optimizer().betas());
        assertEquals(0.05, r.optimizer().weightDecay(), "missing key takes the record default");
        assertEquals(500, r.maxIters());
        assertTrue(r.fp16());
        assertArrayEquals(new int[] {0, 1, 2, 3}, r.model().backbone().outIndices());
    }

    @Test
    void singleStringBaseAndMultiLevelChains() throws IOException {
        write("a.json", "{\"max_iters\": 10, \"model\": {\"num_classes\": 3}}");
        write("b.json", "{\"_base_\": \"a.json\", \"max_iters\": 20}");
        Path c = write("c.json", "{\"_base_\": \"b.json\", \"fp16\": true}");
        Root r = ConfigLoader.load(c).bind(Root.class);
        assertEquals(20, r.maxIters());
        assertEquals(3, r.model().numClasses());
        assertTrue(r.fp16());
    }

    @Test
    void deleteReplacesTheInheritedSubtree() throws IOException {
        write("base.json", "{\"model\": {\"backbone\": {\"type\": \"ResNet\", \"depths\": [3,4,6,3], \"drop_path_rate\": 0.2}}}");
        Path child = write("child.json",
                "{\"_base_\": \"base.json\", \"model\": {\"backbone\": {\"_delete_\": true, \"type\": \"MambaOut\", \"depths\": [3,3,9,3]}}}");
        Config cfg = ConfigLoader.load(child);
        JsonObject backbone = cfg.at("model.backbone").node().getAsJsonObject();
        assertFalse(backbone.has("drop_path_rate"), "the base's keys are gone");
        assertFalse(backbone.has("_delete_"), "the marker itself is removed");
        Root r = cfg.bind(Root.class);
        assertEquals("MambaOut", r.model().backbone().type());
        assertEquals(0.0, r.model().backbone().dropPathRate(), "the default, not the deleted base value");
        assertTrue(cfg.originOf("model.backbone.type").endsWith("child.json"));
    }

    @Test
    void overridesAreTypedAndReachIntoLists() throws IOException {
        Path c = write("c.json", "{\"model\": {\"backbone\": {\"depths\": [1,1,1,1]}}, \"optimizer\": {\"betas\": [0.9, 0.999]}}");
        Root r = ConfigLoader.load(c, List.of(
                "optimizer.lr=2e-4", "fp16=true", "model.backbone.type=ResNet", "model.backbone.depths=[3,4,6,3]",
                "optimizer.betas.1=0.98", "model.mode=nearest", "max_iters=160000", "model.lr_mult={\"backbone\": 0.1}")).bind(Root.class);
        assertEquals(2e-4, r.optimizer().lr());
        assertTrue(r.fp16());
        assertEquals("ResNet", r.model().backbone().type());
        assertEquals(List.of(3, 4, 6, 3), r.model().backbone().depths());
        assertEquals(List.of(0.9, 0.98), r.optimizer().betas());
        assertEquals(Mode.NEAREST, r.model().mode());
        assertEquals(160000L, r.maxIters());
        assertEquals(Map.of("backbone", 0.1), r.model().lrMult());
    }

    @Test
    void overrideValueParsing() {
        assertEquals(JsonParser.parseString("2e-4"), Overrides.parseValue("2e-4"));
        assertEquals(JsonParser.parseString("\"ResNet\""), Overrides.parseValue("ResNet"));
        assertEquals(JsonParser.parseString("\"/data/coco\""), Overrides.parseValue("/data/coco"));
        assertEquals(JsonParser.parseString("\"quoted value\""), Overrides.parseValue("\"quoted value\""));
        assertEquals(JsonParser.parseString("\"NaN\""), Overrides.parseValue("NaN"), "not a strict JSON literal");
        assertEquals(JsonParser.parseString("\"1 2\""), Overrides.parseValue("1 2"));
        assertEquals(JsonParser.parseString("\"\""), Overrides.parseValue(""));
        assertTrue(Overrides.parseValue("null").isJsonNull());
    }

    @Test
    void unknownKeyNamesFilePathAndClosestKeys() throws IOException {
        write("base.json", "{\"optimizer\": {\"lr\": 0.1}}");
        Path c = write("child.json", "{\"_base_\": \"base.json\", \"model\": {\"backbone\": {\"drop_pth_rate\": 0.3}}}");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(c).bind(Root.class));
        String m = e.getMessage();
        assertTrue(m.contains(c.toString()), m);
        assertTrue(m.contains("'model.backbone.drop_pth_rate'"), m);
        assertTrue(m.contains("did you mean 'drop_path_rate'"), m);
        assertTrue(m.contains("valid keys here: type, depths, drop_path_rate, out_indices"), m);
    }

    @Test
    void unknownKeyInABaseNamesTheBase() throws IOException {
        Path base = write("base.json", "{\"optimizer\": {\"weight_decy\": 0.1}}");
        Path c = write("child.json", "{\"_base_\": \"base.json\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(c).bind(Root.class));
        assertTrue(e.getMessage().startsWith(base.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'weight_decay'"), e.getMessage());
    }

    @Test
    void unknownKeyFromTheCommandLineNamesTheFlag() throws IOException {
        Path c = write("c.json", "{}");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(c, List.of("optimizer.lr_rate=3")).bind(Root.class));
        assertTrue(e.getMessage().startsWith("--set optimizer.lr_rate=3"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'lr'"), e.getMessage());
    }

    @Test
    void typeErrorsSayWhatWasExpectedAndFound() throws IOException {
        Path c = write("c.json", "{\"max_iters\": 1.5}");
        assertMessage(() -> ConfigLoader.load(c).bind(Root.class), "'max_iters': expected an integer, found 1.5");
        Path d = write("d.json", "{\"fp16\": \"yes\"}");
        assertMessage(() -> ConfigLoader.load(d).bind(Root.class), "'fp16': expected true or false, found the string \"yes\"");
        Path e = write("e.json", "{\"model\": {\"mode\": \"bilinearr\"}}");
        assertMessage(() -> ConfigLoader.load(e).bind(Root.class), "unknown value 'bilinearr' (did you mean 'bilinear'?)");
        Path f = write("f.json", "{\"model\": {\"backbone\": {\"depths\": [1, \"x\"]}}}");
        assertMessage(() -> ConfigLoader.load(f).bind(Root.class), "'model.backbone.depths.1': expected a number");
        Path g = write("g.json", "{\"model\": 3}");
        assertMessage(() -> ConfigLoader.load(g).bind(Root.class), "'model': expected an object");
        Path h = write("h.json", "{\"max_iters\": 3000000000000000000000}");
        assertMessage(() -> ConfigLoader.load(h).bind(Root.class), "'max_iters': expected an integer");
    }

    @Test
    void validationInRecordConstructorsIsReportedWithTheLocation() throws IOException {
        Path c = write("c.json", "{\"max_iters\": -1}");
        assertMessage(() -> ConfigLoader.load(c).bind(Root.class), "max_iters must be positive, got -1");
        // the file holds a valid value: the message names the flag that set the bad one
        Path d = write("d.json", "{\"max_iters\": 10, \"model\": {\"num_classes\": 3}}");
        assertMessage(() -> ConfigLoader.load(d, List.of("model.num_classes=4", "max_iters=-1")).bind(Root.class),
                d + " (with --set max_iters=-1, --set model.num_classes=4): max_iters must be positive");
        Config model = ConfigLoader.load(d, List.of("max_iters=-1")).at("model");
        assertEquals(d + ": 'model'", model.describe());
    }

    @Test
    void recordsWithoutDefaultsNeedEveryKey() {
        Config cfg = Config.of(JsonParser.parseString("{\"a\": 1}").getAsJsonObject(), "inline");
        assertMessage(() -> cfg.bind(Strict.class), "missing key 'b' (required by Strict");
        Strict s = Config.of(JsonParser.parseString("{\"a\": 1, \"b\": null}").getAsJsonObject(), "inline").bind(Strict.class);
        assertNull(s.b());
    }

    @Test
    void rawSubtreesStayConfigsForRegistries() throws IOException {
        Path c = write("c.json", "{\"model\": {\"head\": {\"type\": \"Fcn\", \"channels\": 256}}}");
        Root r = ConfigLoader.load(c).bind(Root.class);
        Config head = r.model().head();
        assertEquals("model.head", head.path());
        assertEquals("Fcn", head.type());
        assertEquals(c.toString(), head.originOf("model.head.channels"));
    }

    @Test
    void cyclesMissingBasesAndBadJsonAreReported() throws IOException {
        write("x.json", "{\"_base_\": \"y.json\"}");
        Path y = write("y.json", "{\"_base_\": \"x.json\"}");
        assertMessage(() -> ConfigLoader.load(y), "_base_ cycle: y.json -> x.json -> y.json");
        Path m = write("m.json", "{\"_base_\": \"nope.json\"}");
        assertMessage(() -> ConfigLoader.load(m), "no such config file (a _base_ of " + m + ")");
        Path bad = write("bad.json", "{\"a\": }");
        assertMessage(() -> ConfigLoader.load(bad), bad + ": invalid JSON");
        Path arr = write("arr.json", "[1]");
        assertMessage(() -> ConfigLoader.load(arr), "a config must be a JSON object");
        Path base = write("badbase.json", "{\"_base_\": 3}");
        assertMessage(() -> ConfigLoader.load(base), "_base_ must be a path or a list of paths");
    }

    @Test
    void twoBasesMayNotSetTheSameTopLevelKey() throws IOException {
        write("p.json", "{\"optimizer\": {\"lr\": 1}}");
        write("q.json", "{\"optimizer\": {\"lr\": 2}}");
        Path c = write("c.json", "{\"_base_\": [\"p.json\", \"q.json\"]}");
        assertMessage(() -> ConfigLoader.load(c), "key 'optimizer' is set by two bases");
    }

    @Test
    void badOverridesAreReported() throws IOException {
        Path c = write("c.json", "{\"optimizer\": {\"betas\": [0.9, 0.99]}, \"max_iters\": 3}");
        assertMessage(() -> ConfigLoader.load(c, List.of("optimizer.lr")), "expected key.path=value");
        assertMessage(() -> ConfigLoader.load(c, List.of("optimizer.betas.5=1")), "index 5 is out of range for the 2-element list 'optimizer.betas'");
        assertMessage(() -> ConfigLoader.load(c, List.of("optimizer.betas.x=1")), "is a list; use a numeric index");
        assertMessage(() -> ConfigLoader.load(c, List.of("max_iters.x=1")), "'max_iters' is a value, not an object");
    }

    @Test
    void registryBuildsByTypeAndListsRegisteredTypes() {
        record Fcn(int channels) {
            static Fcn defaults() {
                return new Fcn(256);
            }
        }
        Registry<String> heads = new Registry<String>("head").register("Fcn", Fcn.class, f -> "fcn" + f.channels());
        Config ok = Config.of(JsonParser.parseString("{\"type\": \"Fcn\", \"channels\": 128}").getAsJsonObject(), "cfg.json");
        assertEquals("fcn128", heads.build(ok));
        Config typo = Config.of(JsonParser.parseString("{\"type\": \"Fnc\"}").getAsJsonObject(), "cfg.json");
        assertMessage(() -> heads.build(typo), "cfg.json: '.type': unknown head type 'Fnc' (did you mean 'Fcn'?); registered: Fcn");
        Config noType = Config.of(new JsonObject(), "cfg.json");
        assertMessage(() -> heads.build(noType), "missing \"type\" string");
    }

    @Test
    void namesConvertAndSuggest() {
        assertEquals("drop_path_rate", Names.toSnake("dropPathRate"));
        assertEquals("p2_channels", Names.toSnake("p2Channels"));
        assertEquals("lr", Names.toSnake("lr"));
        assertEquals(List.of("lr"), Names.closest("lrr", List.of("lr", "weight_decay", "betas")));
        assertEquals(1, Names.distance("ab", "ba"));
        assertTrue(Names.closest("zzzzzz", List.of("lr", "betas")).isEmpty());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String fragment) {
        ConfigException ex = assertThrows(ConfigException.class, e);
        assertTrue(ex.getMessage().contains(fragment), "expected '" + fragment + "' in: " + ex.getMessage());
    }
}
