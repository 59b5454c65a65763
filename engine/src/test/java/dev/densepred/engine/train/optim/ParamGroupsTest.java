package dev.densepred.engine.train.optim;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.train.TinyNet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parameter groups of {@link TinyNet} under mmengine's paramwise rules, each expectation derived by hand. */
class ParamGroupsTest {

    private static final double LR = 1e-4;
    private static final double WD = 0.05;

    private static ParamGroups.Config paramwise(String json) {
        return Config.of(JsonParser.parseString(json).getAsJsonObject(), "paramwise.json").bind(ParamGroups.Config.class);
    }

    /** name -> {lr, wd}; the model is never initialised, grouping needs only declarations. */
    private static Map<String, double[]> settings(ParamGroups groups) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (ParamGroup g : groups.groups()) {
            for (String p : g.params()) {
                out.put(p, new double[] {g.lr(), g.weightDecay()});
            }
        }
        return out;
    }

    private static void assertSettings(Map<String, double[]> expected, Map<String, double[]> actual) {
        List<Executable> checks = new ArrayList<>();
        checks.add(() -> assertEquals(expected.keySet(), actual.keySet(), "grouped parameters"));
        expected.forEach((name, e) -> checks.add(() -> {
            double[] a = actual.get(name);
            assertEquals(e[0], a[0], 1e-15, name + " lr");
            assertEquals(e[1], a[1], 1e-15, name + " weight decay");
        }));
        assertAll(checks);
    }

    @Test
    void swinStyleNoDecayOnNormsBiasesAndFlatParametersWithACustomHeadKey() {
        ParamGroups g = ParamGroups.build(new TinyNet(TinyNet.Norm.BATCH), paramwise("{\"norm_decay_mult\":0,"
                + "\"bias_decay_mult\":0,\"flat_decay_mult\":0,\"custom_keys\":{\"head\":{\"lr_mult\":10},\"absolute_pos_embed\":{}}}"),
                LR, WD, null);
        Map<String, double[]> e = new LinkedHashMap<>();
        e.put("stem.weight", new double[] {LR, WD});
        e.put("stem.bias", new double[] {LR, 0});
        e.put("norm.weight", new double[] {LR, 0});
        e.put("norm.bias", new double[] {LR, 0});
        e.put("dw.weight", new double[] {LR, WD});
        e.put("dw.bias", new double[] {LR, 0});
        e.put("gamma", new double[] {LR, 0});
        // a custom key wins over every other rule, the bias rule included
        e.put("head.weight", new double[] {10 * LR, WD});
        e.put("head.bias", new double[] {10 * LR, WD});
        assertSettings(e, settings(g));
        assertEquals(List.of("absolute_pos_embed"), g.unusedKeys());
        assertEquals(3, g.groups().size(), "groups are unique (lr, wd) pairs");
    }

    @Test
    void biasLrAndDepthwiseRulesInMmengineOrder() {
        ParamGroups g = ParamGroups.build(new TinyNet(TinyNet.Norm.LAYER),
                paramwise("{\"bias_lr_mult\":2,\"dwconv_decay_mult\":0.5}"), LR, WD, null);
        Map<String, double[]> e = new LinkedHashMap<>();
        e.put("stem.weight", new double[] {LR, WD});
        e.put("stem.bias", new double[] {2 * LR, WD});
        e.put("norm.weight", new double[] {LR, WD});
        e.put("norm.bias", new double[] {LR, WD});
        e.put("dw.weight", new double[] {LR, 0.5 * WD});
        e.put("dw.bias", new double[] {2 * LR, 0.5 * WD});
        e.put("gamma", new double[] {LR, WD});
        e.put("head.weight", new double[] {LR, WD});
        e.put("head.bias", new double[] {2 * LR, WD});
        assertSettings(e, settings(g));
    }

    @Test
    void longestCustomKeyWinsThenAlphabeticalAndFrozenParametersAreLeftOut() {
        TinyNet net = new TinyNet(TinyNet.Norm.BATCH);
        net.children().get("norm").setTrainable(false);
        ParamGroups g = ParamGroups.build(net, paramwise("{\"custom_keys\":{\"dw\":{\"lr_mult\":2},\"dw.bias\":{\"lr_mult\":3},"
                + "\"d\":{\"lr_mult\":5},\"tem\":{\"decay_mult\":0.1},\"ste\":{\"decay_mult\":0.2}}}"), LR, WD, null);
        Map<String, double[]> s = settings(g);
        assertFalse(s.containsKey("norm.weight") || s.containsKey("norm.bias"), "frozen norm is not optimised");
        assertAll(
                () -> assertEquals(3 * LR, s.get("dw.bias")[0], 1e-15, "dw.bias takes the longest key"),
                () -> assertEquals(2 * LR, s.get("dw.weight")[0], 1e-15, "dw.weight"),
                () -> assertEquals(5 * LR, s.get("head.weight")[0], 1e-15, "'head' contains 'd'"),
                () -> assertEquals(0.2 * WD, s.get("stem.weight")[1], 1e-15, "equal length: 'ste' before 'tem'"),
                () -> assertEquals(WD, s.get("gamma")[1], 1e-15, "no key, no rule"));
        assertEquals(List.of("tem"), g.unusedKeys(), "'tem' lost every match to 'ste'");
    }

    @Test
    void layerDecayScalesByLayerAndDropsDecayOnFlatParameters() {
        LayerDecay.LayerIds ids = new LayerDecay.LayerIds() {
            @Override
            public int numLayers() {
                return 2;
            }

            @Override
            public int layerId(String name) {
                return name.startsWith("stem") ? 0 : name.startsWith("norm") || name.startsWith("dw") ? 1 : name.equals("gamma") ? 2 : 3;
            }
        };
        ParamGroups g = ParamGroups.build(new TinyNet(TinyNet.Norm.BATCH), paramwise("{\"layer_decay\":{\"decay_rate\":0.5}}"), LR, WD, ids);
        Map<String, double[]> e = new LinkedHashMap<>();
        e.put("stem.weight", new double[] {LR * 0.125, WD});
        e.put("stem.bias", new double[] {LR * 0.125, 0});
        e.put("norm.weight", new double[] {LR * 0.25, 0});
        e.put("norm.bias", new double[] {LR * 0.25, 0});
        e.put("dw.weight", new double[] {LR * 0.25, WD});
        e.put("dw.bias", new double[] {LR * 0.25, 0});
        e.put("gamma", new double[] {LR * 0.5, 0});
        e.put("head.weight", new double[] {LR, WD});
        e.put("head.bias", new double[] {LR, 0});
        assertSettings(e, settings(g));
        assertEquals("layer_0_decay", g.groups().stream().filter(x -> x.params().contains("stem.weight")).findFirst().orElseThrow().name());
    }

    @Test
    void refusesLayerDecayWithoutIdsOrMixedWithOtherRules() {
        ConfigException mixed = assertThrows(ConfigException.class,
                () -> paramwise("{\"norm_decay_mult\":0,\"layer_decay\":{\"decay_rate\":0.9}}"));
        assertTrue(mixed.getMessage().contains("paramwise.json"), mixed.getMessage());
        IllegalArgumentException noIds = assertThrows(IllegalArgumentException.class, () -> ParamGroups.build(
                new TinyNet(TinyNet.Norm.BATCH), paramwise("{\"layer_decay\":{\"decay_rate\":0.9}}"), LR, WD, null));
        assertTrue(noIds.getMessage().contains("layerIds"), noIds.getMessage());
    }
}
