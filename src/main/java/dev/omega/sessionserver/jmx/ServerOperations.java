package dev.omega.sessionserver.jmx;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessIdentity;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ServerStartException;
import dev.omega.sessionserver.process.StopResult;

/**
 * The start and stop of one managed server, serialized by its operation lock, and their effect on the
 * {@link ServerStateMachine}: an operator's operation ({@link #begin} waits for the lock, at most the longest time an
 * operation can take) or an automatic restart ({@link #tryBeginSupervisedOperation} never waits). Failures become
 * {@link IllegalStateException}s without causes whose message says what went wrong and what to do; the message is
 * also the new {@code LastError}. This is the {@link SupervisedServer} a {@link Supervisor} works with. Thread-safe.
 */
final class ServerOperations implements SupervisedServer {

    /** Logs under {@link SessionServerManager}'s category, as the manager did before this class was split off. */
    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);
    /** Beyond the ProcessManager's own bounds, how long an operation waits for another one to finish. */
    private static final long LOCK_SLACK_MILLIS = 30_000;

    private final String name;
    private final ProcessManager manager;
    private final ServerStateMachine machine;
    private final TimedHealthCheck health;
    private final ServerExitStatus exitStatus;
    private final int unhealthyThreshold;
    private final long lockTimeoutMillis;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong starts = new AtomicLong();
    private final AtomicLong stops = new AtomicLong();
    /** The exit code of the server during the last start, when it exited then; guarded by {@link #lock}. */
    private OptionalInt lastStartExitCode = OptionalInt.empty();

    ServerOperations(String name, ProcessManager manager, ServerStateMachine machine, TimedHealthCheck health,
            ServerExitStatus exitStatus, int unhealthyThreshold) {
        this.name = Objects.requireNonNull(name, "name");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.machine = Objects.requireNonNull(machine, "machine");
        this.health = Objects.requireNonNull(health, "health");
        this.exitStatus = Objects.requireNonNull(exitStatus, "exitStatus");
        this.unhealthyThreshold = unhealthyThreshold;
        this.lockTimeoutMillis = manager.options().startTimeout().toMillis()
                + 2 * manager.options().stopTimeout().toMillis() + LOCK_SLACK_MILLIS;
    }

    /** Successful starts since construction. */
    long starts() {
        return starts.get();
    }

    /** Stops that stopped a running server. */
    long stops() {
        return stops.get();
    }

    // ------------------------------------------------------------------ the lock

    /**
     * Begins an operator's operation {@code what}: waits for the lock (at most the longest an operation can take).
     * Pair with {@link #end()} in a finally block.
     *
     * @throws IllegalStateException when interrupted or when another operation holds the lock for too long
     */
    void begin(String what) {
        boolean locked;
        try {
            locked = lock.tryLock(lockTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " of session server '" + name
                    + "' was interrupted while waiting for another operation to finish; try again");
        }
        if (!locked) {
            throw new IllegalStateException(what + " of session server '" + name + "': another operation has been"
                    + " running for more than " + lockTimeoutMillis + " ms; try again later");
        }
        machine.operationBegan();
    }

    /** Ends what {@link #begin} or {@link #tryBeginSupervisedOperation()} began. */
    void end() {
        machine.operationEnded();
        lock.unlock();
    }

    // ------------------------------------------------------------------ SupervisedServer

    @Override
    public String name() {
        return name;
    }

    @Override
    public long operationEpoch() {
        return machine.operationEpoch();
    }

    @Override
    public boolean tryBeginSupervisedOperation() {
        if (!lock.tryLock()) {
            return false;
        }
        machine.operationBegan();
        return true;
    }

    @Override
    public void endSupervisedOperation() {
        end();
    }

    @Override
    public long supervisedRestart(boolean stopFirst, ServerState stateIfStartFails) {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("supervisedRestart without the operation lock");
        }
        if (stopFirst) {
            stop();
        }
        return start(stateIfStartFails);
    }

    @Override
    public OptionalInt lastStartExitCode() {
        return lastStartExitCode;
    }

    @Override
    public void supervisionNote(String oldNote, String newNote, ServerState ifDown) {
        machine.supervisionNote(oldNote, newNote, ifDown);
    }

    @Override
    public void announce(String type, String message, Map<String, Object> userData) {
        machine.announce(type, message, userData);
    }

    // ------------------------------------------------------------------ start and stop (the caller holds the lock)

    /**
     * Starts the server unless the one this manager shows as up still runs (then returns its PID).
     *
     * @return the server's PID
     * @throws IllegalStateException when the start failed (state FAILED, the reason in {@code LastError})
     */
    long start() {
        return start(ServerState.FAILED);
    }

    /**
     * Starts the server as {@link #start()} does; a failed start shows {@code failedState} (an automatic restart
     * that another attempt follows shows BACKOFF).
     */
    long start(ServerState failedState) {
        ServerSnapshot s = machine.snapshot();
        // the PID file and the kernel are asked only when the state shows a server up: otherwise nothing would be
        // returned here whatever they say, and the ProcessManager's start looks at the PID file itself (under its
        // lock), so the spawn comes sooner
        if (s.process != null && s.state.isUp()) {
            Optional<ProcessIdentity> live = manager.managedProcess();
            if (live.isPresent() && s.process.pid() == live.get().pid()) {
                LOG.info("session server '{}' already runs (pid {})", name, s.process.pid());
                return s.process.pid();
            }
        }
        machine.set(ServerState.STARTING, null, false, s.lastError);
        lastStartExitCode = OptionalInt.empty();
        try {
            long pid = manager.startServer();
            ProcessIdentity id = ProcessIdentity.of(pid).orElse(null);
            if (id == null) {
                throw new IOException("session server pid " + pid + " exited right after it was started");
            }
            boolean healthy = true;
            if (manager.options().startTimeout().isZero()) { // the ProcessManager did not wait for health
                healthy = health.check() == HealthCheck.Outcome.UP;
            }
            boolean ourChild = manager.spawnedByThisManager(pid);
            exitStatus.started(pid, ourChild);
            starts.incrementAndGet();
            int failed = healthy ? 0 : 1;
            machine.set(failed >= unhealthyThreshold ? ServerState.UNHEALTHY : ServerState.RUNNING, id, healthy, "",
                    failed);
            LOG.info("session server '{}' started: pid {}", name, pid);
            return pid;
        } catch (ServerStartException e) {
            if (e.exitCode().isPresent()) {
                lastStartExitCode = e.exitCode();
                machine.startExited(e.exitCode().getAsInt());
            }
            String message = startFailure(e);
            machine.set(failedState, null, false, message);
            LOG.error("session server '{}': {}", name, message);
            throw new IllegalStateException(message + "\nFix the cause (see LastError and the server's log), then"
                    + " run start again.");
        } catch (IOException | RuntimeException e) {
            String message = "start failed: " + e.getMessage();
            machine.set(failedState, null, false, message);
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

    /**
     * Stops the managed server (a no-op when none runs; a PID file naming another process is left alone).
     *
     * @throws IllegalStateException when the stop failed (the message says whether the server still runs)
     */
    void stop() {
        ServerSnapshot s = machine.snapshot();
        // the server the state shows is the one STOPPING shows (the ProcessManager's stop reads the PID file itself,
        // under its lock, and signals what it names); only when the state knows none is the PID file asked, for a
        // server that runs unseen (started since the last monitor pass), so that the first signal comes sooner
        ProcessIdentity shown = s.process;
        if (shown == null) {
            shown = manager.managedProcess().orElse(null);
        }
        if (shown != null) {
            machine.set(ServerState.STOPPING, shown, s.healthy, s.lastError);
        }
        FlightRecorderEvents.StopSpan jfr = FlightRecorderEvents.get().beginStop(name,
                shown == null ? -1L : shown.pid(), FlightRecorderEvents.STOP_SIGNAL);
        try {
            StopResult result = manager.stopServer();
            jfr.end(result.name());
            String error = machine.snapshot().lastError;
            if (result.stoppedSomething()) {
                stops.incrementAndGet();
            } else if (result == StopResult.FOREIGN_PROCESS_LEFT_ALONE) {
                error = "stop left the PID file " + manager.options().pidFile() + " alone: it names a process that"
                        + " is not the configured server, so nothing was signalled; remove the file if that process"
                        + " is not a session server";
                LOG.warn("session server '{}': {}", name, error);
            }
            exitStatus.forget();
            machine.set(ServerState.STOPPED, null, false, error);
            LOG.info("session server '{}' stopped: {}", name, result);
        } catch (IOException | RuntimeException e) {
            jfr.end("FAILED");
            String message = "stop failed: " + e.getMessage();
            LOG.error("session server '{}': {}", name, message, e);
            Optional<ProcessIdentity> still = manager.managedProcess();
            if (still.isPresent()) {
                boolean healthy = health.check() == HealthCheck.Outcome.UP;
                machine.set(healthy ? ServerState.RUNNING : ServerState.UNHEALTHY, still.get(), healthy, message,
                        healthy ? 0 : unhealthyThreshold);
            } else {
                machine.set(ServerState.STOPPED, null, false, message);
            }
            throw new IllegalStateException(message + "\nThe server " + (still.isPresent() ? "still runs as pid "
                    + still.get().pid() + ": run stop again, or kill that process group by hand"
                    : "is no longer running") + ".");
        }
    }
}
