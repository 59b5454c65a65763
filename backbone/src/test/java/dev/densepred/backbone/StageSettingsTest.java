package dev.densepred.backbone;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** The shared stage checks: what they refuse, and that each message names the setting and the bad value. */
class StageSettingsTest {

    private static void refused(Runnable check, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, check::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void depthsAndDimsMustPairUpAndBeLargeEnough() {
        assertDoesNotThrow(() -> StageSettings.checkDepthsAndDims(List.of(3, 3, 9, 3), List.of(96, 192, 384, 576), 2));
        refused(() -> StageSettings.checkDepthsAndDims(List.of(), List.of(), 1), "must be non-empty lists of the same length");
        refused(() -> StageSettings.checkDepthsAndDims(List.of(3, 3), List.of(96), 1), "depths [3, 3] and dims [96]");
        refused(() -> StageSettings.checkDepthsAndDims(List.of(3, 0), List.of(96, 192), 1), "stage 1: depth 0");
        refused(() -> StageSettings.checkDepthsAndDims(List.of(3, 3), List.of(96, 1), 2), "dim 1 >= 2");
    }

    @Test
    void outIndicesIncreaseStrictlyWithinTheStages() {
        List<Integer> given = new ArrayList<>(List.of(0, 2, 3));
        List<Integer> checked = StageSettings.checkOutIndices(given, 4);
        given.set(0, 1);
        assertEquals(List.of(0, 2, 3), checked, "the checked list is a copy");
        refused(() -> StageSettings.checkOutIndices(List.of(), 4), "at least one stage");
        refused(() -> StageSettings.checkOutIndices(List.of(1, 1), 4), "out_indices [1, 1] must increase strictly within 0..3");
        refused(() -> StageSettings.checkOutIndices(List.of(2, 4), 4), "within 0..3");
        refused(() -> StageSettings.checkOutIndices(List.of(-1), 4), "out_indices [-1]");
    }

    @Test
    void dropPathRateIsAProbabilityBelowOne() {
        assertDoesNotThrow(() -> StageSettings.checkDropPathRate(0));
        assertDoesNotThrow(() -> StageSettings.checkDropPathRate(0.6));
        refused(() -> StageSettings.checkDropPathRate(1), "drop_path_rate must be in [0, 1), got 1.0");
        refused(() -> StageSettings.checkDropPathRate(-0.1), "got -0.1");
        refused(() -> StageSettings.checkDropPathRate(Double.NaN), "got NaN");
    }
}
