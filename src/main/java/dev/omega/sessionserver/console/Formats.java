package dev.omega.sessionserver.console;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** How the tab writes numbers: PIDs, uptimes, sizes, CPU shares, times. Stateless. */
final class Formats {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    static final String NONE = "\u2013"; // an en dash: "no value"

    private Formats() {
    }

    static String pid(long pid) {
        return pid > 0 ? Long.toString(pid) : NONE;
    }

    /** {@code 42s}, {@code 3m 07s}, {@code 2h 03m}, {@code 5d 04h}; a dash when unknown (negative). */
    static String uptime(long seconds) {
        if (seconds < 0) {
            return NONE;
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", seconds / 60, seconds % 60);
        }
        if (seconds < 86400) {
            return String.format(Locale.ROOT, "%dh %02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return String.format(Locale.ROOT, "%dd %02dh", seconds / 86400, seconds % 86400 / 3600);
    }

    static String count(long n) {
        return n < 0 ? NONE : Long.toString(n);
    }

    /** Binary units, one decimal: {@code 0 B}, {@code 512 B}, {@code 48.2 MiB}; a dash when unknown (negative). */
    static String bytes(double bytes) {
        if (bytes < 0 || Double.isNaN(bytes)) {
            return NONE;
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? String.format(Locale.ROOT, "%.0f B", value)
                : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** A fraction of one core as a percentage: {@code 3.5 %} (above 100 % on several cores); a dash when NaN. */
    static String cpu(double fraction) {
        return Double.isNaN(fraction) || fraction < 0 ? NONE : String.format(Locale.ROOT, "%.1f %%", fraction * 100);
    }

    /** {@code HH:mm:ss} in this JVM's time zone. */
    static String time(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    /** Names separated by commas; "none" for an empty list. */
    static String names(List<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}
