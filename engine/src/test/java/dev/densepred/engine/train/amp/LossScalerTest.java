package dev.densepred.engine.train.amp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;

import org.junit.jupiter.api.Test;

/** GradScaler's update rule with mmcv's floor, step by step from hand-derived values. */
class LossScalerTest {

    private static MixedPrecision.Config fp16(String json) {
        return Config.of(JsonParser.parseString(json).getAsJsonObject(), "fp16.json").bind(MixedPrecision.Config.class);
    }

    @Test
    void dynamicScaleHalvesOnOverflowGrowsAfterTheIntervalAndKeepsItsFloor() {
        LossScaler s = new LossScaler(fp16("{\"enabled\":true,\"init_scale\":8,\"growth_interval\":2,\"min_scale\":2,\"max_consecutive_skips\":3}"));
        assertEquals(8, s.scale());
        s.update(false);
        assertEquals(8, s.scale(), "one clean step");
        s.update(false);
        assertEquals(16, s.scale(), "two clean steps double it");
        s.update(false);
        s.update(true);
        assertEquals(8, s.scale(), "an overflow halves it and resets the clean count");
        s.update(false);
        assertEquals(8, s.scale(), "the clean count restarted");
        s.update(true);
        s.update(true);
        assertEquals(2, s.scale());
        assertFalse(s.exhausted());
        s.update(true);
        assertEquals(2, s.scale(), "never below min_scale");
        assertTrue(s.exhausted(), "three overflows in a row");
        assertEquals(new LossScaler.State(2, 0, 4, 3), s.state());
        LossScaler restored = new LossScaler(fp16("{\"enabled\":true}"));
        restored.restore(s.state());
        assertEquals(s.state(), restored.state());
    }

    @Test
    void staticScaleNeverMovesAndDisabledScalesByOne() {
        LossScaler s = new LossScaler(fp16("{\"enabled\":true,\"loss_scale\":512,\"growth_interval\":1}"));
        s.update(false);
        s.update(true);
        assertEquals(512, s.scale());
        assertEquals(1, s.state().skippedSteps());
        assertEquals(1, new LossScaler(fp16("{}")).scale());
    }

    @Test
    void refusesAnUnknownLossScale() {
        ConfigException e = assertThrows(ConfigException.class, () -> fp16("{\"loss_scale\":\"auto\"}"));
        assertTrue(e.getMessage().contains("fp16.json") && e.getMessage().contains("dynamic"), e.getMessage());
    }
}
