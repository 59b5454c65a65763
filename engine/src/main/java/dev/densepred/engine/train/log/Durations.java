package dev.densepred.engine.train.log;

/** Durations as Python's {@code str(timedelta)} prints them (mmengine's ETA): {@code 4:05:09}, {@code 1 day, 0:00:03}. */
final class Durations {

    private Durations() {}

    static String format(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            return "-";
        }
        long s = Math.round(seconds);
        long days = s / 86400;
        s %= 86400;
        String hms = String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
        return days == 0 ? hms : days + (days == 1 ? " day, " : " days, ") + hms;
    }
}
