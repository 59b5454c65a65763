package dev.densepred.datasets.coco;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;

/**
 * Reads JSON numbers as doubles faster than {@link JsonReader#nextDouble()}, with identical values: COCO files hold
 * tens of millions of short decimals ({@code 224.24}), and a decimal with at most 15 digits and no exponent is
 * {@code digits / 10^decimals}, one correctly rounded IEEE division, which is exactly the double
 * {@link Double#parseDouble} returns (the classic fast path). Anything else goes to {@link Double#parseDouble}.
 *
 * <p>Stricter than Gson: a quoted number is refused, and so is a number outside the double range.
 */
public final class JsonNumbers {

    private static final double[] POW10 = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

    private JsonNumbers() {}

    /**
     * The next value, which must be a JSON number, as a finite double.
     *
     * @throws IllegalStateException when the next token is not a number
     * @throws NumberFormatException when the number does not fit a double
     */
    public static double nextDouble(JsonReader r) throws IOException {
        JsonToken t = r.peek();
        if (t != JsonToken.NUMBER) {
            throw new IllegalStateException("Expected a number but was " + t + " at path " + r.getPath());
        }
        String s = r.nextString();
        double v = parse(s);
        if (!Double.isFinite(v)) {
            throw new NumberFormatException("number " + s + " is outside the double range at path " + r.getPath());
        }
        return v;
    }

    /** {@link Double#parseDouble} of a JSON number literal, taking the exact fast path when it applies. */
    static double parse(String s) {
        int n = s.length();
        int i = 0;
        boolean negative = n > 0 && s.charAt(0) == '-';
        if (negative) {
            i++;
        }
        long m = 0;
        int digits = 0;
        int decimals = -1;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                m = m * 10 + (c - '0');
                digits++;
                if (decimals >= 0) {
                    decimals++;
                }
            } else if (c == '.' && decimals < 0) {
                decimals = 0;
            } else {
                return Double.parseDouble(s);
            }
        }
        if (digits == 0 || digits > 15) {
            return Double.parseDouble(s);
        }
        double v = decimals <= 0 ? (double) m : m / POW10[decimals];
        return negative ? -v : v;
    }
}
