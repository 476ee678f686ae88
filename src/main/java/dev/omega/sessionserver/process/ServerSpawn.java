package dev.omega.sessionserver.process;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spawning half of {@link ProcessManager#startServer(Map)}, run under the start's lock once the checks found no
 * server to adopt: proves the PID file writable and the working directory usable (nothing is spawned when either
 * fails), rotates the log when due, launches the server, records its identity in the PID file and waits up to the
 * start timeout for a healthy answer. No failure after the spawn leaves the server running untracked: whatever fails
 * (the PID file write, an interrupt, any exception) stops the spawned server's whole group before the failure is
 * reported, and only when that stop itself fails is the PID file kept, so that a later stop can retry. Logs under
 * {@link ProcessManager}'s logger. Thread-safe when its callers hold the PID file's lock, as the manager's do.
 */
final class ServerSpawn {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessManager.class);
    private static final long HEALTH_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(1_000);

    private final ProcessManagerOptions options;
    private final PidFile pidFile;
    private final HealthCheck health;
    private final ServerCommandLine commandLine;
    private final SpawnedServerExits exits;
    private final ServerLauncher launcher;
    private final LogRotation rotation; // null: output discarded or logMaxBytes=0
    private final ProcessManager.AfterSpawn afterSpawn;

    ServerSpawn(ProcessManagerOptions options, PidFile pidFile, HealthCheck health, ServerCommandLine commandLine,
            SpawnedServerExits exits, ServerLauncher launcher, LogRotation rotation,
            ProcessManager.AfterSpawn afterSpawn) {
        this.options = options;
        this.pidFile = pidFile;
        this.health = health;
        this.commandLine = commandLine;
        this.exits = exits;
        this.launcher = launcher;
        this.rotation = rotation;
        this.afterSpawn = afterSpawn;
    }

    /**
     * Proves the PID file writable, spawns, records the PID file and waits for a healthy answer. Whatever fails after
     * the spawn (the PID file write, an interrupt, an exception) stops what was spawned, its whole group, before the
     * failure is reported.
     *
     * @param extraEnv variables added to the server's environment (over the host's and {@code SESSION_SERVER_PORT})
     * @return the spawned server's PID, once healthy (at once when the start timeout is zero)
     * @throws ServerStartException when no healthy server results (see its reason); what this call spawned is stopped,
     *         unless the message says that stopping it failed (then the PID file is kept)
     * @throws IOException when the launch fails, or an interrupted wait (the server stopped, the interrupt kept)
     */
    long spawnAndAwaitHealth(Map<String, String> extraEnv) throws IOException {
        commandLine.requireWorkingDirectory();
        commandLine.refuseRelativeScriptInGoneWorkingDirectory();
        try {
            pidFile.proveWritable();
        } catch (IOException e) {
            throw new ServerStartException(ServerStartException.Reason.FILE_UNUSABLE, e.getMessage()
                    + "; nothing was spawned", OptionalInt.empty(), "", e);
        }
        Optional<Path> log = options.logFile();
        if (rotation != null) {
            rotation.rotateIfDue(); // under the lock this start holds; a failure is logged and noted, the start goes on
        }
        ServerLogTail logTail = ServerLogTail.fromEndOf(log);
        exits.spawning();
        long t0 = System.nanoTime();
        ServerLauncher.Launched p;
        try {
            p = launcher.launch(commandLine.serverProcess(extraEnv), log, Optional.of(exits.exitFile()));
        } catch (ServerStartException e) {
            if (e.reason() != ServerStartException.Reason.EXITED_DURING_START) {
                throw e;
            }
            // the pidfd layer's spawn found the program not executable (127/126): nothing runs; the log has why
            throw new ServerStartException(e.reason(), e.getMessage() + logTail.messageSuffix(), e.exitCode(),
                    logTail.lines(), e);
        }
        ProcessIdentity[] id = new ProcessIdentity[1];
        boolean[] reported = new boolean[1]; // the failure thrown already says what became of the server
        try {
            Optional<ProcessIdentity> live = ProcessIdentity.of(p.pid());
            exits.spawned(p, live.map(ProcessIdentity::startTicks).orElse(-1L));
            if (live.isEmpty()) {
                reported[0] = true;
                throw exitedDuringStart(p.pid(), logTail);
            }
            id[0] = live.get();
            afterSpawn.run(p.pid());
            try {
                pidFile.write(id[0]);
            } catch (IOException e) {
                throw new ServerStartException(ServerStartException.Reason.FILE_UNUSABLE, e.getMessage(),
                        OptionalInt.empty(), "", e);
            }
            LOG.info("spawned session server pid {}: {}", p.pid(), commandLine.launchCommand());
            return awaitHealthy(p, id[0], logTail, t0, reported);
        } catch (IOException e) {
            if (reported[0]) {
                throw e;
            }
            StopAttempt stop = stopSpawned(p, id[0]);
            ServerStartException failed = new ServerStartException(e instanceof ServerStartException
                    ? ((ServerStartException) e).reason() : ServerStartException.Reason.SPAWN_FAILED,
                    e.getMessage() + "; the spawned session server (pid " + p.pid() + "): "
                            + stop.describe(options.pidFile()), OptionalInt.empty(), "", e);
            stop.failure().ifPresent(failed::addSuppressed);
            throw failed;
        } catch (RuntimeException | Error e) {
            if (!reported[0]) {
                StopAttempt stop = stopSpawned(p, id[0]);
                e.addSuppressed(new IOException("after this failure, the spawned session server (pid " + p.pid()
                        + "): " + stop.describe(options.pidFile())));
            }
            throw e;
        }
    }

    private long awaitHealthy(ServerLauncher.Launched p, ProcessIdentity id, ServerLogTail logTail, long t0,
            boolean[] reported) throws IOException {
        long timeoutMillis = options.startTimeout().toMillis();
        if (timeoutMillis == 0) {
            return p.pid();
        }
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        HealthCheck.Outcome last = HealthCheck.Outcome.REFUSED;
        while (true) {
            if (!id.isAlive()) {
                reported[0] = true;
                pidFile.delete();
                throw exitedDuringStart(p.pid(), logTail);
            }
            last = health.check();
            if (last == HealthCheck.Outcome.UP) {
                LOG.info("session server pid {} healthy after {} ms", p.pid(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                return p.pid();
            }
            if (System.nanoTime() - deadline >= 0) {
                break;
            }
            LockSupport.parkNanos(HEALTH_POLL_NANOS); // a refused connect costs some 50 µs: poll often
            if (Thread.currentThread().isInterrupted()) {
                reported[0] = true;
                StopAttempt stop = stopAfterFailedStart(id);
                InterruptedIOException interrupted = new InterruptedIOException("interrupted while waiting for the"
                        + " session server (pid " + p.pid() + ") to become healthy; "
                        + stop.describe(options.pidFile()));
                stop.failure().ifPresent(interrupted::addSuppressed);
                throw interrupted;
            }
        }
        reported[0] = true;
        StopAttempt stop = stopAfterFailedStart(id);
        throw new ServerStartException(ServerStartException.Reason.NOT_HEALTHY_IN_TIME,
                notHealthyInTimeMessage(p.pid(), timeoutMillis, last, stop) + logTail.messageSuffix(),
                OptionalInt.empty(), logTail.lines(), stop.failure().orElse(null));
    }

    /** Stops a server spawned by a start that failed; its identity is null when it was not read yet. */
    private StopAttempt stopSpawned(ServerLauncher.Launched p, ProcessIdentity id) {
        ProcessIdentity target = id != null ? id : ProcessIdentity.of(p.pid()).orElse(null);
        if (target == null) {
            p.child().ifPresent(Process::destroyForcibly); // exited, or a zombie: no identity left to check
            p.pidfd().ifPresent(fd -> fd.signal(9)); // a pidfd reaches only that process: refused once it exited
            return StopAttempt.stopped(p.pid(), StopResult.NOT_RUNNING);
        }
        try {
            return stopAfterFailedStart(target);
        } catch (IOException e) {
            return StopAttempt.failed(target.pid(), e);
        }
    }

    /** The start timeout's message, before the log tail: what the last check found, and what the stop did. */
    String notHealthyInTimeMessage(long pid, long timeoutMillis, HealthCheck.Outcome last, StopAttempt stop) {
        return "session server (pid " + pid + ") was not healthy within the start timeout of " + timeoutMillis
                + " ms (last check of " + HealthCheck.text(health.url()) + ": " + last
                + (health.problem().isEmpty() ? "" : ": " + health.problem()) + "); " + stop.describe(options.pidFile());
    }

    private ServerStartException exitedDuringStart(long pid, ServerLogTail logTail) {
        OptionalInt code = exits.awaitExitDuringStart(pid, ProcessManager.KILL_WAIT_MILLIS);
        String hint = code.isPresent() && (code.getAsInt() == 127 || code.getAsInt() == 126)
                ? " (the executor or script could not be run: is it installed and on the PATH?)" : "";
        return new ServerStartException(ServerStartException.Reason.EXITED_DURING_START,
                "session server (pid " + pid + ") exited during start with exit code "
                        + (code.isPresent() ? Integer.toString(code.getAsInt()) : "unknown") + hint
                        + logTail.messageSuffix(),
                code, logTail.lines(), null);
    }

    /**
     * Stops a server whose start failed, fully even when the thread is interrupted (the interrupt status is kept).
     * The PID file is removed only when the server's process tree is gone; when the stop fails it is kept, so that
     * the server is still tracked and a later stop can retry.
     *
     * @throws IOException only when the PID file cannot be removed after a successful stop
     */
    private StopAttempt stopAfterFailedStart(ProcessIdentity id) throws IOException {
        boolean interrupted = Thread.interrupted(); // an interrupted start still stops its server fully
        StopResult result;
        try {
            result = terminate(id);
        } catch (IOException e) {
            LOG.error("could not stop session server pid {} after its failed start: {}", id.pid(), e.getMessage());
            return StopAttempt.failed(id.pid(), e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        pidFile.delete();
        return StopAttempt.stopped(id.pid(), result);
    }

    private StopResult terminate(ProcessIdentity id) throws IOException {
        return ProcessTree.terminate(id, options.stopTimeout().toMillis(), options.stopSignal());
    }
}
