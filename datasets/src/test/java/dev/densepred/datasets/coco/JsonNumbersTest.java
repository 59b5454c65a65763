package dev.densepred.datasets.coco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.stream.JsonReader;

import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.Locale;
import java.util.SplittableRandom;

/** The fast number paths give exactly {@link Double#parseDouble}'s doubles. */
class JsonNumbersTest {

    @Test
    void edgeCases() {
        String[] fixed = {"0", "-0", "0.0", "-0.0", "0e5", "0.7", "224.24", "1e5", "1E-7", "1e+22", "1e23", "123456789012345",
            "1234567890123456789", "9999999999999999999", "18446744073709551615", "12345678901234567890123",
            "0.000000000000001", "0.30000000000000004", "-17.05", "5e-324", "4.9e-324", "2.2250738585072014E-308",
            "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623159e308", "1e400", "-1e400", "1e-400",
            "9007199254740993", "9007199254740992", "9007199254740991", "0.1", "640", "2.5", "1.00000000000000011102230246251565",
            "7.2057594037927933e16", "0.4809255003929138", "89.88177490234375", "1e-05", "3.0E10", "123.456e-3"};
        for (String s : fixed) {
            check(s);
        }
    }

    @Test
    void randomNumbersOfEveryShape() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 40_000; i++) {
            // Short decimals, as in annotations.
            check(String.format(Locale.ROOT, "%." + rnd.nextInt(8) + "f", rnd.nextDouble(-1e6, 1e6)));
            // float32 values widened to double, as model outputs are written.
            check(Double.toString((double) (float) rnd.nextDouble(0, 1000)));
            check(Double.toString((double) Float.intBitsToFloat(rnd.nextInt())));
            // Arbitrary doubles, and 17 significant digits as Python's repr writes them.
            double d = Double.longBitsToDouble(rnd.nextLong());
            if (Double.isFinite(d)) {
                check(Double.toString(d));
                check(String.format(Locale.ROOT, "%.16e", d));
            }
            // Random digit strings with exponents, near-halfway cases included by chance.
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(20);
            for (int k = 0; k < len; k++) {
                sb.append((char) ('0' + rnd.nextInt(10)));
            }
            sb.append('e').append(rnd.nextInt(-340, 310));
            check(sb.toString());
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
