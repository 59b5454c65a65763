package dev.densepred.datasets.coco;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A Gson {@link JsonReader} that tokenizes UTF-8 bytes directly, for large machine-written files such as a COCO
 * results file (150 MB of short records for val2017 masks), where Gson's char pipeline (decode to chars, copy into
 * a {@code StringBuilder}, build a {@code String}) costs several times the work. Every public method of
 * {@code JsonReader} is overridden, so code written against {@code JsonReader} (like {@link SegmentationStore#read})
 * runs unchanged on it.
 *
 * <p>Strict JSON (RFC 8259), plus the literals {@code NaN}, {@code Infinity} and {@code -Infinity} that Python's
 * {@code json} writes: they come as {@link JsonToken#STRING} tokens, as in Gson's lenient mode, so that the caller
 * can report them. Numbers are returned as their literal text by {@link #nextString}; quoted numbers are not
 * accepted as numbers. {@link #getPath} gives the byte offset, which is what a reader of a 150 MB file needs.
 */
public final class Utf8JsonReader extends JsonReader {

    private static final int EMPTY_DOCUMENT = 0;
    private static final int NONEMPTY_DOCUMENT = 1;
    private static final int EMPTY_ARRAY = 2;
    private static final int NONEMPTY_ARRAY = 3;
    private static final int EMPTY_OBJECT = 4;
    private static final int DANGLING_NAME = 5;
    private static final int NONEMPTY_OBJECT = 6;

    // What peek() found; the opening byte of a string or name, and a number or literal, are consumed already.
    private static final int NONE = 0;
    private static final int BEGIN_OBJECT = 1;
    private static final int END_OBJECT = 2;
    private static final int BEGIN_ARRAY = 3;
    private static final int END_ARRAY = 4;
    private static final int NAME = 5;
    private static final int STRING = 6;
    private static final int NUMBER = 7;
    private static final int LITERAL = 8;
    private static final int TRUE = 9;
    private static final int FALSE = 10;
    private static final int NULL = 11;
    private static final int EOF = 12;

    private final InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private long consumedBefore;
    private int[] stack = new int[32];
    private int depth = 1;
    private int peeked = NONE;
    // A number or literal's text, and the bytes of a string being read.
    private byte[] text = new byte[64];
    private int textLen;

    /** Reads JSON from {@code in} (UTF-8), which {@link #close} closes. */
    public Utf8JsonReader(InputStream in) {
        this(in, 0);
    }

    /** Reads JSON from {@code in}, whose first byte is byte {@code byteOffset} of a file (for error positions). */
    public Utf8JsonReader(InputStream in, long byteOffset) {
        super(Reader.nullReader());
        this.in = in;
        this.consumedBefore = byteOffset;
        stack[0] = EMPTY_DOCUMENT;
    }

    @Override
    public void beginArray() throws IOException {
        expect(BEGIN_ARRAY, "BEGIN_ARRAY");
        push(EMPTY_ARRAY);
    }

    @Override
    public void endArray() throws IOException {
        expect(END_ARRAY, "END_ARRAY");
        depth--;
    }

    @Override
    public void beginObject() throws IOException {
        expect(BEGIN_OBJECT, "BEGIN_OBJECT");
        push(EMPTY_OBJECT);
    }

    @Override
    public void endObject() throws IOException {
        expect(END_OBJECT, "END_OBJECT");
        depth--;
    }

    @Override
    public boolean hasNext() throws IOException {
        int p = peekInternal();
        return p != END_OBJECT && p != END_ARRAY && p != EOF;
    }

    @Override
    public JsonToken peek() throws IOException {
        return switch (peekInternal()) {
            case BEGIN_OBJECT -> JsonToken.BEGIN_OBJECT;
            case END_OBJECT -> JsonToken.END_OBJECT;
            case BEGIN_ARRAY -> JsonToken.BEGIN_ARRAY;
            case END_ARRAY -> JsonToken.END_ARRAY;
            case NAME -> JsonToken.NAME;
            case STRING, LITERAL -> JsonToken.STRING;
            case NUMBER -> JsonToken.NUMBER;
            case TRUE, FALSE -> JsonToken.BOOLEAN;
            case NULL -> JsonToken.NULL;
            default -> JsonToken.END_DOCUMENT;
        };
    }

    @Override
    public String nextName() throws IOException {
        expect(NAME, "NAME");
        return readString();
    }

    @Override
    public String nextString() throws IOException {
        int p = peekInternal();
        if (p == STRING) {
            peeked = NONE;
            return readString();
        }
        if (p == NUMBER || p == LITERAL) {
            peeked = NONE;
            return new String(text, 0, textLen, StandardCharsets.ISO_8859_1);
        }
        throw unexpected("a string", p);
    }

    @Override
    public boolean nextBoolean() throws IOException {
        int p = peekInternal();
        if (p != TRUE && p != FALSE) {
            throw unexpected("a boolean", p);
        }
        peeked = NONE;
        return p == TRUE;
    }

    @Override
    public void nextNull() throws IOException {
        expect(NULL, "NULL");
    }

    @Override
    public double nextDouble() throws IOException {
        int p = peekInternal();
        if (p != NUMBER) {
            throw unexpected("a double", p);
        }
        peeked = NONE;
        return JsonNumbers.parse(new String(text, 0, textLen, StandardCharsets.ISO_8859_1));
    }

    @Override
    public long nextLong() throws IOException {
        int p = peekInternal();
        if (p != NUMBER) {
            throw unexpected("a long", p);
        }
        peeked = NONE;
        long v = 0;
        boolean negative = text[0] == '-';
        int i = negative ? 1 : 0;
        if (textLen - i <= 18) {
            boolean digitsOnly = true;
            for (; i < textLen; i++) {
                int d = text[i] - '0';
                if (d < 0 || d > 9) {
                    digitsOnly = false;
                    break;
                }
                v = v * 10 + d;
            }
            if (digitsOnly) {
                return negative ? -v : v;
            }
        }
        String s = new String(text, 0, textLen, StandardCharsets.ISO_8859_1);
        double d = Double.parseDouble(s);
        long l = (long) d;
        if (l != d) {
            throw new NumberFormatException("Expected a long but was " + s + " at " + getPath());
        }
        return l;
    }

    @Override
    public int nextInt() throws IOException {
        long v = nextLong();
        if (v != (int) v) {
            throw new NumberFormatException("Expected an int but was " + v + " at " + getPath());
        }
        return (int) v;
    }

    @Override
    public void skipValue() throws IOException {
        int level = 0;
        do {
            int p = peekInternal();
            peeked = NONE;
            switch (p) {
                case BEGIN_ARRAY -> {
                    push(EMPTY_ARRAY);
                    level++;
                }
                case BEGIN_OBJECT -> {
                    push(EMPTY_OBJECT);
                    level++;
                }
                case END_ARRAY, END_OBJECT -> {
                    depth--;
                    level--;
                }
                case NAME, STRING -> skipString();
                case EOF -> throw syntax("unexpected end of input");
                default -> {
                    // Numbers, literals, true, false, null: consumed by peek.
                }
            }
        } while (level > 0);
    }

    @Override
    public void close() throws IOException {
        peeked = NONE;
        depth = 0;
        in.close();
    }

    @Override
    public String getPath() {
        return "byte " + (consumedBefore + pos);
    }

    @Override
    public String getPreviousPath() {
        return getPath();
    }

    @Override
    public String toString() {
        return "Utf8JsonReader at " + getPath();
    }

    private void expect(int token, String name) throws IOException {
        int p = peekInternal();
        if (p != token) {
            throw unexpected(name, p);
        }
        peeked = NONE;
    }

    private void push(int scope) throws MalformedJsonException {
        if (depth == stack.length) {
            if (depth >= 255) {
                throw syntax("nesting deeper than 255");
            }
            stack = Arrays.copyOf(stack, depth * 2);
        }
        stack[depth++] = scope;
    }

    /** Gson's {@code doPeek}: consumes separators, classifies the next token. */
    private int peekInternal() throws IOException {
        if (peeked != NONE) {
            return peeked;
        }
        if (depth == 0) {
            throw new IllegalStateException("JsonReader is closed");
        }
        int scope = stack[depth - 1];
        int c;
        if (scope == EMPTY_ARRAY) {
            stack[depth - 1] = NONEMPTY_ARRAY;
        } else if (scope == NONEMPTY_ARRAY) {
            c = nextNonWhitespace(true);
            if (c == ']') {
                return peeked = END_ARRAY;
            }
            if (c != ',') {
                throw syntax("expected ',' or ']' in an array");
            }
        } else if (scope == EMPTY_OBJECT || scope == NONEMPTY_OBJECT) {
            stack[depth - 1] = DANGLING_NAME;
            if (scope == NONEMPTY_OBJECT) {
                c = nextNonWhitespace(true);
                if (c == '}') {
                    return peeked = END_OBJECT;
                }
                if (c != ',') {
                    throw syntax("expected ',' or '}' in an object");
                }
            }
            c = nextNonWhitespace(true);
            if (c == '"') {
                return peeked = NAME;
            }
            if (c == '}' && scope == EMPTY_OBJECT) {
                return peeked = END_OBJECT;
            }
            throw syntax("expected a name in double quotes");
        } else if (scope == DANGLING_NAME) {
            stack[depth - 1] = NONEMPTY_OBJECT;
            if (nextNonWhitespace(true) != ':') {
                throw syntax("expected ':' after a name");
            }
        } else if (scope == EMPTY_DOCUMENT) {
            stack[depth - 1] = NONEMPTY_DOCUMENT;
        } else if (scope == NONEMPTY_DOCUMENT) {
            if (nextNonWhitespace(false) == -1) {
                return peeked = EOF;
            }
            throw syntax("data after the end of the document");
        }
        c = nextNonWhitespace(true);
        switch (c) {
            case ']':
                if (scope == EMPTY_ARRAY) {
                    return peeked = END_ARRAY;
                }
                throw syntax("unexpected ']'");
            case '[':
                return peeked = BEGIN_ARRAY;
            case '{':
                return peeked = BEGIN_OBJECT;
            case '"':
                return peeked = STRING;
            case 't':
                return keyword("rue", TRUE);
            case 'f':
                return keyword("alse", FALSE);
            case 'n':
                return keyword("ull", NULL);
            case 'N':
                return literal("aN", "NaN");
            case 'I':
                return literal("nfinity", "Infinity");
            default:
                pos--;
                return peeked = number();
        }
    }

    private int keyword(String rest, int token) throws IOException {
        for (int i = 0; i < rest.length(); i++) {
            if (nextByte() != rest.charAt(i)) {
                throw syntax("unknown literal");
            }
        }
        endOfLiteral();
        return peeked = token;
    }

    private int literal(String rest, String whole) throws IOException {
        keyword(rest, LITERAL);
        setText(whole);
        return peeked = LITERAL;
    }

    /** A number per the JSON grammar, copied to {@code text}; also {@code -Infinity}. */
    private int number() throws IOException {
        textLen = 0;
        int c = nextByte();
        if (c == '-') {
            append(c);
            c = nextByte();
            if (c == 'I') {
                keyword("nfinity", LITERAL);
                setText("-Infinity");
                return LITERAL;
            }
        }
        if (c == '0') {
            append(c);
            c = nextByte();
        } else if (c >= '1' && c <= '9') {
            while (c >= '0' && c <= '9') {
                append(c);
                c = nextByte();
            }
        } else {
            throw syntax(c == -1 ? "unexpected end of input" : "unexpected character '" + (char) c + "'");
        }
        if (c == '.') {
            append(c);
            c = digits();
        }
        if (c == 'e' || c == 'E') {
            append(c);
            c = nextByte();
            if (c == '+' || c == '-') {
                append(c);
                c = nextByte();
            }
            unread(c);
            c = digits();
        }
        unread(c);
        endOfLiteral();
        return NUMBER;
    }

    /** Steps back over the byte {@code nextByte} just returned (nothing at the end of the input). */
    private void unread(int c) {
        if (c != -1) {
            pos--;
        }
    }

    /** One or more digits, appended; returns the byte after them. */
    private int digits() throws IOException {
        int c = nextByte();
        if (c < '0' || c > '9') {
            throw syntax("expected a digit");
        }
        while (c >= '0' && c <= '9') {
            append(c);
            c = nextByte();
        }
        return c;
    }

    private void endOfLiteral() throws IOException {
        int c = peekByte();
        if (c != -1 && c != ',' && c != ']' && c != '}' && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            throw syntax("unexpected character '" + (char) c + "' after a value");
        }
    }

    private void setText(String s) {
        textLen = 0;
        for (int i = 0; i < s.length(); i++) {
            append(s.charAt(i));
        }
    }

    private void append(int c) {
        if (textLen == text.length) {
            text = Arrays.copyOf(text, textLen * 2);
        }
        text[textLen++] = (byte) c;
    }

    /** The rest of a string whose opening quote was consumed. */
    private String readString() throws IOException {
        textLen = 0;
        boolean copied = false;
        boolean ascii = true;
        while (true) {
            int p = pos;
            while (p < limit) {
                byte b = buf[p];
                if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
                    break;
                }
                ascii &= b >= 0;
                p++;
            }
            if (p < limit && buf[p] == '"' && !copied) {
                // The whole string lies in the buffer without escapes: no copy.
                String s = ascii ? new String(buf, pos, p - pos, StandardCharsets.ISO_8859_1)
                        : new String(buf, pos, p - pos, StandardCharsets.UTF_8);
                pos = p + 1;
                return s;
            }
            appendBytes(pos, p);
            copied = true;
            pos = p;
            if (p == limit) {
                if (!fill()) {
                    throw syntax("unterminated string");
                }
                continue;
            }
            byte b = buf[pos++];
            if (b == '"') {
                return ascii ? new String(text, 0, textLen, StandardCharsets.ISO_8859_1)
                        : new String(text, 0, textLen, StandardCharsets.UTF_8);
            }
            if (b != '\\') {
                throw syntax("control character in a string");
            }
            int e = escape();
            if (e >= 0x80) {
                ascii = false;
                for (byte u : new String(Character.toChars(e)).getBytes(StandardCharsets.UTF_8)) {
                    append(u);
                }
            } else {
                append(e);
            }
        }
    }

    private void appendBytes(int from, int to) {
        int n = to - from;
        if (textLen + n > text.length) {
            text = Arrays.copyOf(text, Math.max(text.length * 2, textLen + n));
        }
        System.arraycopy(buf, from, text, textLen, n);
        textLen += n;
    }

    /** One escape after its backslash, as a code point (surrogate pairs joined). */
    private int escape() throws IOException {
        int c = nextByte();
        return switch (c) {
            case '"', '\\', '/' -> c;
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'u' -> {
                int u = hex4();
                if (Character.isHighSurrogate((char) u) && peekByte() == '\\') {
                    nextByte();
                    if (nextByte() != 'u') {
                        throw syntax("expected a low surrogate escape");
                    }
                    int low = hex4();
                    yield Character.toCodePoint((char) u, (char) low);
                }
                yield u;
            }
            default -> throw syntax("invalid escape");
        };
    }

    private int hex4() throws IOException {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int c = nextByte();
            int d = Character.digit(c, 16);
            if (c == -1 || d < 0) {
                throw syntax("invalid \\u escape");
            }
            v = v * 16 + d;
        }
        return v;
    }

    private void skipString() throws IOException {
        while (true) {
            int c = nextByte();
            if (c == '"') {
                return;
            }
            if (c == -1) {
                throw syntax("unterminated string");
            }
            if (c == '\\') {
                escape();
            }
        }
    }

    private int nextNonWhitespace(boolean required) throws IOException {
        while (true) {
            if (pos == limit && !fill()) {
                if (required) {
                    throw new EOFException("End of input at " + getPath());
                }
                return -1;
            }
            int c = buf[pos++];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return c;
            }
        }
    }

    /** The next byte (0..255), or -1 at the end of the input. */
    private int nextByte() throws IOException {
        if (pos == limit && !fill()) {
            pos = limit;
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    private int peekByte() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return buf[pos] & 0xff;
    }

    private boolean fill() throws IOException {
        consumedBefore += limit;
        pos = 0;
        limit = 0;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        limit = n;
        return true;
    }

    private IllegalStateException unexpected(String expected, int found) {
        String[] names = {"NONE", "BEGIN_OBJECT", "END_OBJECT", "BEGIN_ARRAY", "END_ARRAY", "NAME", "STRING", "NUMBER",
            "STRING", "BOOLEAN", "BOOLEAN", "NULL", "END_DOCUMENT"};
        return new IllegalStateException("Expected " + expected + " but was " + names[found] + " at " + getPath());
    }

    private MalformedJsonException syntax(String message) {
        return new MalformedJsonException(message + " at " + getPath());
    }
}
