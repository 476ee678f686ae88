package dev.omega.sessionserver.jmx;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.process.ProcessIdentity;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessTreeResources;
import dev.omega.sessionserver.process.ProcessTreeUsage;

/**
 * The background monitor of one managed server: every {@code healthInterval} (fixed delay, first pass at once; the
 * monitors of one scheduler and interval share one periodic task, see {@link MonitorGroup}) it
 * looks for the managed process and checks its health ({@link #look()}), hands that to the
 * {@link ServerStateMachine}, and tells the {@link Supervisor} what it saw. Passes never overlap; a pass is skipped
 * while an operation runs, and one that overlapped an operation is discarded by the state machine. When the server's
 * output goes to a log file, each pass first looks at the free space of the log's file system ({@link LogSpaceWatch};
 * also while an operation runs) and sets the note in {@code LastError}; then it rotates the log when it is larger than
 * {@code logMaxBytes} ({@link ProcessManager#rotateLog()}: skipped while a start or stop holds the PID file's lock,
 * tried again next pass), and a rotation that failed (a full disk, a refused backup path) adds its note to
 * {@code LastError} until one succeeds. A pass never throws (that would cancel the scheduled task for good): a
 * failure is logged and the next pass looks again; a failure of the space check or of the rotation does not keep the
 * pass from looking at the process.
 *
 * <p>What the server's process tree uses ({@link ProcessTreeResources}: memory, CPU, processes, open files) is
 * sampled lazily: {@link #usage()} (the resource attributes and meters) samples when the last sample is older than
 * {@code healthInterval} or was of another process, and otherwise returns it, so that any number of readers (a
 * Prometheus scrape, a JConsole poll, several at once) cost at most about one sample per server per interval, and a
 * server nobody reads costs none. A pass samples only with a memory limit ({@code maxMemory}, which needs a figure
 * every pass; it shares the cache with the readers): it counts the passes in a row that found the tree above the
 * limit and reports the {@code unhealthyThreshold}-th to the supervisor. {@code checkHealth} does not sample.
 * Thread-safe.
 *
 * <h2>Resources (the manager's attributes)</h2>
 * What the server's process tree (the server, its process group, their descendants) uses is read from
 * {@code /proc} ({@link dev.omega.sessionserver.process.ProcessTreeResources}) lazily: {@code MemoryBytes} (resident
 * set summed; -1 unknown), {@code CpuUsage}, {@code Processes} and {@code OpenFiles} (descriptors summed; -1 where
 * not readable) share one sample, taken when one of them or one of their meters is read and the last sample is
 * older than {@code healthInterval} (or was of another process), else reused: a Prometheus scrape or a JConsole poll
 * costs at most one sample per server per interval, and a server nobody reads costs none. {@code CpuUsage} is the
 * fraction of one core the tree used between that sample and the one before it (at least an interval apart; longer
 * when reads are rarer, an average over the whole gap), NaN for the first sample of a server. A read that finds a
 * sample under way in another thread returns the previous figure (it waits only when there is none). With no server
 * running they are 0, without I/O. Monitor passes sample only with {@link SupervisionPolicy#maxMemory()} set (every
 * pass, sharing the readers' sample when it is younger than an interval): a tree above it for
 * {@code unhealthyThreshold} passes in a row is restarted (a {@code memory-limit} notification, see
 * {@link SessionServerNotifications}). {@code -Ddev.omega.sessionserver.resourceView=false} (a diagnostic) turns the
 * view off: the attributes read unknown (-1, NaN; {@code Processes} 0) unless {@code maxMemory} is set.
 */
final class ServerMonitor implements AutoCloseable {

