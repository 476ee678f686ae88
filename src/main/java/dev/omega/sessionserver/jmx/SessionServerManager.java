package dev.omega.sessionserver.jmx;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.ObjLongConsumer;

import javax.management.AttributeChangeNotification;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessIdentity;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.process.ServerStartException;
import dev.omega.sessionserver.process.StopResult;

/**
 * The JMX face of one session server: operations that delegate to a {@link ProcessManager}, and attributes read
 * from state that a background monitor keeps. Register it with {@link SessionServerMBeans#register} (which adds the
 * descriptions and impacts JConsole and VisualVM show); bind {@link SessionServerMetrics} for Micrometer meters.
 *
 * <h2>Threads</h2>
 * Thread-safe. Attribute getters read one volatile snapshot: they never block, never wait on the network or the
 * disk, and always see a consistent (State, Pid, Healthy) triple. Operations ({@link #start()}, {@link #stop()},
 * {@link #restart()}) run in the caller's thread and are serialized per manager by a lock: a second caller waits
 * for the first (at most the longest time an operation can take, then it gets an {@link IllegalStateException}).
 * The monitor ({@link #startMonitoring()}) runs on the given scheduler every {@code healthInterval}; it never blocks
 * an operation and never changes the state while an operation runs: a monitor pass that overlaps an operation is
 * discarded. Passes of one manager never overlap.
 *
 * <h2>States</h2>
 * Starts in {@link ServerState#STOPPED} with Pid -1 until the first monitor pass (or operation) has looked; a
 * managed server already running under the same PID file is then shown RUNNING (adopted). Each pass asks the
 * {@link ProcessManager} for the managed process (PID file plus kernel, no network) and checks health once:
 * <ul>
 * <li>our process alive and health 2xx: RUNNING; alive and anything else: still RUNNING until
 * {@link SupervisionPolicy#unhealthyThreshold()} checks in a row have failed, then UNHEALTHY ({@code Healthy} shows
 * the last check at once);</li>
 * <li>our process gone while the state was RUNNING or UNHEALTHY and no stop was asked (a dead process, including a
 * zombie waiting to be reaped): a <em>crash</em>: FAILED, {@code LastError} "session server pid N exited
 * unexpectedly (exit code X)" (or "(signal N (exit code 128+N))"), the crash counter incremented, {@code LastExitCode}
 * set; a clean exit with code 0 gives STOPPED instead of FAILED;</li>
 * <li>nothing of ours runs: STOPPED, or FAILED when it was FAILED (FAILED stays until an operator starts or stops the
 * server, or a managed server is seen running again); when a server this manager did not start answers healthy on
 * the health URL, {@code LastError} says so and the state is still STOPPED (such a server is never signalled).</li>
 * </ul>
 * Every change of state is sent as an {@link AttributeChangeNotification} on attribute {@code State} (old and new
 * values as Strings, source the {@link #objectName()}) and passed to the {@link #addStateListener state listeners}.
 *
 * <h2>Supervision</h2>
 * What follows a crash or a run of failed health checks is the {@link SupervisionPolicy}'s (given to the constructor;
 * {@link SupervisionPolicy#DEFAULT}, which never restarts, otherwise): a {@link Supervisor} reports every crash,
 * restart and give-up as a notification ({@link SessionServerNotifications}) and a log line, and schedules restarts
 * with backoff on the same scheduler as the monitor. An operator's {@link #start()}, {@link #stop()} or
 * {@link #restart()} cancels a pending restart and resets the backoff; a stop is never undone. The
 * {@code Restarts} attribute counts automatic restart attempts; {@code LastExitCode} is the exit code of the last
 * unexpected exit ({@value ExitCodes#UNKNOWN} when unknown or none).
 *
 * <h2>Errors</h2>
 * Operations throw only JDK exceptions ({@link IllegalStateException}) without causes, so JMX clients that have
 * none of this jar's classes can show them; the message says what went wrong and what to do, and is kept in
 * {@code LastError} ("" when none; cleared by a successful start).
 *
 * <p>{@link #close()} stops the monitor and the supervision only: the server keeps running (it is detached), and
 * operations still work.
 */
