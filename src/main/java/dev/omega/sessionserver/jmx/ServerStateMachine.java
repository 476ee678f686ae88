package dev.omega.sessionserver.jmx;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.management.AttributeChangeNotification;
import javax.management.Notification;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessIdentity;

/**
 * The state of one managed server as its MBean shows it ({@code State}, {@code Pid}, {@code Healthy},
 * {@code LastError}, uptime, crashes, {@code LastExitCode}), and the rules by which operations and monitor passes
 * change it. It does no I/O of its own: the callers look at the process and its health and hand over what they saw.
 *
 * <h2>Snapshot</h2>
 * What the getters read is one immutable {@link ServerSnapshot} in a volatile field, replaced (never mutated) under
 * this object's lock: a reader never blocks and always sees a consistent (State, Pid, Healthy) triple.
 *
 * <h2>Operations and monitor passes</h2>
 * An operation (start, stop, restart, an automatic restart) calls {@link #operationBegan()} and
 * {@link #operationEnded()} around its work and sets the state itself ({@link #set}). Each of those calls bumps the
 * <em>operation epoch</em>. A monitor pass {@link #probe probes} in two steps: it takes a sequence number and the
 * epoch under the lock, then looks (with no lock held: a health check may hang). {@link #apply} installs the result
 * only when no operation runs, the epoch has not moved (no operation began or ended while it looked) and no newer
 * probe was applied: a pass that overlapped an operation, or was overtaken by a later look, is discarded. So the
 * state never flips mid-operation, and probes are applied in the order they began.
 *
 * <h2>Rules of a monitor pass</h2>
 * {@link #apply} implements the States contract of {@link SessionServerManager} (RUNNING, UNHEALTHY after
 * {@code unhealthyThreshold} failed checks in a row, a crash when the process is gone while it was up and no stop was
 * asked, BACKOFF while a restart is pending, STOPPED for a clean exit, FAILED kept until an operator acts or a
 * managed server runs again, an unmanaged
 * server on the port reported in {@code LastError} and never adopted); that javadoc is the one place the rules are
 * written down.
 *
 * <h2>Announcements</h2>
 * Every change of state is sent as an {@link AttributeChangeNotification} on attribute {@code State} (old and new
 * values as Strings) and then passed to the state listeners, in the thread that made the change, with the lock
 * held. Whatever a listener throws (any Throwable, Errors included) is logged and ignored, and the next listener is
 * called: neither a monitor pass nor an operation may be cut short by it. Thread-safe.
 */
final class ServerStateMachine {

