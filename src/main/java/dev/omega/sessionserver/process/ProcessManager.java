package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a session server detached, records its PID <em>and identity</em> in the PID file, stops its whole process
 * group (the stop signal, SIGTERM by default, then SIGKILL after the stop timeout), and checks its health (by default
 * {@code GET /api/health}; see {@link HealthCheck} for the other kinds): the orchestration of
 * start, stop and status. How the server is launched and recognised is {@link ServerCommandLine}; the PID file is
 * {@link PidFile}; the health check is {@link HealthCheck}.
 *
 * <p>It began as a port of a TypeScript {@code ProcessManager} with four operations, kept here with the same meaning:
 * {@link #startServer(Map)}, {@link #stopServer()}, {@link #isServerRunning()} and {@link #getServerPid()}.
 *
 * <p>Safety contract:
 * <ul>
 * <li>A process is signalled only when it is the one this tool started: its PID and kernel start time match the PID
 * file (see {@link ProcessIdentity}). A PID file without identity (the PID line alone, as the TypeScript tool writes
 * it) is adopted only when the live process's command line is the configured server's; otherwise it is foreign and
 * left alone.</li>
 * <li>Invalid PIDs ({@code -1}, {@code 0}, {@code 1}, this JVM, its parent, garbage; see {@link PidValidator}) are
 * never signalled.</li>
 * <li>Start and stop are serialized across threads and JVMs by a lock file beside the PID file, so concurrent
 * starts yield one server and every caller gets its PID.</li>
 * <li>A server found healthy on the port but not started by this tool is reported as unmanaged; nothing is spawned
 * and no PID is claimed.</li>
 * <li>The PID file, its lock file and the log are never opened through a symbolic link, never created group- or
 * world-writable, and refused (path and reason in the message) when not a regular file or another user's; see
 * {@link SafeFiles}. Before spawning, a start proves the PID file writable (a synced temporary file beside it), so a
 * full or read-only file system is reported ({@link ServerStartException.Reason#FILE_UNUSABLE}, with the system's
 * reason) with nothing spawned.</li>
 * <li>No failure after the spawn leaves the server running untracked: whatever fails before the start reports
 * success (the PID file write, an interrupt, any exception) stops the spawned server's whole group first; only when
 * that stop itself fails is the PID file kept, so that a later stop can retry.</li>
 * </ul>
 *
 * <p>The server runs in its own session and process group, with default signal dispositions and an empty signal
 * mask, stdin from {@code /dev/null}, output appended to the log file (see {@link ServerLauncher}): it survives the
 * host JVM's exit, a {@code kill -9} of the host and a Ctrl-C or hang-up in the host's terminal. Its working
 * directory is {@link ProcessManagerOptions#workingDirectory()} when set (checked at each start: it must exist and be
 * a directory, else nothing is spawned), else the host's, or {@code /} when that has been removed. A stop sends
 * {@link ProcessManagerOptions#stopSignal()} (SIGTERM by default) first. Thread-safe.
 */
public final class ProcessManager {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessManager.class);
    /** How long a start waits for a spawned server's exit code, and part of the lock's timeout. */
    static final long KILL_WAIT_MILLIS = 5_000;

    private final ProcessManagerOptions options;
    private final PidFile pidFile;
    private final PidFileLock lock;
    private final HealthCheck health;
    private final ServerCommandLine commandLine;
    private final PidFileCheck pidFileCheck;
    private final SpawnedServerExits exits;
    private final LogRotation rotation; // null: output discarded or logMaxBytes=0
    private final ServerSpawn spawn;
    private final ServerConsole console;

    public ProcessManager(ProcessManagerOptions options) {
        this.options = options;
        this.pidFile = new PidFile(options.pidFile());
        this.lock = new PidFileLock(options.pidFile());
        this.health = HealthCheck.of(options, () -> managedProcess().isPresent());
        this.commandLine = new ServerCommandLine(options);
        this.pidFileCheck = new PidFileCheck(pidFile, commandLine);
        this.rotation = LogRotation.of(options).orElse(null);
        this.exits = new SpawnedServerExits(options.pidFile());
        this.spawn = new ServerSpawn(options, pidFile, health, commandLine, exits, ServerLauncher.system(), rotation,
                pid -> afterSpawn.run(pid));
        this.console = new ServerConsole(options, this::managedProcess);
    }

    public ProcessManagerOptions options() {
        return options;
    }

    /**
     * Loads the process layer now: on Java 22+ with native access, links the pidfd layer's C functions and opens its
     * waiter's eventfd (tens of milliseconds, once per JVM) so that the first start does not pay for it; elsewhere
     * nothing. Never throws.
     *
     * @return why the pidfd layer is off (and how to turn it on), or {@code ""} when it is on
     */
    public static String prepareProcessLayer() {
        try {
            return PidfdSupport.layer().isPresent() ? "" : PidfdSupport.unavailableReason().orElse("");
        } catch (RuntimeException | LinkageError e) {
            return e.toString();
        }
    }

    // ------------------------------------------------------------------ start

    /**
     * Starts the server unless it already runs, and returns its PID.
     *
     * @param extraEnv variables added to the server's environment (over the host's and {@code SESSION_SERVER_PORT})
     * @return the PID of the running server: the existing one when it already ran
     * @throws ServerStartException when no healthy managed server results (see its reason); nothing spawned by this
     *         call is left running, unless the message says that stopping it failed (then the PID file is kept)
     * @throws IOException when the PID file or its lock file cannot be read, locked or written, or is refused (a
     *         symbolic link, not a regular file, another user's): the message names the file and the reason
     */
    public long startServer(Map<String, String> extraEnv) throws IOException {
        try (PidFileLock.Held held = lock.acquire(lockTimeoutMillis())) {
            PidFileCheck.Result found = pidFileCheck.check();
            if (found.kind == PidFileCheck.Result.Kind.MANAGED) {
                exits.adopted(found.identity);
                if (found.adoptedWithoutIdentity) {
                    pidFile.write(found.identity); // record the identity from now on
                }
                LOG.info("session server already running (pid {})", found.identity.pid());
                return found.identity.pid();
            }
            if (found.kind != PidFileCheck.Result.Kind.NONE) {
                LOG.warn("ignoring PID file: {}", found.problem);
                pidFile.delete();
            }
            // without an endpoint (none, exec:) no process can be found serving it (the PID file check above still
            // finds this manager's own server)
            HealthCheck.Outcome onPort = health.kind().probesAnEndpoint() ? health.check()
                    : HealthCheck.Outcome.REFUSED;
            if (onPort.portServed()) {
                throw new ServerStartException(ServerStartException.Reason.PORT_SERVED_BY_UNMANAGED_SERVER,
                        "port " + options.port() + " is served by an unmanaged server (" + health.url() + " gave "
                                + onPort + "); this manager did not start it, so it spawned nothing and claims no"
                                + " PID. Stop that server, or configure another port.",
                        OptionalInt.empty(), "", null);
            }
            // proves the PID file writable, spawns, records it and awaits health; stops what it spawned on failure
            return spawn.spawnAndAwaitHealth(extraEnv == null ? Map.of() : extraEnv);
        }
    }

    /** {@link #startServer(Map)} with no extra environment. */
    public long startServer() throws IOException {
        return startServer(Map.of());
    }

    /** A test seam: runs after the spawn, before the PID file is written; a failure there must not orphan. */
    interface AfterSpawn {
        void run(long pid) throws IOException;
    }

    volatile AfterSpawn afterSpawn = pid -> { };

    /** The start timeout's message, before the log tail: what the last check found, and what the stop did. */
    String notHealthyInTimeMessage(long pid, long timeoutMillis, HealthCheck.Outcome last, StopAttempt stop) {
        return spawn.notHealthyInTimeMessage(pid, timeoutMillis, last, stop);
    }

    /**
     * The argv that runs the server, before the detaching prefix: the explicit command, else the script with the
     * executor its extension picks ({@code .ts} tsx, {@code .js} node, {@code .java} this JVM's java, {@code .jar}
     * java -jar, anything else executed directly).
     */
    public List<String> launchCommand() {
        return commandLine.launchCommand();
    }

    /**
     * The script, absolute: the configured path if it exists, else (for a {@code .js} path) its {@code .ts} twin if
     * that exists, else the configured path as is.
     */
    public Path resolveServerScript() {
        return commandLine.resolveServerScript();
    }

    // ------------------------------------------------------------------ stop

    /**
     * Stops the managed server and its process group: the stop signal ({@link ProcessManagerOptions#stopSignal()},
     * SIGTERM by default), up to the stop timeout, then SIGKILL. Returns only
     * once nothing of it is left, then removes the PID file. A server that does not run is a no-op.
     *
     * @return what happened
     * @throws IOException when the server could not be stopped (it may still be alive; the PID file is kept), the
     *         lock could not be had, or the PID file is a symbolic link (refused, and left as it is)
     */
    public StopResult stopServer() throws IOException {
        try (PidFileLock.Held held = lock.acquire(lockTimeoutMillis())) {
            PidFileCheck.Result found = pidFileCheck.check();
            switch (found.kind) {
                case NONE:
                    LOG.info("session server is not running (no PID file {})", options.pidFile());
                    return StopResult.NOT_RUNNING;
                case STALE:
                    LOG.info("session server is not running; removing stale PID file: {}", found.problem);
                    pidFile.delete();
                    return StopResult.STALE_PID_FILE_REMOVED;
                case FOREIGN:
                    LOG.warn("not stopping: {}", found.problem);
                    return StopResult.FOREIGN_PROCESS_LEFT_ALONE;
                default:
                    break;
            }
            exits.adopted(found.identity);
            StopResult result = terminate(found.identity);
            pidFile.delete();
            LOG.info("session server pid {} stopped: {}", found.identity.pid(), result);
            return result;
        }
    }


    private StopResult terminate(ProcessIdentity id) throws IOException {
        return ProcessTree.terminate(id, options.stopTimeout().toMillis(), options.stopSignal());
    }

    // ------------------------------------------------------------------ log rotation

    /**
     * Rotates the server's log when it is larger than {@code logMaxBytes} (copy to {@code <log>.1}, shift the older
     * copies, truncate in place; see {@link LogRotation}): what the monitor does at every pass; a start also does it
     * before spawning. Costs one {@code lstat} when the log is not due. Skipped ({@link LogRotation.Outcome#BUSY})
     * while a start or stop of this PID file holds its lock, in this JVM or another, so that a start's log tail is
     * never truncated under it: the next call rotates. Never throws: a failure (a full disk, a refused backup path)
     * is logged once and kept in {@link #logRotationNote()} until a rotation succeeds.
     *
     * @return what was done; {@link LogRotation.Outcome#NOT_DUE} when the output is discarded or {@code logMaxBytes}
     *         is 0
     */
    public LogRotation.Outcome rotateLog() {
        if (rotation == null) {
            return LogRotation.Outcome.NOT_DUE;
        }
        if (!rotation.isDue()) {
            rotation.notDue();
            return LogRotation.Outcome.NOT_DUE;
        }
        Optional<PidFileLock.Held> held;
        try {
            held = lock.tryAcquire();
        } catch (IOException e) {
            return rotation.lockUnavailable(e);
        }
        if (held.isEmpty()) {
            return LogRotation.Outcome.BUSY;
        }
        try (PidFileLock.Held h = held.get()) {
            return rotation.rotateIfDue();
        }
    }

    /**
     * Why the last rotation of the log did not happen ({@code "log file F: rotation failed: its file system is full
     * (...)"}, {@code "log file F: not rotated: backup 'F.1': it is a symbolic link ..."}); {@code ""} when nothing
     * is wrong, the output is discarded or rotation is off. No I/O.
     */
    public String logRotationNote() {
        return rotation == null ? "" : rotation.note();
    }

    // ------------------------------------------------------------------ queries

    /**
     * Whether a session server runs: the managed process is alive (its identity verified), or the health URL answers
     * 2xx (a server this manager did not start counts too, as in the TypeScript tool). A stale PID file found on the
     * way is removed (a symbolic link never is). Never throws.
     */
    public boolean isServerRunning() {
        PidFileCheck.Result found = pidFileCheck.checkQuietly();
        if (found.kind == PidFileCheck.Result.Kind.MANAGED) {
            return true;
        }
        if (found.kind == PidFileCheck.Result.Kind.STALE) {
            removeStalePidFile();
        }
        return health.check() == HealthCheck.Outcome.UP;
    }

    /**
     * The PID the PID file names, when the file holds a valid one (see {@link PidValidator}); empty for a missing,
     * unreadable or symbolically linked file or invalid content. This says nothing about liveness: see
     * {@link #isServerRunning()}.
     */
    public OptionalLong getServerPid() {
        try {
            PidFile.Contents c = pidFile.read();
            return c.hasPid() ? OptionalLong.of(c.pid) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The managed server's process when it is alive, from the PID file and the kernel; no network. A PID file
     * without identity counts only when its process's command line is the configured server's.
     */
    public Optional<ProcessIdentity> managedProcess() {
        PidFileCheck.Result found = pidFileCheck.checkQuietly();
        if (found.kind != PidFileCheck.Result.Kind.MANAGED) {
            return Optional.empty();
        }
        exits.adopted(found.identity);
        return Optional.of(found.identity);
    }

    /**
     * Why the last {@code exec:} health check could not run its program ({@code ""}: it ran, or another kind). No
     * I/O.
     */
    public String healthCheckProblem() {
        return health.problem();
    }

    /** The operator's console of this server: the tail of its log, and signals ({@link ServerConsole}). */
    public ServerConsole console() {
        return console;
    }

    /** One health check now. */
    public HealthCheck.Outcome checkHealth() {
        return health.check();
    }

    /** The finer view: our process alive or not, healthy or not, or an unmanaged server on the port. */
    public ServerStatus status() {
        PidFileCheck.Result found = pidFileCheck.checkQuietly();
        HealthCheck.Outcome h = health.check();
        if (found.kind == PidFileCheck.Result.Kind.MANAGED) {
            return new ServerStatus(h == HealthCheck.Outcome.UP ? ServerStatus.Condition.RUNNING
                    : ServerStatus.Condition.ALIVE_UNHEALTHY, found.identity, h, null);
        }
        return new ServerStatus(h == HealthCheck.Outcome.UP ? ServerStatus.Condition.UNMANAGED
                : ServerStatus.Condition.STOPPED, null, h, found.problem);
    }

    /**
     * The exit code of the last server this instance spawned, once it has exited; empty before any exit. The server
     * is not this JVM's child: the shim that waits for it writes its status to {@code <pidFile>.exit} (see
     * {@link SpawnedServerExits}). May wait briefly (at most one second) for that file when the kernel already
     * reports the server gone. A server killed by a signal has 128 plus the signal's number.
     */
    public OptionalInt lastExitCode() {
        return exits.last();
    }

    /**
     * The exit code of the server with this PID once it has exited, when this instance spawned it, or found it
     * through the PID file (an adopted server) and its shim recorded the exit in {@code <pidFile>.exit} (servers
     * started by this version of the launcher, from any host). Empty for a server still running, an adopted server
     * without an exit file (started by an older version or the TypeScript tool) or another PID. May wait briefly (at
     * most one second) for the exit file when the kernel already reports the server gone.
     */
    public OptionalInt exitCode(long pid) {
        return exits.of(pid);
    }

    /**
     * Whether this instance spawned the server with this PID (its last spawn): its exit code becomes known when it
     * exits ({@link #exitCode(long)}), within milliseconds. The server is not this JVM's child (its parent is the
     * launcher's shim), so {@link ProcessHandle#parent()} cannot tell. No I/O.
     */
    public boolean spawnedByThisManager(long pid) {
        return exits.isSpawned(pid);
    }

    // ------------------------------------------------------------------ helpers

    private void removeStalePidFile() {
        try {
            Optional<PidFileLock.Held> held = lock.tryAcquire();
            if (held.isEmpty()) {
                return; // a start or stop is under way: it owns the file
            }
            try (PidFileLock.Held h = held.get()) {
                PidFileCheck.Result again = pidFileCheck.check();
                if (again.kind == PidFileCheck.Result.Kind.STALE) {
                    LOG.info("removing stale PID file: {}", again.problem);
                    pidFile.delete();
                }
            }
        } catch (IOException e) {
            LOG.warn("could not remove stale PID file {}: {}", options.pidFile(), e.getMessage());
        }
    }

    private long lockTimeoutMillis() {
        return options.startTimeout().toMillis() + 2 * options.stopTimeout().toMillis() + KILL_WAIT_MILLIS + 30_000;
    }

    @Override
    public String toString() {
        return "ProcessManager{" + options.pidFile() + ", " + launchCommand().stream().collect(Collectors.joining(" "))
                + "}";
    }
}
