package dev.omega.sessionserver.console;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What the tab has seen of one server since it opened: its memory and CPU samples (one per refresh) and the
 * notifications received, the last {@value #MAX_NOTIFICATIONS} of them. Thread-safe: refreshes add samples on the
 * request thread, notifications arrive on the JMX client's thread, the event thread reads copies.
 */
final class ServerHistory {

    static final int MAX_NOTIFICATIONS = 500;
    /** Samples per series before the older ones are thinned (a sample a refresh: 4 s by default, so ~4.5 h). */
    static final int MAX_SAMPLES = 4096;

    private final UsageSeries memory = new UsageSeries(MAX_SAMPLES);
    private final UsageSeries cpu = new UsageSeries(MAX_SAMPLES);
    private final Deque<ReceivedNotification> notifications = new ArrayDeque<>();

    void sample(long timeMillis, ServerRow row) {
        memory.add(timeMillis, row.memoryBytes());
        cpu.add(timeMillis, row.cpuUsage());
    }

    synchronized void received(ReceivedNotification n) {
        if (notifications.size() == MAX_NOTIFICATIONS) {
            notifications.removeFirst();
        }
        notifications.addLast(n);
    }

    /** Resident memory of the server's process tree, in bytes. */
    UsageSeries.Points memory() {
        return memory.snapshot();
    }

    /** CPU of the server's process tree, as a fraction of one core. */
    UsageSeries.Points cpu() {
        return cpu.snapshot();
    }

    /** The notifications received, oldest first. */
    synchronized List<ReceivedNotification> notifications() {
        return new ArrayList<>(notifications);
    }
}
