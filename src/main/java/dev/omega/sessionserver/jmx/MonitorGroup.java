package dev.omega.sessionserver.jmx;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The monitors that share one scheduler and one interval, run by one scheduled task: every {@code interval} (fixed
 * delay, measured from the end of the previous round) the task runs the pass of each member in turn, in the order
 * they joined. An agent with a hundred servers then keeps one periodic task, not a hundred, and its scheduler's
 * threads wake once per interval. A member's first pass runs at once when it joins (as its own one-shot task), and a
 * member whose pass is still under way is skipped in that round ({@link ServerMonitor#pass()} already refuses to
 * overlap). Because the members run in turn, a member whose health check hangs delays the others' passes of that
 * round by at most its health check timeout.
 *
 * <p>Groups are kept per scheduler and interval; a group whose last member leaves cancels its task and is forgotten.
 * Thread-safe.
 */
final class MonitorGroup implements Runnable {

    /** scheduler -> interval in nanoseconds -> group. Guarded by MonitorGroup.class. */
    private static final Map<ScheduledExecutorService, Map<Long, MonitorGroup>> GROUPS = new WeakHashMap<>();

    private final ScheduledExecutorService scheduler;
    private final long intervalNanos;
    private final CopyOnWriteArrayList<ServerMonitor> members = new CopyOnWriteArrayList<>();
    private ScheduledFuture<?> task; // guarded by MonitorGroup.class

    private MonitorGroup(ScheduledExecutorService scheduler, long intervalNanos) {
        this.scheduler = scheduler;
        this.intervalNanos = intervalNanos;
    }

    /**
     * Adds {@code monitor} to the group of its scheduler and interval (made, and its task scheduled, when it is the
     * first) and runs its first pass at once on the scheduler.
     *
     * @return the group, for {@link #leave}
     * @throws java.util.concurrent.RejectedExecutionException when the scheduler is shut down (nothing joined)
     */
    static MonitorGroup join(ScheduledExecutorService scheduler, long intervalNanos, ServerMonitor monitor) {
        MonitorGroup group;
        synchronized (MonitorGroup.class) {
            Map<Long, MonitorGroup> byInterval = GROUPS.computeIfAbsent(scheduler, s -> new HashMap<>());
            group = byInterval.get(intervalNanos);
            if (group == null) {
                MonitorGroup g = new MonitorGroup(scheduler, intervalNanos);
                g.task = scheduler.scheduleWithFixedDelay(g, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
                byInterval.put(intervalNanos, g);
                group = g;
            }
            group.members.add(monitor);
        }
        try {
            scheduler.execute(monitor::pass);
        } catch (RuntimeException e) {
            group.leave(monitor);
            throw e;
        }
        return group;
    }

    /** Removes {@code monitor}; the last member out cancels the group's task (a round under way finishes). */
    void leave(ServerMonitor monitor) {
        ScheduledFuture<?> cancel = null;
        synchronized (MonitorGroup.class) {
            members.remove(monitor);
            if (members.isEmpty() && task != null) {
                cancel = task;
                task = null;
                Map<Long, MonitorGroup> byInterval = GROUPS.get(scheduler);
                if (byInterval != null && byInterval.get(intervalNanos) == this) {
                    byInterval.remove(intervalNanos);
                    if (byInterval.isEmpty()) {
                        GROUPS.remove(scheduler);
                    }
                }
            }
        }
        if (cancel != null) {
            cancel.cancel(false);
        }
    }

    /** One round: each member's pass in turn. Never throws (a pass never does; the task would end for good). */
    @Override
    public void run() {
        for (ServerMonitor m : members) {
            try {
                m.pass();
            } catch (Throwable t) {
                // pass() logs and swallows its own failures; nothing else can reach here
            }
        }
    }

    /** Members now (for tests and diagnostics). */
    int size() {
        return members.size();
    }
}
