package dev.densepred.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

class FeatureInfoTest {

    @Test
    void refusesNonPositiveChannelsOrStridesAndUnnamedModules() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FeatureInfo(0, 4, "stages.0")).getMessage().contains("channels"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FeatureInfo(8, 0, "stages.0")).getMessage().contains("stride"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FeatureInfo(8, 4, "")).getMessage().contains("module"));
    }

    @Test
    void levelsMustNotShrinkTheirStride() {
        List<FeatureInfo> ok = List.of(new FeatureInfo(8, 4, "a"), new FeatureInfo(16, 4, "b"), new FeatureInfo(32, 8, "c"));
        assertEquals(ok, FeatureInfo.checkLevels(ok));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeatureInfo.checkLevels(List.of(new FeatureInfo(8, 8, "a"), new FeatureInfo(16, 4, "b"))));
        assertTrue(e.getMessage().contains("level 1 ('b') has stride 4 after 8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FeatureInfo.checkLevels(List.of()));
    }
}
