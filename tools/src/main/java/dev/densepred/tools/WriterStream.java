package dev.densepred.tools;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A UTF-8 {@link PrintStream} that writes into a {@link PrintWriter}: the jobs print to streams, while picocli gives
 * each command a writer (which tests capture). Bytes of a character split across writes are carried over.
 */
final class WriterStream extends OutputStream {

    private final PrintWriter writer;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteBuffer pending = ByteBuffer.allocate(8);
    private final CharBuffer chars = CharBuffer.allocate(8192);

    private WriterStream(PrintWriter writer) {
        this.writer = writer;
    }

    /** A print stream over {@code writer}, flushed at every line. */
    static PrintStream of(PrintWriter writer) {
        return new PrintStream(new WriterStream(writer), true, StandardCharsets.UTF_8);
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        ByteBuffer in;
        if (pending.position() > 0) {
            in = ByteBuffer.allocate(pending.position() + len);
            in.put(pending.flip()).put(b, off, len).flip();
            pending.clear();
        } else {
            in = ByteBuffer.wrap(b, off, len);
        }
        while (true) {
            chars.clear();
            decoder.decode(in, chars, false);
            writer.write(chars.array(), 0, chars.position());
            if (chars.position() == 0 || !in.hasRemaining()) {
                break;
            }
        }
        pending.put(in);
    }

    @Override
    public void flush() {
        writer.flush();
    }
}
