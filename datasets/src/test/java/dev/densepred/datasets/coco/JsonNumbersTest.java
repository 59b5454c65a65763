package dev.densepred.datasets.coco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.stream.JsonReader;

import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.Locale;
import java.util.SplittableRandom;

/** The fast number path gives exactly {@link Double#parseDouble}'s doubles. */
class JsonNumbersTest {

    @Test
    void sameBitsAsParseDouble() {
        SplittableRandom rnd = new SplittableRandom(11);
        String[] fixed = {"0", "-0", "0.7", "224.24", "1e5", "1E-7", "123456789012345", "1234567890123456789",
            "0.000000000000001", "0.30000000000000004", "-17.05", "5e-324", "640", "0.1"};
        for (String s : fixed) {
            check(s);
        }
        for (int i = 0; i < 100_000; i++) {
            int decimals = rnd.nextInt(8);
            double v = rnd.nextDouble(-1e6, 1e6);
            check(String.format(Locale.ROOT, "%." + decimals + "f", v));
        }
    }

    @Test
    void refusesQuotedNumbers() {
        JsonReader r = new JsonReader(new StringReader("[\"1.5\"]"));
        assertThrows(IllegalStateException.class, () -> {
            r.beginArray();
            JsonNumbers.nextDouble(r);
        });
    }

    private static void check(String s) {
        assertEquals(Double.doubleToRawLongBits(Double.parseDouble(s)), Double.doubleToRawLongBits(JsonNumbers.parse(s)), s);
    }
}
