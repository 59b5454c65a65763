package dev.densepred.engine.train.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/** The bar's two outputs, driven by a fake clock (one item per 50 ms). */
class ProgressBarTest {

    private static String run(boolean tty, long total, int steps) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                ProgressBar bar = new ProgressBar("eval", total, out, tty, now::get)) {
            for (int i = 0; i < steps; i++) {
                now.addAndGet(50_000_000L);
                bar.step();
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutTerminalPrintsOneLinePerTenthThenTheFinalState() {
        String[] lines = run(false, 100, 100).split("\n");
        assertEquals(10, lines.length, String.join("\n", lines));
        assertEquals("eval  10% |###                           | 10/100 [0:00:01<0:00:05, 20.00 it/s]", lines[0]);
        assertEquals("eval 100% |##############################| 100/100 [0:00:05<0:00:00, 20.00 it/s]", lines[9]);
    }

    @Test
    void onTerminalRedrawsInPlaceAtMostTenTimesASecond() {
        String out = run(true, 40, 40);
        // 40 steps over 2 s: a redraw every second step, then the final line with a newline
        assertEquals(21, out.chars().filter(c -> c == '\r').count());
        assertTrue(out.endsWith("\reval 100% |##############################| 40/40 [0:00:02<0:00:00, 20.00 it/s]\n"), out);
    }

    @Test
    void unknownTotalShowsCountAndRate() {
        assertEquals("eval 3 [0:00:00, 20.00 it/s]\n", run(false, 0, 3));
    }

    @Test
    void durationsReadLikePythonTimedelta() {
        assertEquals("0:00:59", Durations.format(59.4));
        assertEquals("4:05:09", Durations.format(4 * 3600 + 5 * 60 + 9));
        assertEquals("1 day, 0:00:03", Durations.format(86403));
        assertEquals("2 days, 1:00:00", Durations.format(2 * 86400 + 3600));
        assertEquals("-", Durations.format(Double.NaN));
    }
}
