package dev.omega.sessionserver.jmx;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, for one {@link SupervisedServer}, what happens after a crash or a run of failed health checks, under a
 * {@link SupervisionPolicy}: it reports (notification and log line), and it schedules restarts with backoff on the
 * given scheduler until the crash-loop limit makes it give up.
 *
 * <h2>Threads and locks</h2>
 * The monitor hands it what a pass (or {@code checkHealth}) observed, in that thread, <em>after</em> releasing the
 * state lock ({@link #observed}); scheduling a restart never blocks. A restart runs later as a task on the
 * scheduler: it takes the server's operation lock without waiting (when an operation holds it, the task looks again
 * {@value #BUSY_RETRY_MILLIS} ms later), so that it blocks the scheduler thread no longer than the restart itself
 * (the start, and for an unhealthy server the stop before it). Lock order: operation lock, then this supervisor's
 * lock, then the state lock; notifications are sent with none of the two latter held.
 *
 * <h2>Operators win</h2>
 * Every operator operation ({@code start}, {@code stop}, {@code restart}) calls {@link #operatorAction} with the
 * operation lock held, before it acts: a pending restart is cancelled, the backoff, the crash-loop count and a
 * give-up are forgotten, and a restart task already due sees a new generation and does nothing. Observations made
 * before an operation began (the server's operation epoch moved since) schedule nothing.
 *
 * <h2>Giving up</h2>
 * When the crash-loop limit is reached, {@code LastError} ends with {@code gave up restarting: ...}, a {@code gave-up}
 * notification goes out, and a server that is down is shown FAILED. A server that still runs (restarted because it
 * was unhealthy) is never killed for it: it is left running and shown as the monitor sees it (UNHEALTHY). Either way
 * nothing is restarted automatically until an operator's start, stop or restart.
 *
 * <h2>What is visible while a restart is pending</h2>
 * A server that is down (it crashed, exited, or a restart attempt failed) is shown BACKOFF, never FAILED: the monitor
 * asks {@link #stateAfterExit} before it installs a crash, so that State goes RUNNING -> BACKOFF -> STARTING; FAILED
 * comes only when no restart follows (none configured for that exit, or the crash-loop limit is reached). A server
 * that still runs (unhealthy, or over its memory limit) keeps its State (UNHEALTHY, RUNNING). Either way
 * {@code LastError} ends with {@code restarting in 400 ms (attempt 2)}; the note goes when the attempt begins or the
 * restart is cancelled.
 *
 * <h2>Memory limit</h2>
 * With {@code maxMemory} set, the monitor reports a server whose process tree stayed above it for
 * {@code unhealthyThreshold} passes in a row ({@link #memoryExceeded}): a {@code memory-limit} notification and a log
 * line give the figure, and the server is restarted (stopped, then started) under the same backoff and limit. A
 * healthy check does not cancel such a restart.
 *
 * <p>What the supervisor decides is a {@link RestartDecision}; the notifications about it are built by
 * {@link SupervisionAnnouncements}.
 */
final class Supervisor {

    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    /** When a restart is due while an operation holds the lock: how long until it looks again. */
    static final long BUSY_RETRY_MILLIS = 50;

    /** What made a restart necessary (the {@code trigger} of a restart notification). */
    enum Trigger {
        CRASH("crash"), UNHEALTHY("unhealthy"), RESTART_FAILED("restart-failed"), MEMORY("memory-limit");

        final String text;

        Trigger(String text) {
            this.text = text;
        }
    }

    private final SupervisedServer server;
    private final SupervisionPolicy policy;
    private final ScheduledExecutorService scheduler;
    /** Milliseconds on a monotonic clock: what the backoff and the crash-loop window are measured with. */
    private final LongSupplier clock;
    private final AtomicLong restarts = new AtomicLong();
    private final SupervisionAnnouncements announcements;

    private final Object lock = new Object();
    // guarded by lock
    private final RestartBudget budget;
    private long generation;
    private ScheduledFuture<?> pending;
    private String pendingNote; // what LastError ends with while a restart is pending
    private Trigger pendingTrigger; // what made the pending restart necessary
    private boolean gaveUp;
    private boolean closed;

    /** Supervises {@code server}, timing with {@link System#nanoTime()}. */
    Supervisor(SupervisedServer server, SupervisionPolicy policy, ScheduledExecutorService scheduler) {
        this(server, policy, scheduler, () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
    }

    /**
     * Supervises {@code server}: restarts run on {@code scheduler}; {@code clockMillis} (monotonic milliseconds)
     * measures the crash-loop window and the time healthy before a backoff reset.
     */
    Supervisor(SupervisedServer server, SupervisionPolicy policy, ScheduledExecutorService scheduler,
            LongSupplier clockMillis) {
        this.server = Objects.requireNonNull(server, "server");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clockMillis, "clockMillis");
        this.budget = new RestartBudget(policy);
        this.announcements = new SupervisionAnnouncements(server, policy);
    }

    SupervisionPolicy policy() {
        return policy;
    }

    /** Automatic restart attempts so far (successful or not). */
    long restarts() {
        return restarts.get();
    }

    /** Whether a restart is scheduled and has not begun. */
    boolean restartPending() {
        synchronized (lock) {
            return pending != null;
        }
    }

    private long now() {
        return clock.getAsLong();
    }

    // ------------------------------------------------------------------ events in

    /** What a monitor pass or {@code checkHealth} saw. Called with no lock of the server held; never blocks. */
    void observed(MonitorObservation o) {
        List<Runnable> out = new ArrayList<>(2);
        synchronized (lock) {
            boolean current = !closed && server.operationEpoch() == o.epoch;
            switch (o.kind) {
                case HEALTHY:
                    if (budget.observed(true, now())) {
                        LOG.info("session server '{}' has been healthy for {} ms: restart backoff reset",
                                server.name(), policy.restartResetAfter().toMillis());
                    }
                    if (current && pending != null && pendingTrigger != Trigger.MEMORY) {
                        cancelPendingLocked("the server answers healthy again", null);
                    }
                    break;
                case FAILED_CHECK:
                    budget.observed(false, now());
                    if (current && policy.restartOnUnhealthy() && o.failedChecks >= policy.unhealthyThreshold()
                            && pending == null && !gaveUp) {
                        String cause = "unhealthy: " + o.failedChecks + " failed health checks in a row (last: "
                                + o.health + ")";
                        RestartDecision d = planLocked(Trigger.UNHEALTHY, cause);
                        LOG.warn("session server '{}' (pid {}) is {}; {}", server.name(), o.pid, cause, d.text);
                        announcements.addGaveUp(out, d);
                    }
                    break;
                case CRASH:
                default:
                    budget.observed(false, now());
                    boolean clean = policy.isSuccessExit(o.exitCode);
                    String what = "session server pid " + o.pid + (clean ? " exited by itself" : " exited unexpectedly")
                            + " (" + ServerExitStatus.describe(o.exitCode) + ")";
                    RestartDecision d;
                    if (!current) {
                        d = new RestartDecision(closed ? "not restarted (the manager is closed)"
                                : "not restarted here (an operator's operation began meanwhile)");
                    } else if (!policy.restartsAfterExit(o.exitCode)) {
                        d = new RestartDecision("not restarted (restart=" + policy.restart() + ")");
                    } else {
                        d = planLocked(Trigger.CRASH, what);
                    }
                    if (!d.scheduled && d.gaveUp == null && (current || closed)) {
                        // the monitor may have shown BACKOFF for a restart that is not coming after all
                        server.supervisionNote(null, null, clean ? ServerState.STOPPED : ServerState.FAILED);
                    }
                    if (clean) {
                        LOG.warn("session server '{}': {}; {}", server.name(), what, d.text);
                    } else {
                        LOG.error("session server '{}': {}; {}", server.name(), what, d.text);
                    }
                    out.add(announcements.crash(o.pid, o.exitCode, o.crashes, what, d.text));
                    announcements.addGaveUp(out, d);
                    break;
            }
        }
        SupervisionAnnouncements.send(out);
    }

    /**
     * The state a server that just exited with {@code exitCode} (empty: unknown) is to be shown in, asked by the
     * monitor before it installs the crash: BACKOFF when a restart will follow (the policy restarts that exit and the
     * crash-loop limit is not reached, or a restart is already pending), else STOPPED for a clean exit and FAILED for
     * any other. Changes nothing; the decision itself is {@link #observed}'s, which corrects the state when it differs.
     * Called with no lock of the server held.
     */
    ServerState stateAfterExit(OptionalInt exitCode) {
        ServerState down = policy.isSuccessExit(exitCode) ? ServerState.STOPPED : ServerState.FAILED;
        synchronized (lock) {
            if (closed) {
                return down;
            }
            if (pending != null) {
                return ServerState.BACKOFF;
            }
            if (gaveUp || !policy.restartsAfterExit(exitCode)) {
                return down;
            }
            return budget.plan(now()).giveUp ? ServerState.FAILED : ServerState.BACKOFF;
        }
    }

    /**
     * The monitor saw the server's process tree above {@code maxMemory} for {@code passes} passes in a row (the
     * policy's unhealthyThreshold): reports it (a {@code memory-limit} notification, a log line with the figure) and
     * plans a restart (stop, then start) under the backoff and limit. Nothing is planned when the observation is
     * stale (an operation began since {@code epoch}), a restart is already pending, or the supervisor gave up.
     */
    void memoryExceeded(long epoch, long pid, long rssBytes, int passes) {
        List<Runnable> out = new ArrayList<>(2);
        synchronized (lock) {
            boolean current = !closed && server.operationEpoch() == epoch;
            String cause = "memory: the process tree of pid " + pid + " used " + rssBytes + " bytes resident, above"
                    + " maxMemory " + policy.maxMemory() + " bytes, for " + passes + " monitor passes in a row";
            RestartDecision d;
            if (!current) {
                d = new RestartDecision("not restarted here (an operator's operation began meanwhile)");
            } else if (pending != null) {
                d = new RestartDecision("a restart is already pending");
            } else if (gaveUp) {
                d = new RestartDecision("not restarted (gave up earlier; start it to try again)");
            } else {
                d = planLocked(Trigger.MEMORY, cause);
            }
            LOG.warn("session server '{}' (pid {}): {} ({} MiB > {} MiB); {}", server.name(), pid, cause,
                    rssBytes / (1024 * 1024), policy.maxMemory() / (1024 * 1024), d.text);
            out.add(announcements.memoryLimit(pid, rssBytes, passes, cause, d.text));
            announcements.addGaveUp(out, d);
        }
        SupervisionAnnouncements.send(out);
    }

    /**
     * An operator's start, stop or restart is about to act (the caller holds the operation lock): cancel a pending
     * restart and begin afresh.
     */
    void operatorAction(String operation) {
        synchronized (lock) {
            generation++;
            if (pending != null) {
                cancelPendingLocked("the operator's " + operation + " comes first", null);
            }
            if (gaveUp) {
                LOG.info("session server '{}': the operator's {} clears the give-up: the restart policy applies"
                        + " again", server.name(), operation);
            }
            gaveUp = false;
            budget.clear();
        }
    }

    /** Stops supervising: a pending restart is cancelled and none is scheduled again. Idempotent. */
    void close() {
        synchronized (lock) {
            closed = true;
            generation++;
            if (pending != null) {
                cancelPendingLocked("the manager is closed", ServerState.FAILED);
            }
        }
    }

    // ------------------------------------------------------------------ planning

    /**
     * Schedules the next restart, or gives up when the crash-loop limit is reached. The caller holds {@link #lock}
     * and has checked that the failure is current (no operation began since it was seen).
     */
    private RestartDecision planLocked(Trigger trigger, String cause) {
        if (pending != null) {
            return new RestartDecision("a restart is already pending");
        }
        if (gaveUp) {
            return new RestartDecision("not restarted (gave up earlier; start it to try again)");
        }
        RestartBudget.Plan plan = budget.plan(now());
        if (plan.giveUp) {
            gaveUp = true;
            String note = "gave up restarting: " + plan.attemptsInWindow
                    + (plan.attemptsInWindow == 1 ? " restart within " : " restarts within ")
                    + policy.restartWindow().toMillis() + " ms reached restartLimit " + policy.restartLimit()
                    + "; start it to try again";
            server.supervisionNote(null, note, ServerState.FAILED);
            return new RestartDecision(note, plan, cause, false);
        }
        long gen = generation;
        try {
            pending = scheduler.schedule(() -> runRestart(gen, plan, trigger, cause), plan.delayMillis,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return new RestartDecision("not restarted (the scheduler is shut down)");
        }
        String decision = "restarting in " + plan.delayMillis + " ms (attempt " + plan.attempt + ")";
        pendingNote = trigger == Trigger.UNHEALTHY || trigger == Trigger.MEMORY ? cause + "; " + decision : decision;
        pendingTrigger = trigger;
        server.supervisionNote(null, pendingNote, ServerState.BACKOFF);
        return new RestartDecision(decision, null, null, true);
    }

    /** Cancels the pending restart; a server that is down is then shown {@code ifDown} (null: as it is). */
    private void cancelPendingLocked(String why, ServerState ifDown) {
        pending.cancel(false);
        pending = null;
        server.supervisionNote(pendingNote, null, ifDown);
        pendingNote = null;
        pendingTrigger = null;
        LOG.info("session server '{}': pending restart cancelled: {}", server.name(), why);
    }

    // ------------------------------------------------------------------ the restart task

    /** Runs on the scheduler when a restart is due. Never throws (that would only be lost in a Future). */
    private void runRestart(long gen, RestartBudget.Plan plan, Trigger trigger, String cause) {
        try {
            if (!server.tryBeginSupervisedOperation()) {
                // an operation holds the lock: an operator's (which cancels this restart) or the previous attempt's
                // last instructions; look again shortly, without blocking this thread
                synchronized (lock) {
                    if (!closed && gen == generation) {
                        pending = scheduler.schedule(() -> runRestart(gen, plan, trigger, cause), BUSY_RETRY_MILLIS,
                                TimeUnit.MILLISECONDS);
                    }
                }
                return;
            }
            long total;
            String failure = null;
            int exitCode = ServerExitStatus.UNKNOWN;
            long pid = -1;
            ServerState stateIfStartFails;
            try {
                synchronized (lock) {
                    if (closed || gen != generation) {
                        return;
                    }
                    pending = null;
                    server.supervisionNote(pendingNote, null, null);
                    pendingNote = null;
                    pendingTrigger = null;
                    budget.attempted(now());
                    total = restarts.incrementAndGet();
                    // a failed attempt is shown BACKOFF when the next one will follow, so never FAILED in between
                    stateIfStartFails = budget.plan(now()).giveUp ? ServerState.FAILED : ServerState.BACKOFF;
                }
                String message = "session server '" + server.name() + "': restarting after " + plan.delayMillis
                        + " ms (attempt " + plan.attempt + ", trigger " + trigger.text + "): " + cause;
                LOG.warn(message);
                announcements.restart(message, plan, trigger.text, cause, total);
                try {
                    pid = server.supervisedRestart(trigger == Trigger.UNHEALTHY || trigger == Trigger.MEMORY,
                            stateIfStartFails);
                } catch (RuntimeException e) {
                    failure = String.valueOf(e.getMessage());
                    OptionalInt code = server.lastStartExitCode();
                    exitCode = code.isPresent() ? code.getAsInt() : ServerExitStatus.UNKNOWN;
                }
            } finally {
                server.endSupervisedOperation();
            }
            if (failure == null) {
                LOG.info("session server '{}' restarted: pid {} (attempt {})", server.name(), pid, plan.attempt);
                return;
            }
            String error = failure.split("\n", 2)[0];
            List<Runnable> out = new ArrayList<>(2);
            RestartDecision d;
            synchronized (lock) {
                d = closed || gen != generation
                        ? new RestartDecision("not restarted again (an operator's operation came first)")
                        : planLocked(Trigger.RESTART_FAILED, "restart attempt " + plan.attempt + " failed: " + error);
            }
            LOG.error("session server '{}': restart attempt {} failed: {}; {}", server.name(), plan.attempt, error,
                    d.text);
            out.add(announcements.restartFailed(plan.attempt, exitCode, error, failure, d.text));
            announcements.addGaveUp(out, d);
            SupervisionAnnouncements.send(out);
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError) {
                throw (VirtualMachineError) t;
            }
            LOG.error("session server '{}': automatic restart failed unexpectedly: {}", server.name(), t.toString(),
                    t);
        }
    }
}
