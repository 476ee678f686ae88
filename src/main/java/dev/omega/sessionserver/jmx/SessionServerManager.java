package dev.omega.sessionserver.jmx;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.ObjLongConsumer;

import javax.management.AttributeChangeNotification;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.NotificationListener;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * The JMX face of one session server: operations that delegate to a {@link ProcessManager}, and attributes read
 * from state that a background monitor keeps. Register it with {@link SessionServerMBeans#register} (which adds the
 * descriptions and impacts JConsole and VisualVM show); bind {@link SessionServerMetrics} for Micrometer meters.
 *
 * <h2>Threads</h2>
 * Thread-safe. Attribute getters read one volatile snapshot: they never block, never wait on the network or the
 * disk, and always see a consistent (State, Pid, Healthy) triple. The four resource attributes are the exception
 * (see Resources). Operations ({@link #start()}, {@link #stop()}, {@link #restart()}) run in the caller's thread,
 * serialized per manager by a lock: a second caller waits (at most the longest an operation can take).
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
 * zombie waiting to be reaped): a <em>crash</em>: {@code LastError} "session server pid N exited unexpectedly (exit
 * code X)" (or "(signal N (exit code 128+N))"), the crash counter incremented, {@code LastExitCode} set; the state is
 * BACKOFF when the restart policy restarts it ({@code LastError} then ends with "restarting in N ms (attempt K)",
 * and STARTING follows when the attempt begins), else FAILED, or STOPPED for a clean exit (an exit code of
 * {@link SupervisionPolicy#successExitCodes()}, by default 0);</li>
 * <li>nothing of ours runs: STOPPED, or FAILED (BACKOFF) when it was FAILED (BACKOFF) (FAILED stays until an operator
 * starts or stops the server, or a managed server is seen running again); when a server this manager did not start answers healthy on
 * the health URL, {@code LastError} says so and the state is still STOPPED (such a server is never signalled).</li>
 * </ul>
 * Every change of state is sent as an {@link AttributeChangeNotification} on attribute {@code State} (old and new
 * values as Strings, source the {@link #objectName()}) and passed to the {@link #addStateListener state listeners}.
 *
 * <h2>Supervision</h2>
 * What follows a crash or a run of failed health checks is the {@link SupervisionPolicy}'s (given to the constructor;
 * {@link SupervisionPolicy#DEFAULT}, which never restarts, otherwise): every crash, restart and give-up is reported
 * as a notification ({@link SessionServerNotifications}) and a log line, and restarts are scheduled with backoff on
 * the same scheduler as the monitor. An operator's {@link #start()}, {@link #stop()} or {@link #restart()} cancels a
 * pending restart and resets the backoff; a stop is never undone.
 *
 * <h2>Errors</h2>
 * Operations throw only JDK exceptions without causes ({@link IllegalStateException}; {@link IllegalArgumentException}
 * for a bad argument of {@link #tailLog(int)} or {@link #signal(String)}, which take no operation lock), so JMX
 * clients without this jar's classes can show them; a failed start's or stop's message is kept in {@code LastError}.
 *
 * <h2>The log's file system</h2>
 * Each monitor pass also looks at the free space of the log's file system ({@link LogSpaceWatch}, one
 * {@code statvfs}, never while an attribute is read): below 64 KiB usable, {@code LastError} ends with a note that
 * the server's output is being lost (one WARN line; one INFO line when space returns). The note outlives starts,
 * stops and crashes until the space returns. The server is left running.
 *
 * <h2>Resources</h2>
 * {@code MemoryBytes}, {@code CpuUsage}, {@code Processes} and {@code OpenFiles} are read lazily from {@code /proc},
 * at most one sample of the process tree per {@code healthInterval} (see {@link SessionServerManagerMBean}).
 *
 * <p>{@link #close()} stops the monitor and the supervision only: the server keeps running (it is detached), and
 * operations still work.
 */
public final class SessionServerManager extends NotificationBroadcasterSupport
        implements SessionServerManagerMBean, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);

    private final String name;
    private final ObjectName objectName;
    private final ProcessManager manager;
    private final Duration healthInterval;
    private final String serverScript;
    private final SupervisionPolicy policy;
    private final ServerStateMachine machine;
    private final TimedHealthCheck health;
    private final ServerOperations operations;
    private final Supervisor supervisor;
    private final ServerMonitor monitor;
    private final OperatorActions actions;
    private final ConsoleOperations console;
    /** The MBeanServers this manager is registered in by {@link SessionServerMBeans}. */
    final Set<MBeanServer> registeredIn = ConcurrentHashMap.newKeySet();

    /** A manager that never restarts the server by itself ({@link SupervisionPolicy#DEFAULT}); see the other. */
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
        this.objectName = SessionServerMBeans.objectName(name);
        this.manager = Objects.requireNonNull(manager, "manager");
        this.healthInterval = Objects.requireNonNull(healthInterval, "healthInterval");
        if (healthInterval.isNegative() || healthInterval.isZero()) {
            throw new IllegalArgumentException(
                    "invalid healthInterval '" + healthInterval.toMillis() + " ms': must be greater than 0 ms");
        }
        Objects.requireNonNull(scheduler, "scheduler");
        ProcessManagerOptions o = manager.options();
        this.serverScript = o.command().isEmpty() ? manager.resolveServerScript().toString()
                : String.join(" ", o.command());
        this.policy = Objects.requireNonNull(policy, "policy");
        this.machine = new ServerStateMachine(name, objectName, this::emit, policy.unhealthyThreshold(),
                "an unmanaged server answers on port " + o.port() + " (" + HealthCheck.text(o.healthCheckUrl())
                        + "): this manager did not start it and will not stop it; stop it by hand or configure"
                        + " another port before start()");
        this.health = new TimedHealthCheck(name, manager);
        ServerExitStatus exitStatus = new ServerExitStatus(manager);
        this.operations = new ServerOperations(name, manager, machine, health, exitStatus,
                policy.unhealthyThreshold());
        this.supervisor = new Supervisor(operations, policy, scheduler);
        this.monitor = new ServerMonitor(name, manager, machine, health, exitStatus, supervisor, scheduler,
                healthInterval, o.logFile().map(log -> new LogSpaceWatch(name, log)).orElse(null));
        this.actions = new OperatorActions(this, operations, supervisor, machine);
        machine.healthNote(manager::healthCheckProblem); // an exec: check's missing program, in LastError
        this.console = new ConsoleOperations(name, manager, machine);
        FlightRecorderBridge.attach(this); // JDK Flight Recorder events; nothing when JFR is missing
    }

    /** This manager's ObjectName (see {@link SessionServerMBeans#objectName(String)}). */
    public ObjectName objectName() {
        return objectName;
    }

    /** The name given at construction. */
    public String name() {
        return name;
    }

    /** The current state (what {@link #getState()} shows). */
    public ServerState state() {
        return machine.snapshot().state;
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
        return operations.starts();
    }

    /** {@link #stop()}s (including those of {@link #restart()}) that stopped a running server. */
    public long stops() {
        return operations.stops();
    }

    /** Unexpected exits of the managed server seen by the monitor or {@link #checkHealth()}. */
    public long crashes() {
        return machine.crashes();
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
     * away. The managers of one scheduler and interval share one periodic task that runs their passes in turn (a
     * hung health check delays the others' passes by at most its timeout). Idempotent.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws java.util.concurrent.RejectedExecutionException when the scheduler is shut down
     */
    public void startMonitoring() {
        monitor.start();
    }

    /**
     * Cancels the monitor (a pass under way finishes) and a pending automatic restart; nothing is restarted
     * automatically afterwards. Never stops the server, which is detached and keeps running; the operations keep
     * working. Idempotent.
     */
    @Override
    public void close() {
        monitor.close();
        supervisor.close();
    }

    /** Whether a monitor pass of this manager is under way now (for tests and diagnostics). */
    boolean monitorPassInProgress() {
        return monitor.passInProgress();
    }

    /** Samples of the server's process tree taken so far, cached reads not counted (for tests and diagnostics). */
    long resourceSamples() {
        return monitor.resourceSamples();
    }

    /** Health checks so far (since construction) whose outcome has the metric tag {@code TimedHealthCheck.TAGS[tag]}. */
    long healthChecks(int tag) {
        return health.count(tag);
    }

    /** Their summed duration in nanoseconds. */
    double healthCheckNanos(int tag) {
        return health.totalNanos(tag);
    }

    /**
     * Registers {@code observer} (under {@code key}, replacing any earlier one with that key) to receive every health
     * check's outcome and duration in nanoseconds, in the checking thread. Used by the Flight Recorder bridge.
     */
    void putHealthCheckObserver(Object key, ObjLongConsumer<HealthCheck.Outcome> observer) {
        health.putObserver(key, observer);
    }

    /**
     * Calls {@code listener} with (old, new) on every change of state, in the thread that made the change (an
     * operation's caller or the monitor), in order, with a lock held: it must return quickly and must not call this
     * manager's operations. Whatever it throws (any Throwable, Errors included) is logged and ignored; the other
     * listeners are still called and the operation or monitor pass that made the change goes on.
     */
    public void addStateListener(BiConsumer<ServerState, ServerState> listener) {
        machine.addListener(listener);
    }

    /** Removes a listener added by {@link #addStateListener}. */
    public void removeStateListener(BiConsumer<ServerState, ServerState> listener) {
        machine.removeListener(listener);
    }

    /** Sends a notification to the MBean's listeners; nothing is thrown (see {@link #handleNotification}). */
    private void emit(Notification n) {
        try {
            sendNotification(n);
        } catch (Throwable e) { // handleNotification already isolates each listener: a filter or the broadcaster
            LOG.warn("session server '{}': sending a {} notification failed (ignored): {}", name, n.getType(),
                    e.toString(), e);
        }
    }

    /**
     * Calls one notification listener, in the thread that sends the notification. Whatever the listener throws (any
     * Throwable, Errors included; the JDK's own broadcaster would let an Error through, cutting short the operation
     * or monitor pass that sent it and skipping the listeners after it) is logged and ignored, and the next listener
     * is called.
     */
    @Override
    protected void handleNotification(NotificationListener listener, Notification notif, Object handback) {
        try {
            listener.handleNotification(notif, handback);
        } catch (Throwable e) {
            LOG.warn("session server '{}': a listener of {} notifications failed (ignored): {}", name,
                    notif.getType(), e.toString(), e);
        }
    }

    // ------------------------------------------------------------------ operations

    @Override
    public long start() {
        return actions.start();
    }

    @Override
    public void stop() {
        actions.stop();
    }

    @Override
    public long restart() {
        return actions.restart();
    }

    /**
     * Makes this server depend on {@code dependency} ({@code dependsOn}): start, stop and restart then follow the
     * link (see the README's Dependencies). Call before the first operation.
     *
     * @throws IllegalArgumentException for itself, or a dependency that depends on this one (the cycle named)
     */
    public void dependOn(SessionServerManager dependency, ServerDependency.Condition condition) {
        actions.addDependency(dependency, condition);
        dependency.actions.addDependent(this);
    }

    OperatorActions actions() {
        return actions;
    }

    @Override
    public boolean checkHealth() {
        try {
            return monitor.look().health == HealthCheck.Outcome.UP;
        } catch (RuntimeException e) {
            LOG.warn("session server '{}': health check failed", name, e);
            throw new IllegalStateException("health check of " + HealthCheck.text(manager.options().healthCheckUrl())
                    + " failed: " + e + "; try again, and see the host's log");
        }
    }

    @Override
    public String tailLog(int lines) {
        return console.tailLog(lines);
    }

    @Override
    public void signal(String signal) {
        console.signal(signal);
    }

    // ------------------------------------------------------------------ attributes (no I/O but the resource view)

    @Override
    public boolean isRunning() {
        return machine.snapshot().process != null;
    }

    @Override
    public long getPid() {
        ServerSnapshot s = machine.snapshot();
        return s.process == null ? -1 : s.process.pid();
    }

    @Override
    public boolean isHealthy() {
        return machine.snapshot().healthy;
    }

    @Override
    public String getState() {
        return machine.snapshot().state.name();
    }

    @Override
    public long getUptimeSeconds() {
        return (long) uptimeSeconds();
    }

    /** Seconds (with millisecond precision) since the server process started; 0 when not running. */
    double uptimeSeconds() {
        ServerSnapshot s = machine.snapshot();
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
        return HealthCheck.text(manager.options().healthCheckUrl());
    }

    @Override
    public String getLastError() {
        return machine.lastError();
    }

    @Override
    public long getRestarts() {
        return supervisor.restarts();
    }

    @Override
    public int getLastExitCode() {
        return machine.lastExitCode();
    }

    @Override
    public long getMemoryBytes() {
        return monitor.usage().memoryBytes();
    }

    @Override
    public double getCpuUsage() {
        return monitor.usage().cpuUsage();
    }

    @Override
    public int getProcesses() {
        return monitor.usage().processes();
    }

    @Override
    public long getOpenFiles() {
        return monitor.usage().openFiles();
    }

    @Override
    public String[] getDependsOn() {
        return actions.dependsOnNames();
    }

    @Override
    public String[] getDependents() {
        return actions.dependentNames();
    }

    @Override
    public String toString() {
        ServerSnapshot s = machine.snapshot();
        return "SessionServerManager{" + objectName + ", " + s.state
                + (s.process == null ? "" : " pid " + s.process.pid()) + "}";
    }
}
