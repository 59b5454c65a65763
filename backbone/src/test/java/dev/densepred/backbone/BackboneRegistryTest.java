package dev.densepred.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.backbone.mambaout.MambaOut;
import dev.densepred.backbone.resnet.ResNet;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

class BackboneRegistryTest {

    private static Config config(String json) {
        return Config.of(JsonParser.parseString(json).getAsJsonObject(), "test.json");
    }

    @Test
    void buildsBothTypesFromConfigsFillingMissingKeysFromDefaults() {
        Backbone mambaout = BackboneRegistry.build(config(
                "{\"type\": \"MambaOut\", \"depths\": [3, 4, 27, 3], \"dims\": [96, 192, 384, 576], \"drop_path_rate\": 0.4,"
                        + " \"out_indices\": [1, 2, 3], \"pretrained\": \"mambaout_small.pth\"}"));
        MambaOut.Config c = ((MambaOut) mambaout).config();
        assertEquals(MambaOut.Config.small().withDropPathRate(0.4).withOutIndices(List.of(1, 2, 3)).withPretrained("mambaout_small.pth"), c);
        assertEquals(List.of(192, 384, 576), mambaout.featureInfo().stream().map(FeatureInfo::channels).toList());
        assertEquals(Path.of("mambaout_small.pth"), mambaout.pretrained().orElseThrow());

        Backbone resnet = BackboneRegistry.build(config("{\"type\": \"ResNet\"}"));
        assertEquals(ResNet.Config.defaults(), ((ResNet) resnet).config());
        assertEquals(List.of(256, 512, 1024, 2048), resnet.featureInfo().stream().map(FeatureInfo::channels).toList());
        assertEquals(List.of(4, 8, 16, 32), resnet.featureInfo().stream().map(FeatureInfo::stride).toList());
        assertTrue(resnet.pretrained().isEmpty());
    }

    @Test
    void unknownTypesAndKeysAreReportedWithTheValidOnes() {
        ConfigException type = assertThrows(ConfigException.class, () -> BackboneRegistry.build(config("{\"type\": \"MambaOuts\"}")));
        assertTrue(type.getMessage().contains("registered: ConvNeXt, MambaOut, MambaVision, ResNet, ResNetV1c, Vim"), type.getMessage());
        ConfigException key = assertThrows(ConfigException.class,
                () -> BackboneRegistry.build(config("{\"type\": \"MambaOut\", \"drop_path\": 0.3}")));
        assertTrue(key.getMessage().contains("drop_path_rate"), key.getMessage());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> BackboneRegistry.build(config("{\"type\": \"ResNet\", \"depth\": 34}")));
        assertTrue(bad.getMessage().contains("depth must be one of"), bad.getMessage());
        assertEquals(Set.of("ConvNeXt", "MambaOut", "MambaVision", "ResNet", "ResNetV1c", "Vim"), BackboneRegistry.registry().types());
    }

    @Test
    void configKeysAreSnakeCase() {
        JsonObject dense = JsonParser.parseString("{\"type\": \"MambaOut\", \"num_classes\": 0, \"conv_ratio\": 1.0, \"kernel_size\": 7,"
                + " \"expansion_ratio\": 2.6666666666666665, \"in_chans\": 3}").getAsJsonObject();
        assertEquals(MambaOut.Config.tiny(), ((MambaOut) BackboneRegistry.build(Config.of(dense, "t.json"))).config());
    }

    @Test
    void timmsRwOptionsBindUnderTimmsArgumentNames() {
        Backbone plus = BackboneRegistry.build(config("{\"type\": \"MambaOut\", \"depths\": [3, 4, 30, 3], \"dims\": [128, 256, 512, 768],"
                + " \"expansion_ratio\": 3.0, \"conv_ratio\": 1.5, \"stem_mid_norm\": false, \"downsample\": \"conv_nf\","
                + " \"ls_init_value\": 1e-6, \"act_layer\": \"silu\", \"head_fn\": \"norm_mlp\"}"));
        assertEquals(MambaOut.Config.basePlusRw(), ((MambaOut) plus).config());
        ConfigException act = assertThrows(ConfigException.class,
                () -> BackboneRegistry.build(config("{\"type\": \"MambaOut\", \"act_layer\": \"relu\"}")));
        assertTrue(act.getMessage().contains("act_layer") && act.getMessage().contains("silu"), act.getMessage());
    }
}
