package dev.densepred.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HEIGHTxWIDTH option values, as every benchmark reads them. */
class HeightWidthTest {

    @Test
    void readsHeightThenWidth() {
        assertArrayEquals(new int[] {800, 1333}, HeightWidth.parse("--size", "800x1333"));
        assertArrayEquals(new int[] {224, 224}, HeightWidth.parse("--size", " 224 X 224 "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"64by96", "800", "800x", "x800", "800x1333x3", "0x224", "224x-1", "axb", "99999999999x1"})
    void refusesAnythingElseNamingTheOptionAndValue(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeightWidth.parse("--image", value));
        assertEquals("--image: '" + value + "' is not HEIGHTxWIDTH with positive sides, e.g. 800x1333", e.getMessage());
    }
}
