package dev.densepred.datasets.coco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** The byte-level reader gives Gson's tokens and values on random documents, and refuses malformed ones. */
class Utf8JsonReaderTest {

    private static final String[] STRINGS = {"", "a", "image_id", "Q1P1Q101O1O1N100O1O1\\\\00O2N11O0O2O001N01K5L7Hg`3",
        "quote \\\" inside", "tab\\tnew\\nline", "slash \\/", "\\u00e9t\\u00e9", "\\ud83d\\ude00 emoji", "caf\u00e9 \u4e2d\u6587",
        "\\\\\\\\\\\\"};
    private static final String[] NUMBERS = {"0", "-0", "7", "-12", "640", "224.24", "0.4809255003929138", "1e5", "1E-7",
        "-3.5e+10", "123456789012345678", "9223372036854775807", "1.0", "0.000001", "89.88177490234375"};

    @Test
    void sameTokensAsGsonOnRandomDocuments() throws IOException {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int doc = 0; doc < 40; doc++) {
            StringBuilder sb = new StringBuilder("[");
            // Some documents span several 64 KiB buffers.
            int values = doc % 4 == 0 ? 3000 : 20;
            for (int i = 0; i < values; i++) {
                sb.append(i == 0 ? "" : ",").append(space(rnd));
                value(sb, rnd, 0);
            }
            sb.append(space(rnd)).append("]");
            String json = sb.toString();
            JsonReader gson = new JsonReader(new StringReader(json));
            JsonReader ours = new Utf8JsonReader(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
            walk(gson, ours, new SplittableRandom(doc), "doc " + doc);
            assertEquals(JsonToken.END_DOCUMENT, ours.peek(), "doc " + doc + ": end");
        }
    }

    @Test
    void pythonsNonFiniteLiteralsAreStrings() throws IOException {
        JsonReader r = new Utf8JsonReader(new ByteArrayInputStream("[NaN, Infinity, -Infinity, 1.5]".getBytes(StandardCharsets.US_ASCII)));
        r.beginArray();
        for (String want : new String[] {"NaN", "Infinity", "-Infinity"}) {
            assertEquals(JsonToken.STRING, r.peek(), want);
            assertEquals(want, r.nextString());
        }
        assertEquals(JsonToken.NUMBER, r.peek());
        assertEquals(1.5, r.nextDouble(), 0.0);
        r.endArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,]", "[1 2]", "{\"a\" 1}", "{a: 1}", "[\"unterminated]", "[01]", "[1.]", "[1e]", "[-]",
        "[tru]", "[1] 2", "{\"a\":1,}", "[\"\\x\"]", "[\"\\u12G4\"]", "[", "{\"a\":", "[1}", "['a']", "[+1]", "[.5]"})
    void malformedDocumentsAreRefused(String json) {
        assertThrows(Exception.class, () -> {
            JsonReader r = new Utf8JsonReader(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
            r.skipValue();
            r.peek();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new AssertionError("not at the end");
            }
        }, json);
    }

    /** Reads both in lockstep, sometimes skipping a value in both. */
    private static void walk(JsonReader gson, JsonReader ours, SplittableRandom rnd, String where) throws IOException {
        JsonToken t = gson.peek();
        assertEquals(t, ours.peek(), where + ": token");
        if (t != JsonToken.END_ARRAY && t != JsonToken.END_OBJECT && rnd.nextInt(10) == 0) {
            gson.skipValue();
            ours.skipValue();
            return;
        }
        switch (t) {
            case BEGIN_ARRAY -> {
                gson.beginArray();
                ours.beginArray();
                while (gson.hasNext()) {
                    assertEquals(true, ours.hasNext(), where + ": hasNext");
                    walk(gson, ours, rnd, where);
                }
                assertEquals(false, ours.hasNext(), where + ": end of array");
                gson.endArray();
                ours.endArray();
            }
            case BEGIN_OBJECT -> {
                gson.beginObject();
                ours.beginObject();
                while (gson.hasNext()) {
                    assertEquals(gson.nextName(), ours.nextName(), where + ": name");
                    walk(gson, ours, rnd, where);
                }
                assertEquals(false, ours.hasNext(), where + ": end of object");
                gson.endObject();
                ours.endObject();
            }
            case STRING, NUMBER -> assertEquals(gson.nextString(), ours.nextString(), where + ": " + t);
            case BOOLEAN -> assertEquals(gson.nextBoolean(), ours.nextBoolean(), where + ": boolean");
            case NULL -> {
                gson.nextNull();
                ours.nextNull();
            }
            default -> throw new AssertionError(where + ": unexpected " + t);
        }
    }

    private static void value(StringBuilder sb, SplittableRandom rnd, int depth) {
        int kind = rnd.nextInt(depth > 3 ? 4 : 6);
        switch (kind) {
            case 0 -> sb.append('"').append(STRINGS[rnd.nextInt(STRINGS.length)]).append('"');
            case 1 -> sb.append(NUMBERS[rnd.nextInt(NUMBERS.length)]);
            case 2 -> sb.append(rnd.nextBoolean() ? "true" : "false");
            case 3 -> sb.append(rnd.nextBoolean() ? "null" : Long.toString(rnd.nextLong(-1_000_000, 1_000_000)));
            case 4 -> {
                sb.append('[').append(space(rnd));
                int n = rnd.nextInt(5);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : "," + space(rnd));
                    value(sb, rnd, depth + 1);
                }
                sb.append(space(rnd)).append(']');
            }
            default -> {
                sb.append('{').append(space(rnd));
                int n = rnd.nextInt(5);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : "," + space(rnd)).append('"').append(STRINGS[rnd.nextInt(STRINGS.length)])
                            .append('"').append(space(rnd)).append(':').append(space(rnd));
                    value(sb, rnd, depth + 1);
                }
                sb.append(space(rnd)).append('}');
            }
        }
    }

    private static String space(SplittableRandom rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> " ";
            case 1 -> "\n  ";
            case 2 -> "\t";
            case 3 -> "\r\n";
            default -> "";
        };
    }
}