public final class SessionServerManager extends NotificationBroadcasterSupport
        implements SessionServerManagerMBean, AutoCloseable {

    /** The JMX domain of every session server MBean. */
    public static final String DOMAIN = "dev.omega.sessionserver";
    /** The {@code type} key of every session server MBean's ObjectName. */
    public static final String TYPE = "SessionServerManager";
    /** The name used when none is configured. */
    public static final String DEFAULT_NAME = "default";
    /** The health interval used when none is configured. */
    public static final Duration DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);
    /** Beyond the ProcessManager's own bounds, how long an operation waits for another one to finish. */
    private static final long OPERATION_LOCK_SLACK_MILLIS = 30_000;
    /** Between a failure and the supervisor's note in {@code LastError}. */
    private static final String NOTE_SEPARATOR = "; ";

    private final String name;
    private final ObjectName objectName;
    private final ProcessManager manager;
    private final Duration healthInterval;
    private final ScheduledExecutorService scheduler;
    private final String serverScript;
    private final long operationLockTimeoutMillis;
    private final SupervisionPolicy policy;
    private final Supervisor supervisor;
    private final ExitCodes exitCodes;

    private final ReentrantLock operationLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private final AtomicBoolean passRunning = new AtomicBoolean();
    private final AtomicLong notificationSequence = new AtomicLong();
    private final AtomicLong starts = new AtomicLong();
    private final AtomicLong stops = new AtomicLong();
    private final AtomicLong crashes = new AtomicLong();
    private final List<BiConsumer<ServerState, ServerState>> stateListeners = new CopyOnWriteArrayList<>();
    private final Map<Object, ObjLongConsumer<HealthCheck.Outcome>> healthCheckObservers = new ConcurrentHashMap<>();
    /** The MBeanServers this manager is registered in by {@link SessionServerMBeans}. */
    final java.util.Set<MBeanServer> registeredIn = ConcurrentHashMap.newKeySet();

    /** What the getters read; replaced (never mutated) under {@link #stateLock}. */
    private volatile ServerSnapshot snapshot = ServerSnapshot.INITIAL;
    // guarded by stateLock: operations under way, and a count bumped when one begins or ends, so that a monitor
    // pass that overlapped an operation is recognised and discarded; probes are applied in the order they began.
    private int operationsInProgress;
    private long operationEpoch;
    private long probeSequence;
    private long appliedProbe;

    /** The exit code of the last unexpected exit (a crash, or an exit during a start); -1 when unknown or none. */
    private volatile int lastExitCode = ExitCodes.UNKNOWN;
    /** The exit code of the server during the last start, when it exited then; read under the operation lock. */
    private OptionalInt lastStartExitCode = OptionalInt.empty();

    private final Object monitorLock = new Object();
    private ScheduledFuture<?> monitor; // guarded by monitorLock
    private boolean closed; // guarded by monitorLock

    /**
     * A manager for the server {@code manager} controls that never restarts it by itself
     * ({@link SupervisionPolicy#DEFAULT}). See {@link #SessionServerManager(String, ProcessManager, Duration,
     * ScheduledExecutorService, SupervisionPolicy)}.
     */
    public SessionServerManager(String name, ProcessManager manager, Duration healthInterval,
            ScheduledExecutorService scheduler) {
        this(name, manager, healthInterval, scheduler, SupervisionPolicy.DEFAULT);
    }

    /**
     * A manager for the server {@code manager} controls, supervised under {@code policy}. Cheap: touches neither the
     * network nor the process; call {@link #startMonitoring()} to begin watching (and supervising).
     *
     * @param name           the MBean's {@code name} key and the meters' {@code name} tag (non-empty)
     * @param manager        the core process manager that does every spawn, signal and health check
     * @param healthInterval time between the end of one monitor pass and the start of the next (positive)
     * @param scheduler      runs the monitor and the automatic restarts; shared by all managers of an agent, owned
     *                       by the caller (never shut down here)
     * @param policy         what happens after a crash or failed health checks
     * @throws IllegalArgumentException for an empty name or a non-positive interval
     * @throws NullPointerException     for a null argument
     */
    public SessionServerManager(String name, ProcessManager manager, Duration healthInterval,
            ScheduledExecutorService scheduler, SupervisionPolicy policy) {
        super(SessionServerNotifications.infos());
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("invalid name '': must not be empty");
        }
        this.name = name;
        this.objectName = objectName(name);
        this.manager = Objects.requireNonNull(manager, "manager");
        this.healthInterval = Objects.requireNonNull(healthInterval, "healthInterval");
        if (healthInterval.isNegative() || healthInterval.isZero()) {
            throw new IllegalArgumentException(
                    "invalid healthInterval '" + healthInterval.toMillis() + " ms': must be greater than 0 ms");
        }
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        ProcessManagerOptions o = manager.options();
        this.serverScript = o.command().isEmpty() ? manager.resolveServerScript().toString()
                : String.join(" ", o.command());
        this.operationLockTimeoutMillis = o.startTimeout().toMillis() + 2 * o.stopTimeout().toMillis()
                + OPERATION_LOCK_SLACK_MILLIS;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.supervisor = new Supervisor(this, policy, scheduler);
        this.exitCodes = new ExitCodes(manager);
    }

    /**
     * {@code dev.omega.sessionserver:type=SessionServerManager,name=<name>}, the name quoted with
     * {@link ObjectName#quote} only when it holds a character that an unquoted value may not ({@code ,=:"*?},
     * backslash, newline) or is empty.
     *
     * @throws IllegalArgumentException when no ObjectName can be made of it
     */
    public static ObjectName objectName(String name) {
        Objects.requireNonNull(name, "name");
        String value = needsQuoting(name) ? ObjectName.quote(name) : name;
        try {
            return new ObjectName(DOMAIN + ":type=" + TYPE + ",name=" + value);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("invalid name '" + name + "': " + e.getMessage());
        }
    }

    private static boolean needsQuoting(String value) {
        if (value.isEmpty()) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            if (",=:\"*?\\\n".indexOf(value.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** This manager's ObjectName (see {@link #objectName(String)}). */
    public ObjectName objectName() {
        return objectName;
    }

    /** The name given at construction. */
    public String name() {
        return name;
    }

    /** The current state (what {@link #getState()} shows). */
    public ServerState state() {
        return snapshot.state;
    }

    /** The core process manager this delegates to. */
    public ProcessManager processManager() {
        return manager;
    }

    /** The monitor's interval. */
    public Duration healthInterval() {
        return healthInterval;
    }

    /** Successful {@link #start()}s (including those of {@link #restart()}) since construction. */
    public long starts() {
        return starts.get();
    }

    /** {@link #stop()}s (including those of {@link #restart()}) that stopped a running server. */
    public long stops() {
        return stops.get();
    }

    /** Unexpected exits of the managed server seen by the monitor or {@link #checkHealth()}. */
    public long crashes() {
        return crashes.get();
    }

    /** Automatic restart attempts (successful or not) since construction; an operator's restart() is not one. */
    public long restarts() {
        return supervisor.restarts();
    }

    /** The supervision policy given at construction. */
    public SupervisionPolicy policy() {
        return policy;
    }

    /** Whether an automatic restart is scheduled and has not begun (for tests and diagnostics). */
    boolean restartPending() {
        return supervisor.restartPending();
    }

    // ------------------------------------------------------------------ monitor

    /**
     * Schedules the monitor on the scheduler with a fixed delay of {@code healthInterval}, the first pass right
     * away. Idempotent.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws java.util.concurrent.RejectedExecutionException when the scheduler is shut down
     */
    public void startMonitoring() {
        synchronized (monitorLock) {
            if (closed) {
                throw new IllegalStateException("session server manager '" + name + "' is closed; create a new one");
            }
            if (monitor != null) {
                return;
            }
            monitor = scheduler.scheduleWithFixedDelay(this::monitorPass, 0, healthInterval.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        LOG.debug("monitoring session server '{}' every {} ms", name, healthInterval.toMillis());
    }

    /**
     * Cancels the monitor (a pass under way finishes) and a pending automatic restart; nothing is restarted
     * automatically afterwards. Never stops the server, which is detached and keeps running; the operations keep
     * working. Idempotent.
     */
    @Override
    public void close() {
        ScheduledFuture<?> m;
        synchronized (monitorLock) {
            closed = true;
            m = monitor;
            monitor = null;
        }
        if (m != null) {
            m.cancel(false);
        }
        supervisor.close();
    }

    /**
     * One monitor pass: observe the process and its health, then update the state (unless an operation ran
     * meanwhile). Never throws; skipped when a pass of this manager is already under way or an operation runs.
     */
    void monitorPass() {
        if (!passRunning.compareAndSet(false, true)) {
            return;
        }
        try {
            synchronized (stateLock) {
                if (operationsInProgress > 0) {
                    return; // the operation sets the state; the next pass looks again
                }
            }
            observeAndApply();
        } catch (Throwable t) { // a throw would cancel the scheduled task for good
            LOG.error("session server '{}': monitor pass failed (it keeps running): {}", name, t.toString(), t);
        } finally {
            passRunning.set(false);
        }
    }

    /** Whether a monitor pass of this manager is under way now (for tests and diagnostics). */
    boolean monitorPassInProgress() {
        return passRunning.get();
    }

    /**
     * Probes, then applies the result, then tells the supervisor what was seen (with no lock held: it may schedule a
     * restart); returns the probe.
     */
    private MonitorProbe observeAndApply() {
        MonitorProbe p = probe();
        ServerSnapshot before = snapshot;
        OptionalInt exitCode = OptionalInt.empty();
        boolean crashed = false;
        if (p.process == null && before.process != null && before.state.isUp()) {
            if (before.process.isAlive()) {
                // the PID file no longer names it (unreadable, rewritten by hand): the process itself still runs
                LOG.warn("session server '{}': the PID file {} does not name pid {}, which is still alive", name,
                        manager.options().pidFile(), before.process.pid());
                p = p.withProcess(before.process);
            } else {
                crashed = true;
                exitCode = exitCodes.awaitExitCode(before.process.pid());
            }
        }
        Supervisor.Observation seen = apply(p, crashed, exitCode);
        if (seen != null) {
            supervisor.observed(seen);
        }
        return p;
    }

    private MonitorProbe probe() {
        long seq;
        long epoch;
        synchronized (stateLock) {
            seq = ++probeSequence;
            epoch = operationEpoch;
        }
        Optional<ProcessIdentity> process = manager.managedProcess();
        HealthCheck.Outcome health = timedHealthCheck();
        return new MonitorProbe(seq, epoch, process.orElse(null), health);
    }

    /** Installs what the probe found; returns what the supervisor must hear of, or null (stale probe, nothing). */
    private Supervisor.Observation apply(MonitorProbe p, boolean crashed, OptionalInt exitCode) {
        synchronized (stateLock) {
            if (operationsInProgress > 0 || p.epoch != operationEpoch || p.seq < appliedProbe) {
                return null; // an operation ran meanwhile, or a newer probe was applied: this one is stale
            }
            appliedProbe = p.seq;
            ServerSnapshot prev = snapshot;
            boolean healthy = p.health == HealthCheck.Outcome.UP;
            String unmanaged = unmanagedMessage();
            String error = prev.lastError;
            if (p.process != null) {
                if (error.equals(unmanaged)) {
                    error = "";
                }
                boolean samePid = prev.process != null && prev.process.pid() == p.process.pid();
                int failed = healthy ? 0 : (samePid ? prev.failedChecks : 0) + 1;
                ServerState next = failed >= policy.unhealthyThreshold() ? ServerState.UNHEALTHY : ServerState.RUNNING;
                if (!samePid) {
                    LOG.info("session server '{}': managed server pid {} is running ({})", name, p.process.pid(),
                            healthy ? "healthy" : "health check: " + p.health);
                }
                publish(new ServerSnapshot(next, p.process, healthy, startMillis(p.process, prev), error, failed));
                return Supervisor.Observation.health(p.epoch, p.health, failed, p.process.pid());
            } else if (crashed && prev.process != null && prev.state.isUp()) {
                long pid = prev.process.pid();
                boolean clean = exitCode.isPresent() && exitCode.getAsInt() == 0;
                String message = "session server pid " + pid + (clean ? " exited by itself" : " exited unexpectedly")
                        + " (" + ExitCodes.describe(exitCode) + ")";
                long n = crashes.incrementAndGet();
                lastExitCode = exitCode.isPresent() ? exitCode.getAsInt() : ExitCodes.UNKNOWN;
                exitCodes.forget();
                ServerState next = clean ? ServerState.STOPPED : ServerState.FAILED;
                publish(new ServerSnapshot(next, null, false, -1, message, 0));
                return Supervisor.Observation.crash(p.epoch, pid, exitCode, n);
            } else {
                ServerState next = prev.state == ServerState.FAILED ? ServerState.FAILED : ServerState.STOPPED;
                if (healthy && next == ServerState.STOPPED) {
                    if (!error.equals(unmanaged)) {
                        LOG.warn("session server '{}': {}", name, unmanaged);
                    }
                    error = unmanaged;
                } else if (!healthy && error.equals(unmanaged)) {
                    error = "";
                }
                publish(new ServerSnapshot(next, null, false, -1, error, 0));
                return null;
            }
        }
    }

    private String unmanagedMessage() {
        return "an unmanaged server answers on port " + manager.options().port() + " ("
                + manager.options().healthCheckUrl() + "): this manager did not start it and will not stop it;"
                + " stop it by hand or configure another port before start()";
    }

    private HealthCheck.Outcome timedHealthCheck() {
        long t0 = System.nanoTime();
        HealthCheck.Outcome outcome = manager.checkHealth();
        long nanos = System.nanoTime() - t0;
        for (ObjLongConsumer<HealthCheck.Outcome> observer : healthCheckObservers.values()) {
            try {
                observer.accept(outcome, nanos);
            } catch (RuntimeException e) {
                LOG.warn("session server '{}': health check observer failed: {}", name, e.toString());
            }
        }
        return outcome;
    }

    /**
     * Registers {@code observer} (under {@code key}, replacing any earlier one with that key) to receive every health
     * check's outcome and duration in nanoseconds, in the checking thread. Used by {@link SessionServerMetrics}.
     */
    void putHealthCheckObserver(Object key, ObjLongConsumer<HealthCheck.Outcome> observer) {
        healthCheckObservers.put(key, observer);
    }

    // ------------------------------------------------------------------ operations

    @Override
    public long start() {
        beginOperation("start");
        try {
            supervisor.operatorAction("start");
            return doStart();
        } finally {
            endOperation();
        }
    }

    @Override
    public void stop() {
        beginOperation("stop");
        try {
            supervisor.operatorAction("stop");
            doStop();
        } finally {
            endOperation();
        }
    }

    @Override
    public long restart() {
        beginOperation("restart");
        try {
            supervisor.operatorAction("restart");
            doStop();
            return doStart();
        } finally {
            endOperation();
        }
    }

    @Override
    public boolean checkHealth() {
        try {
            return observeAndApply().health == HealthCheck.Outcome.UP;
        } catch (RuntimeException e) {
            LOG.warn("session server '{}': health check failed", name, e);
            throw new IllegalStateException("health check of " + manager.options().healthCheckUrl() + " failed: "
                    + e + "; try again, and see the host's log");
        }
    }

    private void beginOperation(String what) {
        boolean locked;
        try {
            locked = operationLock.tryLock(operationLockTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " of session server '" + name
                    + "' was interrupted while waiting for another operation to finish; try again");
        }
        if (!locked) {
            throw new IllegalStateException(what + " of session server '" + name + "': another operation has been"
                    + " running for more than " + operationLockTimeoutMillis + " ms; try again later");
        }
        synchronized (stateLock) {
            operationsInProgress++;
            operationEpoch++;
        }
    }

    // ------------------------------------------------------------------ what the Supervisor uses

    /**
     * Begins an automatic restart's operation when no other operation runs; never waits.
     *
     * @return false when an operation holds the lock (the caller tries again later)
     */
    boolean tryBeginSupervisedOperation() {
        if (!operationLock.tryLock()) {
            return false;
        }
        synchronized (stateLock) {
            operationsInProgress++;
            operationEpoch++;
        }
        return true;
    }

    /** Ends what {@link #tryBeginSupervisedOperation()} began. */
    void endSupervisedOperation() {
        endOperation();
    }

    /**
     * An automatic restart, under the operation lock: a start, after a stop when {@code stopFirst} (for a server
     * that still runs, unhealthy).
     *
     * @return the new server's PID
     * @throws IllegalStateException as {@link #start()} and {@link #stop()}
     */
    long supervisedRestart(boolean stopFirst) {
        if (!operationLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("supervisedRestart without the operation lock");
        }
        if (stopFirst) {
            doStop();
        }
        return doStart();
    }

    /** The exit code of the server during the last start, when it exited then; read under the operation lock. */
    OptionalInt lastStartExitCode() {
        return lastStartExitCode;
    }

    /** The count bumped when an operation begins or ends (see the state fields). */
    long operationEpoch() {
        synchronized (stateLock) {
            return operationEpoch;
        }
    }

    /**
     * Edits {@code LastError} for the supervisor: removes {@code oldNote} from its end (when it is there), then
     * appends {@code newNote} (when not null), separated by "; ". With {@code failIfDown}, a server that is not running
     * is shown FAILED. The state otherwise stays as it is.
     */
    void supervisionNote(String oldNote, String newNote, boolean failIfDown) {
        synchronized (stateLock) {
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
            ServerState state = failIfDown && s.process == null ? ServerState.FAILED : s.state;
            if (state != s.state || !error.equals(s.lastError)) {
                publish(new ServerSnapshot(state, s.process, s.healthy, s.startMillis, error, s.failedChecks));
            }
        }
    }

    /** The sequence number of the next notification this MBean sends. */
    long nextNotificationSequence() {
        return notificationSequence.incrementAndGet();
    }

    /** Sends a notification to the MBean's listeners; a failing listener is logged, never thrown. */
    void emit(Notification n) {
        try {
            sendNotification(n);
        } catch (RuntimeException e) {
            LOG.warn("session server '{}': sending a {} notification failed: {}", name, n.getType(), e.toString());
        }
    }

    private void endOperation() {
        synchronized (stateLock) {
            operationsInProgress--;
            operationEpoch++;
        }
        operationLock.unlock();
    }

    private long doStart() {
        ServerSnapshot s = snapshot;
        Optional<ProcessIdentity> live = manager.managedProcess();
        if (live.isPresent() && s.process != null && s.state.isUp() && s.process.pid() == live.get().pid()) {
            LOG.info("session server '{}' already runs (pid {})", name, s.process.pid());
            return s.process.pid();
        }
        update(ServerState.STARTING, null, false, s.lastError);
        lastStartExitCode = OptionalInt.empty();
        try {
            long pid = manager.startServer();
            ProcessIdentity id = ProcessIdentity.of(pid).orElse(null);
            if (id == null) {
                throw new IOException("session server pid " + pid + " exited right after it was started");
            }
            boolean healthy = true;
            if (manager.options().startTimeout().isZero()) { // the ProcessManager did not wait for health
                healthy = timedHealthCheck() == HealthCheck.Outcome.UP;
            }
            boolean ourChild = ProcessHandle.of(pid).flatMap(ProcessHandle::parent)
                    .map(parent -> parent.pid() == ProcessHandle.current().pid()).orElse(false);
            exitCodes.started(pid, ourChild);
            starts.incrementAndGet();
            int failed = healthy ? 0 : 1;
            update(failed >= policy.unhealthyThreshold() ? ServerState.UNHEALTHY : ServerState.RUNNING, id, healthy,
                    "", failed);
            LOG.info("session server '{}' started: pid {}", name, pid);
            return pid;
        } catch (ServerStartException e) {
            if (e.exitCode().isPresent()) {
                lastStartExitCode = e.exitCode();
                lastExitCode = e.exitCode().getAsInt();
            }
            String message = startFailure(e);
            update(ServerState.FAILED, null, false, message);
            LOG.error("session server '{}': {}", name, message);
            throw new IllegalStateException(message + "\nFix the cause (see LastError and the server's log), then"
                    + " run start again.");
        } catch (IOException | RuntimeException e) {
            String message = "start failed: " + e.getMessage();
            update(ServerState.FAILED, null, false, message);
            LOG.error("session server '{}': {}", name, message, e);
            throw new IllegalStateException(message + "\nFix the cause (check the PID file " + manager.options()
                    .pidFile() + " and the host's log), then run start again.");
        }
    }

    private static String startFailure(ServerStartException e) {
        StringBuilder b = new StringBuilder("start failed: ").append(e.getMessage());
        if (e.exitCode().isPresent() && !e.getMessage().contains("exit code")) {
            b.append(" (exit code ").append(e.exitCode().getAsInt()).append(')');
        }
        if (!e.logTail().isEmpty() && !e.getMessage().contains(e.logTail())) {
            b.append("; last lines of its log:\n").append(e.logTail());
        }
        return b.toString();
    }

    private void doStop() {
        ServerSnapshot s = snapshot;
        Optional<ProcessIdentity> live = manager.managedProcess();
        if (live.isPresent() || s.process != null) {
            update(ServerState.STOPPING, live.orElse(s.process), s.healthy, s.lastError);
        }
        try {
            StopResult result = manager.stopServer();
            String error = snapshot.lastError;
            if (result.stoppedSomething()) {
                stops.incrementAndGet();
            } else if (result == StopResult.FOREIGN_PROCESS_LEFT_ALONE) {
                error = "stop left the PID file " + manager.options().pidFile() + " alone: it names a process that"
                        + " is not the configured server, so nothing was signalled; remove the file if that process"
                        + " is not a session server";
                LOG.warn("session server '{}': {}", name, error);
            }
            exitCodes.forget();
            update(ServerState.STOPPED, null, false, error);
            LOG.info("session server '{}' stopped: {}", name, result);
        } catch (IOException | RuntimeException e) {
            String message = "stop failed: " + e.getMessage();
            LOG.error("session server '{}': {}", name, message, e);
            Optional<ProcessIdentity> still = manager.managedProcess();
            if (still.isPresent()) {
                boolean healthy = timedHealthCheck() == HealthCheck.Outcome.UP;
                update(healthy ? ServerState.RUNNING : ServerState.UNHEALTHY, still.get(), healthy, message,
                        healthy ? 0 : policy.unhealthyThreshold());
            } else {
                update(ServerState.STOPPED, null, false, message);
            }
            throw new IllegalStateException(message + "\nThe server " + (still.isPresent() ? "still runs as pid "
                    + still.get().pid() + ": run stop again, or kill that process group by hand"
                    : "is no longer running") + ".");
        }
    }

    /** Sets the state from an operation (the caller holds the operation lock). */
    private void update(ServerState state, ProcessIdentity process, boolean healthy, String lastError) {
        update(state, process, healthy, lastError, 0);
    }

    private void update(ServerState state, ProcessIdentity process, boolean healthy, String lastError,
            int failedChecks) {
        synchronized (stateLock) {
            long started = startMillis(process, snapshot);
            publish(new ServerSnapshot(state, process, healthy, started, lastError, failedChecks));
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

    /** Installs {@code next}; on a change of state, notifies. Caller holds {@link #stateLock}. */
    private void publish(ServerSnapshot next) {
        ServerSnapshot prev = snapshot;
        snapshot = next;
        if (prev.state == next.state) {
            return;
        }
        LOG.info("session server '{}': {} -> {}{}", name, prev.state, next.state,
                next.process == null ? "" : " (pid " + next.process.pid() + ")");
        AttributeChangeNotification n = new AttributeChangeNotification(objectName,
                notificationSequence.incrementAndGet(), System.currentTimeMillis(),
                "session server '" + name + "' state " + prev.state + " -> " + next.state, "State",
                String.class.getName(), prev.state.name(), next.state.name());
        emit(n);
        for (BiConsumer<ServerState, ServerState> listener : stateListeners) {
            try {
                listener.accept(prev.state, next.state);
            } catch (RuntimeException | LinkageError | AssertionError e) {
                // not even a listener's Error may cut a monitor pass short: the supervisor would miss a crash
                LOG.warn("session server '{}': state listener failed: {}", name, e.toString());
            }
        }
    }

    /**
     * Calls {@code listener} with (old, new) on every change of state, in the thread that made the change (an
     * operation's caller or the monitor), in order, with a lock held: it must return quickly and must not call this
     * manager's operations. Exceptions it throws (and AssertionErrors, LinkageErrors) are logged and ignored.
     */
    public void addStateListener(BiConsumer<ServerState, ServerState> listener) {
        stateListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addStateListener}. */
    public void removeStateListener(BiConsumer<ServerState, ServerState> listener) {
        stateListeners.remove(listener);
    }

    // ------------------------------------------------------------------ attributes (no I/O)

    @Override
    public boolean isRunning() {
        return snapshot.process != null;
    }

    @Override
    public long getPid() {
        ServerSnapshot s = snapshot;
        return s.process == null ? -1 : s.process.pid();
    }

    @Override
    public boolean isHealthy() {
        return snapshot.healthy;
    }

    @Override
    public String getState() {
        return snapshot.state.name();
    }

    @Override
    public long getUptimeSeconds() {
        return (long) uptimeSeconds();
    }

    /** Seconds (with millisecond precision) since the server process started; 0 when not running. */
    double uptimeSeconds() {
        ServerSnapshot s = snapshot;
        if (s.process == null || s.startMillis < 0) {
            return 0;
        }
        return Math.max(0, System.currentTimeMillis() - s.startMillis) / 1000.0;
    }

    @Override
    public int getPort() {
        return manager.options().port();
    }

    @Override
    public String getPidFile() {
        return manager.options().pidFile().toString();
    }

    @Override
    public String getServerScript() {
        return serverScript;
    }

    @Override
    public String getHealthCheckUrl() {
        return manager.options().healthCheckUrl().toString();
    }

    @Override
    public String getLastError() {
        return snapshot.lastError;
    }

    @Override
    public long getRestarts() {
        return supervisor.restarts();
    }

    @Override
    public int getLastExitCode() {
        return lastExitCode;
    }

    @Override
    public String toString() {
        ServerSnapshot s = snapshot;
        return "SessionServerManager{" + objectName + ", " + s.state
                + (s.process == null ? "" : " pid " + s.process.pid()) + "}";
    }
}