    /** Logs under {@link SessionServerManager}'s category, as the manager did before this class was split off. */
    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);

    private final String name;
    private final ProcessManager manager;
    private final ServerStateMachine machine;
    private final TimedHealthCheck health;
    private final ServerExitStatus exitStatus;
    private final Supervisor supervisor;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final AtomicBoolean passRunning = new AtomicBoolean();
    /** The PID last warned about as alive but no longer named by the PID file (one warning per PID, not per pass). */
    private volatile long unnamedPidWarned = -1;
    private final LogSpaceWatch logSpace; // null: the server's output is discarded
    private final ProcessTreeResources resources = new ProcessTreeResources(); // thread-safe
    /** Serializes the samples, so that readers arriving together share one. */
    private final java.util.concurrent.locks.ReentrantLock sampling = new java.util.concurrent.locks.ReentrantLock();
    /**
     * The system property that switches the resource view off ({@code -Ddev.omega.sessionserver.resourceView=false}):
     * a diagnostic for measuring what the view costs (the benchmark compares both). Off, the resource attributes
     * read unknown (-1, NaN) unless {@code maxMemory} is set, which needs the samples.
     */
    static final String RESOURCE_VIEW_PROPERTY = "dev.omega.sessionserver.resourceView";
    private static final boolean RESOURCE_VIEW = !"false".equalsIgnoreCase(System.getProperty(RESOURCE_VIEW_PROPERTY));
    private final long maxMemory; // 0: no limit
    private final int memoryPassesToRestart;
    private final long intervalNanos;
    /** The last sample and of which process, when; null before the first. Replaced, never mutated. */
    private volatile Sample last;
    /** Samples taken (not served from the cache), for tests and diagnostics. */
    private final java.util.concurrent.atomic.AtomicLong samples = new java.util.concurrent.atomic.AtomicLong();
    // passes only (passRunning serializes them)
    private long overLimitPid = -1;
    private int overLimitPasses;

    private final Object lock = new Object();
    private MonitorGroup group; // guarded by lock; null when not monitoring
    private boolean closed; // guarded by lock

    ServerMonitor(String name, ProcessManager manager, ServerStateMachine machine, TimedHealthCheck health,
            ServerExitStatus exitStatus, Supervisor supervisor, ScheduledExecutorService scheduler,
            Duration interval, LogSpaceWatch logSpace) {
        this(name, manager, machine, health, exitStatus, supervisor, scheduler, interval, logSpace,
                supervisor.policy().maxMemory(), supervisor.policy().unhealthyThreshold());
    }

    ServerMonitor(String name, ProcessManager manager, ServerStateMachine machine, TimedHealthCheck health,
            ServerExitStatus exitStatus, Supervisor supervisor, ScheduledExecutorService scheduler,
            Duration interval, LogSpaceWatch logSpace, long maxMemory, int memoryPassesToRestart) {
        this.name = Objects.requireNonNull(name, "name");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.machine = Objects.requireNonNull(machine, "machine");
        this.health = Objects.requireNonNull(health, "health");
        this.exitStatus = Objects.requireNonNull(exitStatus, "exitStatus");
        this.supervisor = Objects.requireNonNull(supervisor, "supervisor");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.intervalNanos = interval.toNanos();
        this.logSpace = logSpace;
        this.maxMemory = maxMemory;
        this.memoryPassesToRestart = Math.max(1, memoryPassesToRestart);
    }

    /** One sample of one process's tree. Immutable. */
    private static final class Sample {
        final ProcessIdentity server;
        final long takenNanos;
        final ProcessTreeUsage usage;

        Sample(ProcessIdentity server, long takenNanos, ProcessTreeUsage usage) {
            this.server = server;
            this.takenNanos = takenNanos;
            this.usage = usage;
        }
    }

    /**
     * What the process tree of the server the state shows running uses: {@link ProcessTreeUsage#NONE}
     * without I/O when none runs; {@link ProcessTreeUsage#UNKNOWN} when the resource view is off (and no
     * {@code maxMemory} is set); else the last sample of that process when it is younger than {@code healthInterval},
     * or a new one (a few reads of {@code /proc}). A reader that finds another thread sampling gets the previous
     * sample of the same process at once when there is one, and otherwise waits for that sample. The CPU figure is
     * the fraction of one core between this sample and the previous one of the same process, however far apart (at
     * least {@code healthInterval} when reads are frequent), NaN for the first. Never throws.
     */
    ProcessTreeUsage usage() {
        if (!RESOURCE_VIEW && maxMemory <= 0) {
            return ProcessTreeUsage.UNKNOWN;
        }
        ProcessIdentity server = machine.snapshot().process;
        return server == null ? ProcessTreeUsage.NONE : sample(server);
    }

    /** The cached sample of {@code server} when fresh, else a new one (see {@link #usage()}). */
    private ProcessTreeUsage sample(ProcessIdentity server) {
        Sample s = last;
        if (s != null && s.server.equals(server) && System.nanoTime() - s.takenNanos < intervalNanos) {
            return s.usage;
        }
        if (!sampling.tryLock()) {
            if (s != null && s.server.equals(server)) {
                return s.usage; // another thread samples it now: the previous figure rather than a wait
            }
            sampling.lock();
        }
        try {
            s = last;
            if (s != null && s.server.equals(server) && System.nanoTime() - s.takenNanos < intervalNanos) {
                return s.usage; // sampled while this thread waited
            }
            ProcessTreeUsage u;
            samples.incrementAndGet();
            try {
                u = resources.sample(server);
            } catch (Throwable t) {
                LOG.error("session server '{}': sampling the process tree's resources failed: {}", name,
                        t.toString(), t);
                u = ProcessTreeUsage.UNKNOWN;
            }
            last = new Sample(server, System.nanoTime(), u);
            return u;
        } finally {
            sampling.unlock();
        }
    }

    /**
     * Schedules the passes. Idempotent.
     *
     * @throws IllegalStateException after {@link #close()}
     * @throws java.util.concurrent.RejectedExecutionException when the scheduler is shut down
     */
    void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("session server manager '" + name + "' is closed; create a new one");
            }
            if (group != null) {
                return;
            }
            group = MonitorGroup.join(scheduler, interval.toNanos(), this);
        }
        LOG.debug("monitoring session server '{}' every {} ms", name, interval.toMillis());
    }

    /** Stops the passes (one under way finishes). Idempotent; {@link #start()} refuses afterwards. */
    @Override
    public void close() {
        MonitorGroup g;
        synchronized (lock) {
            closed = true;
            g = group;
            group = null;
        }
        if (g != null) {
            g.leave(this);
        }
    }

    /** One pass; skipped when a pass is already under way or an operation runs. Never throws. */
    void pass() {
        if (!passRunning.compareAndSet(false, true)) {
            return;
        }
        try {
            watchLog();
            if (machine.operationInProgress()) {
                return; // the operation sets the state; the next pass looks again
            }
            MonitorProbe p = look();
            sampleResources(p);
        } catch (Throwable t) { // a throw would cancel the scheduled task for good
            LOG.error("session server '{}': monitor pass failed (it keeps running): {}", name, t.toString(), t);
        } finally {
            passRunning.set(false);
        }
    }

    /**
     * Looks at the free space of the log's file system and rotates the log when it is due; sets both notes (the
     * space note first) for {@code LastError}. Never throws.
     */
    private void watchLog() {
        if (logSpace == null) {
            return; // output discarded: no log to watch or rotate
        }
        String spaceNote = "";
        try {
            spaceNote = logSpace.check();
        } catch (Throwable t) {
            LOG.error("session server '{}': checking the free space for log file {} failed: {}", name,
                    logSpace.log(), t.toString(), t);
        }
        String rotationNote = "";
        try {
            manager.rotateLog();
            rotationNote = manager.logRotationNote();
        } catch (Throwable t) {
            LOG.error("session server '{}': rotating log file {} failed: {}", name, logSpace.log(), t.toString(), t);
        }
        machine.logSpaceNote(spaceNote.isEmpty() ? rotationNote
                : rotationNote.isEmpty() ? spaceNote : spaceNote + "; " + rotationNote);
    }

    /**
     * With a memory limit: samples the tree of the server the state now shows running (or takes the readers' sample
     * of it when younger than the interval), then counts the passes over the limit. Without one: nothing (the
     * readers sample lazily). Never throws.
     */
    private void sampleResources(MonitorProbe p) {
        if (maxMemory <= 0) {
            return;
        }
        ProcessIdentity server = machine.snapshot().process;
        if (server == null) {
            overLimitPasses = 0;
            overLimitPid = -1;
            return;
        }
        ProcessTreeUsage u = sample(server);
        if (u.memoryBytes() <= maxMemory) {
            overLimitPasses = 0;
            overLimitPid = -1;
            return;
        }
        if (overLimitPid != server.pid()) {
            overLimitPid = server.pid();
            overLimitPasses = 0;
        }
        overLimitPasses++;
        LOG.debug("session server '{}' (pid {}): {} bytes resident, above maxMemory {} ({} passes in a row)", name,
                server.pid(), u.memoryBytes(), maxMemory, overLimitPasses);
        if (overLimitPasses >= memoryPassesToRestart && !supervisor.restartPending()) {
            int passes = overLimitPasses;
            overLimitPasses = 0;
            supervisor.memoryExceeded(p.epoch, server.pid(), u.memoryBytes(), passes);
        }
    }

    /** Samples of the process tree taken so far (reads served from the cache not counted). */
    long resourceSamples() {
        return samples.get();
    }

    /** Whether a pass is under way now. */
    boolean passInProgress() {
        return passRunning.get();
    }

    /**
     * Probes, then applies the result, then tells the supervisor what was seen (with no lock held: it may schedule a
     * restart); returns the probe. Also what {@code checkHealth} does, in the caller's thread.
     */
    MonitorProbe look() {
        MonitorProbe p = machine.probe(manager::managedProcess, health::check);
        ServerSnapshot before = machine.snapshot();
        OptionalInt exitCode = OptionalInt.empty();
        boolean crashed = false;
        if (p.process == null && before.process != null && before.state.isUp()) {
            if (before.process.isAlive()) {
                // the PID file no longer names it (unreadable, rewritten by hand): the process itself still runs
                if (unnamedPidWarned != before.process.pid()) {
                    unnamedPidWarned = before.process.pid();
                    LOG.warn("session server '{}': the PID file {} does not name pid {}, which is still alive", name,
                            manager.options().pidFile(), before.process.pid());
                }
                p = p.withProcess(before.process);
            } else {
                crashed = true;
                exitCode = exitStatus.awaitExitCode(before.process.pid());
            }
        }
        boolean clean = crashed && supervisor.policy().isSuccessExit(exitCode);
        ServerState crashState = crashed ? supervisor.stateAfterExit(exitCode) : null;
        MonitorObservation seen = machine.apply(p, crashed, exitCode, clean, crashState);
        if (seen != null) {
            if (seen.kind == MonitorObservation.Kind.CRASH) {
                exitStatus.forget(seen.pid);
            }
            supervisor.observed(seen);
        }
        return p;
    }
}
