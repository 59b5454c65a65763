package dev.densepred.backbone.mambaout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import dev.densepred.engine.testing.Fixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@link MambaOutKeys} against the timm-to-official pairs each fixture's config lists, both ways. Fixtures of timm's
 * {@code _rw} family list none: the official code has no such models.
 */
class MambaOutKeysTest {

    static List<String> networks() throws IOException {
        List<String> out = new ArrayList<>();
        for (String name : MambaOutParityTest.networks()) {
            if (pairs(name) != null) {
                out.add(name);
            }
        }
        assertFalse(out.isEmpty(), "no fixture lists key_map_timm_to_official");
        return out;
    }

    private static JsonElement pairs(String name) throws IOException {
        return JsonParser.parseString(Files.readString(Fixtures.dir("mambaout").resolve(name + "_config.json")))
                .getAsJsonObject().get("key_map_timm_to_official");
    }

    @ParameterizedTest
    @MethodSource("networks")
    void mapsEveryFixtureKeyBothWays(String name) throws IOException {
        JsonElement pairs = pairs(name);
        List<Executable> checks = new ArrayList<>();
        for (JsonElement pair : pairs.getAsJsonArray()) {
            String timm = pair.getAsJsonArray().get(0).getAsString();
            String official = pair.getAsJsonArray().get(1).getAsString();
            checks.add(() -> assertEquals(official, MambaOutKeys.toOfficial(timm), name + ": " + timm));
            checks.add(() -> assertEquals(timm, MambaOutKeys.toTimm(official), name + ": " + official));
        }
        assertFalse(checks.isEmpty());
        assertAll(checks);
    }

    @Test
    void tellsTheConventionsApartDespiteTheHeadNormCollision() {
        assertTrue(MambaOutKeys.isOfficial(Set.of("downsample_layers.0.conv1.weight", "head.norm.weight")));
        assertFalse(MambaOutKeys.isOfficial(Set.of("stem.conv1.weight", "head.norm.weight")));
        assertEquals("head.pre_logits.norm.weight", MambaOutKeys.toTimm("head.norm.weight"));
        assertEquals("norm.weight", MambaOutKeys.toOfficial("head.norm.weight"));
        assertEquals("outnorm2.bias", MambaOutKeys.toTimm(MambaOutKeys.toOfficial("outnorm2.bias")));
    }
}
