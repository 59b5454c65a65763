package dev.densepred.engine.train.log;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Progress of a long loop (evaluation, loading), like mmengine's {@code ProgressBar}: on a terminal one line redrawn
 * in place at most ten times a second; elsewhere (log files, CI) a plain line at every tenth of the way, so logs stay
 * short. A total of 0 or less means unknown: only counts and rates are shown.
 */
public final class ProgressBar implements AutoCloseable {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final String title;
    private final long total;
    private final PrintStream out;
    private final boolean tty;
    private final LongSupplier clock;
    private final long start;
    private long done;
    private long lastDraw;
    private long lastTenth;

    /** A bar on {@code out}, drawn in place when {@code out} is the terminal. */
    public static ProgressBar create(String title, long total, PrintStream out) {
        return new ProgressBar(title, total, out, out == System.out && System.console() != null, System::nanoTime);
    }

    ProgressBar(String title, long total, PrintStream out, boolean tty, LongSupplier clock) {
        this.title = title;
        this.total = total;
        this.out = out;
        this.tty = tty;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.lastDraw = start - REDRAW_NANOS;
    }

    /** One more item done. */
    public void step() {
        step(1);
    }

    /** {@code n} more items done. */
    public void step(long n) {
        done += n;
        long now = clock.getAsLong();
        if (tty) {
            if (now - lastDraw >= REDRAW_NANOS) {
                out.print("\r" + line(now));
                out.flush();
                lastDraw = now;
            }
        } else if (total > 0) {
            long tenth = done * 10 / total;
            if (tenth > lastTenth && done < total) {
                out.println(line(now));
                lastTenth = tenth;
            }
        }
    }

    /** Prints the final state. */
    @Override
    public void close() {
        String last = line(clock.getAsLong());
        out.println(tty ? "\r" + last : last);
        out.flush();
    }

    private String line(long now) {
        double elapsed = (now - start) / 1e9;
        double rate = elapsed > 0 ? done / elapsed : 0;
        StringBuilder sb = new StringBuilder(title).append(' ');
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, done * WIDTH / total);
            sb.append(String.format("%3d%% |", Math.min(100, done * 100 / total)))
                    .append("#".repeat(filled)).append(" ".repeat(WIDTH - filled))
                    .append("| ").append(done).append('/').append(total);
            double eta = rate > 0 ? (total - done) / rate : Double.NaN;
            sb.append(" [").append(Durations.format(elapsed)).append('<').append(Durations.format(eta));
        } else {
            sb.append(done).append(" [").append(Durations.format(elapsed));
        }
        return sb.append(String.format(", %.2f it/s]", rate)).toString();
    }
}