    /** Logs under {@link SessionServerManager}'s category, as the manager did before this class was split off. */
    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);
    /** Between a failure and the supervisor's note in {@code LastError}. */
    private static final String NOTE_SEPARATOR = "; ";

    private final String name;
    private final ObjectName source;
    private final Consumer<Notification> broadcaster;
    private final int unhealthyThreshold;
    private final String unmanagedMessage;
    private final AtomicLong notificationSequence = new AtomicLong();
    private final AtomicLong crashes = new AtomicLong();
    private final List<BiConsumer<ServerState, ServerState>> listeners = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();
    /** What the getters read; replaced (never mutated) under {@link #lock}. */
    private volatile ServerSnapshot snapshot = ServerSnapshot.INITIAL;
    // guarded by lock: operations under way, the epoch (bumped when one begins or ends), probe ordering
    private int operationsInProgress;
    private long operationEpoch;
    private long probeSequence;
    private long appliedProbe;

    /** The exit code of the last unexpected exit (a crash, or an exit during a start); -1 when unknown or none. */
    private volatile int lastExitCode = ServerExitStatus.UNKNOWN;
    /** The monitor's notes on the log (its file system is full, its rotation failed); "" when none. */
    private volatile java.util.function.Supplier<String> healthNote = () -> "";
    private volatile String logSpaceNote = "";

    /**
     * @param name               the server's name, for log lines and messages
     * @param source             the source of every notification (the MBean's ObjectName)
     * @param broadcaster        sends a notification to the MBean's listeners; must not throw
     * @param unhealthyThreshold failed health checks in a row that make a live server UNHEALTHY (at least 1)
     * @param unmanagedMessage   {@code LastError} when a server this manager did not start answers healthy
     */
    ServerStateMachine(String name, ObjectName source, Consumer<Notification> broadcaster, int unhealthyThreshold,
            String unmanagedMessage) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.broadcaster = Objects.requireNonNull(broadcaster, "broadcaster");
        this.unhealthyThreshold = unhealthyThreshold;
        this.unmanagedMessage = Objects.requireNonNull(unmanagedMessage, "unmanagedMessage");
    }

    /** The current snapshot (never null; no lock, no wait). */
    ServerSnapshot snapshot() {
        return snapshot;
    }

    /**
     * What {@code LastError} shows: the snapshot's last error, then (after "; ") the note that the log's file system
     * is full, when there is one. No lock, no wait.
     */
    String lastError() {
        String error = snapshot.lastError;
        String health = healthNote.get();
        if (!health.isEmpty() && !error.contains(health)) {
            error = error.isEmpty() ? health : error + NOTE_SEPARATOR + health;
        }
        String note = logSpaceNote;
        if (note.isEmpty()) {
            return error;
        }
        return error.isEmpty() ? note : error + NOTE_SEPARATOR + note;
    }

    /**
     * Where {@link #lastError()} reads why the health check could not run (an {@code exec:} program missing); it
     * must not block.
     */
    void healthNote(java.util.function.Supplier<String> note) {
        healthNote = java.util.Objects.requireNonNull(note, "note");
    }

    /**
     * Sets the monitor's notes on the log: its file system is full, its rotation failed ("" to clear them). It lives beside the last error, not in it:
     * a start, stop or crash that replaces the last error keeps it, and clearing it leaves the last error alone.
     */
    void logSpaceNote(String note) {
        logSpaceNote = note == null ? "" : note;
    }

    /** Unexpected exits seen so far. */
    long crashes() {
        return crashes.get();
    }

    /** The exit code of the last unexpected exit (a crash, or an exit during a start); -1 when unknown or none. */
    int lastExitCode() {
        return lastExitCode;
    }

    /** Records the exit code of a server that exited during a start. */
    void startExited(int exitCode) {
        lastExitCode = exitCode;
    }

    // ------------------------------------------------------------------ operations

    /** An operation begins (its caller holds the operation lock): monitor passes are discarded until it ends. */
    void operationBegan() {
        synchronized (lock) {
            operationsInProgress++;
            operationEpoch++;
        }
    }

    /** The operation that {@link #operationBegan()} announced has ended. */
    void operationEnded() {
        synchronized (lock) {
            operationsInProgress--;
            operationEpoch++;
        }
    }

    /** Whether an operation runs now. */
    boolean operationInProgress() {
        synchronized (lock) {
            return operationsInProgress > 0;
        }
    }

    /** The count bumped when an operation begins or ends. */
    long operationEpoch() {
        synchronized (lock) {
            return operationEpoch;
        }
    }

    /** Sets the state from an operation (the caller holds the operation lock); no failed checks. */
    void set(ServerState state, ProcessIdentity process, boolean healthy, String lastError) {
        set(state, process, healthy, lastError, 0);
    }

    /** Sets the state from an operation (the caller holds the operation lock). */
    void set(ServerState state, ProcessIdentity process, boolean healthy, String lastError, int failedChecks) {
        synchronized (lock) {
            publish(new ServerSnapshot(state, process, healthy, startMillis(process, snapshot), lastError,
                    failedChecks));
        }
    }

    /**
     * Edits {@code LastError} for the supervisor: removes {@code oldNote} from its end (when it is there), then
     * appends {@code newNote} (when not null), separated by "; ". A server that is not running is shown
     * {@code ifDown} (BACKOFF while a restart is pending, FAILED after a give-up); {@code null} leaves the state as it
     * is.
     */
    void supervisionNote(String oldNote, String newNote, ServerState ifDown) {
        synchronized (lock) {
            ServerSnapshot s = snapshot;
            String error = s.lastError;
            if (oldNote != null) {
                if (error.equals(oldNote)) {
                    error = "";
                } else if (error.endsWith(NOTE_SEPARATOR + oldNote)) {
                    error = error.substring(0, error.length() - NOTE_SEPARATOR.length() - oldNote.length());
                }
            }
            if (newNote != null) {
                error = error.isEmpty() ? newNote : error + NOTE_SEPARATOR + newNote;
            }
            ServerState state = ifDown != null && s.process == null ? ifDown : s.state;
            if (state != s.state || !error.equals(s.lastError)) {
                publish(new ServerSnapshot(state, s.process, s.healthy, s.startMillis, error, s.failedChecks));
            }
        }
    }

    // ------------------------------------------------------------------ monitor passes

    /**
     * Takes a probe's place in line (sequence number and operation epoch), then looks with no lock held: first for
     * the managed process, then at its health.
     */
    MonitorProbe probe(Supplier<Optional<ProcessIdentity>> process, Supplier<HealthCheck.Outcome> health) {
        long seq;
        long epoch;
        synchronized (lock) {
            seq = ++probeSequence;
            epoch = operationEpoch;
        }
        ProcessIdentity found = process.get().orElse(null);
        return new MonitorProbe(seq, epoch, found, health.get());
    }

    /**
     * Installs what {@code p} found, by the rules of a monitor pass; {@code crashed} when the caller saw the last
     * known process dead, with its {@code exitCode} when known, {@code clean} when that exit code is one of the
     * policy's success exit codes, and {@code crashState} the state the supervisor will keep it in (BACKOFF when a
     * restart will follow, else STOPPED for a clean exit and FAILED for any other).
     *
     * @return what the supervisor must hear of, or null (a stale probe, or nothing to hear)
     */
    MonitorObservation apply(MonitorProbe p, boolean crashed, OptionalInt exitCode, boolean clean,
            ServerState crashState) {
        synchronized (lock) {
            if (operationsInProgress > 0 || p.epoch != operationEpoch || p.seq < appliedProbe) {
                return null; // an operation ran meanwhile, or a newer probe was applied: this one is stale
            }
            appliedProbe = p.seq;
            ServerSnapshot prev = snapshot;
            boolean healthy = p.health == HealthCheck.Outcome.UP;
            String error = prev.lastError;
            if (p.process != null) {
                if (error.equals(unmanagedMessage)) {
                    error = "";
                }
                boolean samePid = prev.process != null && prev.process.pid() == p.process.pid();
                int failed = healthy ? 0 : (samePid ? prev.failedChecks : 0) + 1;
                ServerState next = failed >= unhealthyThreshold ? ServerState.UNHEALTHY : ServerState.RUNNING;
                if (!samePid) {
                    LOG.info("session server '{}': managed server pid {} is running ({})", name, p.process.pid(),
                            healthy ? "healthy" : "health check: " + p.health);
                }
                publish(new ServerSnapshot(next, p.process, healthy, startMillis(p.process, prev), error, failed));
                return MonitorObservation.health(p.epoch, p.health, failed, p.process.pid());
            } else if (crashed && prev.process != null && prev.state.isUp()) {
                long pid = prev.process.pid();
                String message = "session server pid " + pid + (clean ? " exited by itself" : " exited unexpectedly")
                        + " (" + ServerExitStatus.describe(exitCode) + ")";
                long n = crashes.incrementAndGet();
                lastExitCode = exitCode.isPresent() ? exitCode.getAsInt() : ServerExitStatus.UNKNOWN;
                ServerState next = crashState;
                publish(new ServerSnapshot(next, null, false, -1, message, 0));
                return MonitorObservation.crash(p.epoch, pid, exitCode, n);
            } else {
                ServerState next = prev.state == ServerState.FAILED || prev.state == ServerState.BACKOFF ? prev.state
                        : ServerState.STOPPED;
                if (healthy && next == ServerState.STOPPED) {
                    if (!error.equals(unmanagedMessage)) {
                        LOG.warn("session server '{}': {}", name, unmanagedMessage);
                    }
                    error = unmanagedMessage;
                } else if (!healthy && error.equals(unmanagedMessage)) {
                    error = "";
                }
                publish(new ServerSnapshot(next, null, false, -1, error, 0));
                return null;
            }
        }
    }

    private static long startMillis(ProcessIdentity process, ServerSnapshot prev) {
        if (process == null) {
            return -1;
        }
        if (process.startEpochMillis() >= 0) {
            return process.startEpochMillis();
        }
        if (prev.process != null && prev.process.pid() == process.pid() && prev.startMillis >= 0) {
            return prev.startMillis;
        }
        return System.currentTimeMillis();
    }

    // ------------------------------------------------------------------ announcements

    /** Installs {@code next}; on a change of state, notifies. Caller holds {@link #lock}. */
    private void publish(ServerSnapshot next) {
        ServerSnapshot prev = snapshot;
        snapshot = next;
        if (prev.state == next.state) {
            return;
        }
        LOG.info("session server '{}': {} -> {}{}", name, prev.state, next.state,
                next.process == null ? "" : " (pid " + next.process.pid() + ")");
        broadcaster.accept(new AttributeChangeNotification(source, notificationSequence.incrementAndGet(),
                System.currentTimeMillis(), "session server '" + name + "' state " + prev.state + " -> "
                        + next.state, "State", String.class.getName(), prev.state.name(), next.state.name()));
        for (BiConsumer<ServerState, ServerState> listener : listeners) {
            try {
                listener.accept(prev.state, next.state);
            } catch (Throwable e) {
                // nothing a listener throws, not even an Error, may cut a monitor pass or an operation short: the
                // supervisor would miss a crash, or a start that spawned a server would report a failure
                LOG.warn("session server '{}': state listener failed (ignored): {}", name, e.toString(), e);
            }
        }
    }

    /** Sends a notification of {@code type} with this machine's source and next sequence number. */
    void announce(String type, String message, Map<String, Object> userData) {
        Notification n = new Notification(type, source, notificationSequence.incrementAndGet(),
                System.currentTimeMillis(), message);
        n.setUserData(userData);
        broadcaster.accept(n);
    }

    /** Adds a state listener (see {@link SessionServerManager#addStateListener}). */
    void addListener(BiConsumer<ServerState, ServerState> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addListener}. */
    void removeListener(BiConsumer<ServerState, ServerState> listener) {
        listeners.remove(listener);
    }
}
