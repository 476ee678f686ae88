package dev.omega.sessionserver.console;

import java.util.List;

/**
 * Every session server of the connected JVM at one refresh, sorted by name; immutable. Empty when the JVM has none
 * (the tab then shows its hint).
 */
final class FleetSnapshot {

    private final long takenAtMillis;
    private final List<ServerRow> rows;

    FleetSnapshot(long takenAtMillis, List<ServerRow> rows) {
        this.takenAtMillis = takenAtMillis;
        this.rows = List.copyOf(rows);
    }

    /** When the refresh read the attributes ({@link System#currentTimeMillis()}). */
    long takenAtMillis() {
        return takenAtMillis;
    }

    List<ServerRow> rows() {
        return rows;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The row of the server called {@code name}, or {@code null}. */
    ServerRow row(String name) {
        for (ServerRow r : rows) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        return null;
    }
}
