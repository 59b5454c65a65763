package dev.densepred.datasets.coco;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.math.BigInteger;

/**
 * Reads JSON numbers as doubles faster than {@link JsonReader#nextDouble()}, with identical values. COCO files hold
 * tens of millions of numbers: short decimals in annotations ({@code 224.24}) and 17-digit ones in results
 * (float32 boxes and scores printed by Python, {@code 0.4809255003929138}), where {@link Double#parseDouble} is slow.
 *
 * <p>Two exact paths, then the JDK: up to 15 digits with a power-of-ten exponent of at most 22 is one correctly
 * rounded IEEE multiplication or division (Clinger's fast path); up to 19 significant digits goes through the
 * Eisel-Lemire algorithm (Lemire, "Number Parsing at a Gigabyte per Second", 2021), which either returns the correctly
 * rounded double or gives up on the rare ambiguous inputs; everything else, and every give-up, is
 * {@link Double#parseDouble}.
 *
 * <p>Stricter than Gson: a quoted number is refused, and so is a number outside the double range.
 */
public final class JsonNumbers {

    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
        1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    private static final int MIN_EXP10 = -342;
    private static final int MAX_EXP10 = 308;
    /** 128-bit mantissas of 5^q (truncated for q >= 0, rounded up for q < 0), q = MIN_EXP10..MAX_EXP10. */
    private static final long[] POW5_HI = new long[MAX_EXP10 - MIN_EXP10 + 1];
    private static final long[] POW5_LO = new long[MAX_EXP10 - MIN_EXP10 + 1];

    static {
        BigInteger mask64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        for (int q = MIN_EXP10; q <= MAX_EXP10; q++) {
            BigInteger c;
            if (q >= 0) {
                c = BigInteger.valueOf(5).pow(q);
                int bits = c.bitLength();
                c = bits <= 128 ? c.shiftLeft(128 - bits) : c.shiftRight(bits - 128);
            } else {
                BigInteger p = BigInteger.valueOf(5).pow(-q);
                int z = p.bitLength();
                int b = q >= -27 ? z + 127 : 2 * z + 128;
                c = BigInteger.ONE.shiftLeft(b).divide(p).add(BigInteger.ONE);
                if (c.bitLength() > 128) {
                    c = c.shiftRight(c.bitLength() - 128);
                }
            }
            POW5_HI[q - MIN_EXP10] = c.shiftRight(64).longValue();
            POW5_LO[q - MIN_EXP10] = c.and(mask64).longValue();
        }
    }

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

    /** {@link Double#parseDouble} of a JSON number literal, bit for bit. */
    static double parse(String s) {
        int n = s.length();
        int i = 0;
        boolean negative = n > 0 && s.charAt(0) == '-';
        if (negative) {
            i++;
        }
        long m = 0;
        int significant = 0;
        int digits = 0;
        int decimals = -1;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
                if (decimals >= 0) {
                    decimals++;
                }
                if (significant > 0 || c != '0') {
                    if (++significant > 19) {
                        return Double.parseDouble(s);
                    }
                    m = m * 10 + (c - '0');
                }
            } else if (c == '.' && decimals < 0) {
                decimals = 0;
            } else {
                break;
            }
        }
        int exp10 = decimals > 0 ? -decimals : 0;
        if (i < n) {
            char c = s.charAt(i);
            if ((c != 'e' && c != 'E') || i + 1 >= n || n - i > 7) {
                return Double.parseDouble(s);
            }
            i++;
            boolean expNegative = s.charAt(i) == '-';
            if (s.charAt(i) == '-' || s.charAt(i) == '+') {
                i++;
            }
            int e = 0;
            int expDigits = 0;
            for (; i < n; i++) {
                c = s.charAt(i);
                if (c < '0' || c > '9') {
                    return Double.parseDouble(s);
                }
                e = e * 10 + (c - '0');
                expDigits++;
            }
            if (expDigits == 0) {
                return Double.parseDouble(s);
            }
            exp10 += expNegative ? -e : e;
        }
        if (digits == 0) {
            return Double.parseDouble(s);
        }
        if (m == 0) {
            return negative ? -0.0 : 0.0;
        }
        double v;
        if (m > 0 && m <= (1L << 53) && exp10 >= -22 && exp10 <= 22) {
            v = exp10 < 0 ? m / POW10[-exp10] : m * POW10[exp10];
        } else {
            v = eiselLemire(m, exp10);
            if (Double.isNaN(v)) {
                return Double.parseDouble(s);
            }
        }
        return negative ? -v : v;
    }

    /**
     * The correctly rounded {@code man * 10^exp10} ({@code man} unsigned, non-zero), or NaN when the algorithm cannot
     * decide.
     */
    private static double eiselLemire(long man, int exp10) {
        if (exp10 < MIN_EXP10 || exp10 > MAX_EXP10) {
            return Double.NaN;
        }
        int clz = Long.numberOfLeadingZeros(man);
        man <<= clz;
        long retExp2 = ((217706L * exp10) >> 16) + 64 + 1023 - clz;
        long hi = POW5_HI[exp10 - MIN_EXP10];
        long lo = POW5_LO[exp10 - MIN_EXP10];
        long xHi = unsignedMultiplyHigh(man, hi);
        long xLo = man * hi;
        // The truncated product may be off by one in its low bits: refine with the next 64 bits of the power.
        if ((xHi & 0x1FF) == 0x1FF && Long.compareUnsigned(xLo + man, man) < 0) {
            long yHi = unsignedMultiplyHigh(man, lo);
            long yLo = man * lo;
            long mergedHi = xHi;
            long mergedLo = xLo + yHi;
            if (Long.compareUnsigned(mergedLo, xLo) < 0) {
                mergedHi++;
            }
            if ((mergedHi & 0x1FF) == 0x1FF && mergedLo + 1 == 0 && Long.compareUnsigned(yLo + man, man) < 0) {
                return Double.NaN;
            }
            xHi = mergedHi;
            xLo = mergedLo;
        }
        long msb = xHi >>> 63;
        long retMantissa = xHi >>> (msb + 9);
        retExp2 -= 1 ^ msb;
        // Exactly halfway between two doubles: leave it to the JDK.
        if (xLo == 0 && (xHi & 0x1FF) == 0 && (retMantissa & 3) == 1) {
            return Double.NaN;
        }
        retMantissa += retMantissa & 1;
        retMantissa >>>= 1;
        if ((retMantissa >>> 53) > 0) {
            retMantissa >>>= 1;
            retExp2 += 1;
        }
        // Subnormal, infinite or NaN results go to the JDK.
        if (Long.compareUnsigned(retExp2 - 1, 0x7FF - 1) >= 0) {
            return Double.NaN;
        }
        return Double.longBitsToDouble((retExp2 << 52) | (retMantissa & 0x000FFFFFFFFFFFFFL));
    }

    private static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }
}
