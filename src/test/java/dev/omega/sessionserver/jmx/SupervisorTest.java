package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.HealthCheck;

/**
 * The supervisor's decisions, driven against a fake {@link SupervisedServer} on a manual scheduler and clock: no
 * processes, no threads, no waiting. Time moves only when the test says so, and a restart task runs only when the
 * clock reaches its due time.
 */
@Timeout(10)
class SupervisorTest {

    private final ManualScheduler scheduler = new ManualScheduler();
    private final FakeServer server = new FakeServer();

    private Supervisor supervisor(SupervisionPolicy policy) {
        return new Supervisor(server, policy, scheduler, scheduler::now);
    }

    private static SupervisionPolicy.Builder policy(Restart restart) {
        return SupervisionPolicy.builder().restart(restart).restartDelay(Duration.ofMillis(100))
                .restartMaxDelay(Duration.ofMillis(400)).restartLimit(5).restartWindow(Duration.ofSeconds(60));
    }

    /** The server (pid {@code pid}) exited with {@code exitCode}, seen under the server's current epoch. */
    private void crash(Supervisor s, long pid, int exitCode) {
        s.observed(MonitorObservation.crash(server.epoch, pid, OptionalInt.of(exitCode), ++server.crashes));
    }

    // ------------------------------------------------------------------ restart or not, by policy and exit code

    @Test
    void onFailureRestartsACrashAfterTheDelay() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).build());

        crash(s, 10, 3);

        assertEquals(List.of("crash"), server.types());
        assertEquals("restarting in 100 ms (attempt 1)", server.last("crash").get(SessionServerNotifications.DECISION));
        assertEquals(3, server.last("crash").get(SessionServerNotifications.EXIT_CODE));
        assertTrue(s.restartPending());
        assertEquals("restarting in 100 ms (attempt 1)", server.lastError);

        scheduler.advance(99);
        assertEquals(0, server.restartCalls.size(), "not before its delay");

        scheduler.advance(1);
        assertEquals(List.of(false), server.restartCalls, "a crashed server is started, not stopped first");
        assertEquals(List.of("crash", "restart"), server.types());
        Map<String, Object> restart = server.last("restart");
        assertEquals(1, restart.get(SessionServerNotifications.ATTEMPT));
        assertEquals(100L, restart.get(SessionServerNotifications.DELAY_MILLIS));
        assertEquals("crash", restart.get(SessionServerNotifications.TRIGGER));
        assertEquals(1L, s.restarts());
        assertFalse(s.restartPending());
        assertEquals("", server.lastError, "the pending note goes when the attempt begins");
        assertFalse(server.locked, "the operation lock is released after the restart");
    }

    @Test
    void alwaysRestartsACleanExitAndASignal() {
        Supervisor s = supervisor(policy(Restart.ALWAYS).build());

        crash(s, 10, 0);
        scheduler.advance(100);
        crash(s, 11, 137);
        scheduler.advance(200);

        assertEquals(List.of("crash", "restart", "crash", "restart"), server.types());
        assertEquals(9, server.all("crash").get(1).get(SessionServerNotifications.SIGNAL));
        assertEquals(2, server.restartCalls.size());
    }

    @Test
    void onFailureLeavesACleanExitAlone() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).build());

        crash(s, 10, 0);

        assertEquals("not restarted (restart=on-failure)",
                server.last("crash").get(SessionServerNotifications.DECISION));
        assertFalse(s.restartPending());
        assertEquals(0, scheduler.pending(), "nothing scheduled");
        scheduler.advance(10_000);
        assertEquals(List.of("crash"), server.types());
        assertEquals(0, server.restartCalls.size());
        assertEquals(0L, s.restarts());
    }

    @Test
    void neverRestartsNothing() {
        Supervisor s = supervisor(policy(Restart.NEVER).build());

        crash(s, 10, 137);
        crash(s, 10, 1);

        assertEquals(List.of("not restarted (restart=never)", "not restarted (restart=never)"),
                server.all("crash").stream().map(d -> d.get(SessionServerNotifications.DECISION))
                        .collect(Collectors.toList()));
        assertEquals(0, scheduler.pending());
        scheduler.advance(10_000);
        assertEquals(0, server.restartCalls.size());
    }

    // ------------------------------------------------------------------ backoff and the crash-loop limit

    @Test
    void backoffDoublesUpToTheMaximum() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).restartLimit(10).build());
        List<Long> delays = new ArrayList<>();

        for (int i = 0; i < 5; i++) {
            crash(s, 10 + i, 1);
            delays.add(scheduler.nextDelay());
            scheduler.advance(scheduler.nextDelay());
        }

        assertEquals(List.of(100L, 200L, 400L, 400L, 400L), delays);
        assertEquals(List.of(100L, 200L, 400L, 400L, 400L), server.all("restart").stream()
                .map(d -> d.get(SessionServerNotifications.DELAY_MILLIS)).collect(Collectors.toList()));
        assertEquals(List.of(1, 2, 3, 4, 5), server.all("restart").stream()
                .map(d -> d.get(SessionServerNotifications.ATTEMPT)).collect(Collectors.toList()));
        assertEquals(5L, s.restarts());
    }

    @Test
    void givesUpWhenTheLimitIsReachedWithinTheWindow() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).restartLimit(2).build());

        crash(s, 10, 1);
        scheduler.advance(100);
        crash(s, 11, 1);
        scheduler.advance(200);
        crash(s, 12, 1);

        assertEquals(List.of("crash", "restart", "crash", "restart", "crash", "gave-up"), server.types());
        String note = "gave up restarting: 2 restarts within 60000 ms reached restartLimit 2; start it to try again";
        assertEquals(note, server.last("crash").get(SessionServerNotifications.DECISION));
        Map<String, Object> gaveUp = server.last("gave-up");
        assertEquals(2, gaveUp.get(SessionServerNotifications.RESTARTS_IN_WINDOW));
        assertEquals(2, gaveUp.get(SessionServerNotifications.RESTART_LIMIT));
        assertEquals(60_000L, gaveUp.get(SessionServerNotifications.RESTART_WINDOW_MILLIS));
        assertEquals(note, server.lastError);
        assertTrue(server.shownFailed, "a server that is down is shown FAILED when the supervisor gives up");
        assertEquals(0, scheduler.pending(), "nothing scheduled after the give-up");

        crash(s, 12, 1); // a later failure does not start a new round
        scheduler.advance(10_000);
        assertEquals(2, server.restartCalls.size());
        assertEquals("not restarted (gave up earlier; start it to try again)",
                server.last("crash").get(SessionServerNotifications.DECISION));
    }

    @Test
    void attemptsOutsideTheWindowDoNotCountTowardsTheLimit() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).restartLimit(1).restartWindow(Duration.ofSeconds(1))
                .build());

        crash(s, 10, 1);
        scheduler.advance(100); // attempt 1 at t=100
        scheduler.advance(2_000); // the window of the next attempt no longer holds attempt 1
        crash(s, 11, 1);

        assertTrue(s.restartPending(), "restarted again: " + server.types());
        assertEquals(List.of("crash", "restart", "crash"), server.types());
        scheduler.advance(scheduler.nextDelay());
        assertEquals(2, server.restartCalls.size());
        assertEquals(0, server.all("gave-up").size());
    }

    // ------------------------------------------------------------------ operators win

    @Test
    void anOperatorsActionCancelsAPendingRestartAndResetsTheBackoff() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).build());
        crash(s, 10, 1);
        scheduler.advance(100);
        crash(s, 11, 1);
        assertEquals("restarting in 200 ms (attempt 2)", server.lastError);
        assertTrue(s.restartPending());

        s.operatorAction("stop");

        assertFalse(s.restartPending());
        assertEquals("", server.lastError, "the pending note is gone");
        scheduler.advance(10_000);
        assertEquals(1, server.restartCalls.size(), "the cancelled restart never ran");
        assertEquals(List.of("crash", "restart", "crash"), server.types());

        crash(s, 12, 1); // after the operator's action: attempt 1 again, the first delay
        assertEquals("restarting in 100 ms (attempt 1)", server.last("crash").get(SessionServerNotifications.DECISION));
    }

    @Test
    void anObservationMadeBeforeAnOperationSchedulesNothing() {
        Supervisor s = supervisor(policy(Restart.ALWAYS).build());
        long before = server.epoch;
        server.epoch += 2; // an operation began and ended since the monitor looked

        s.observed(MonitorObservation.crash(before, 10, OptionalInt.of(1), 1));

        assertEquals("not restarted here (an operator's operation began meanwhile)",
                server.last("crash").get(SessionServerNotifications.DECISION));
        assertEquals(0, scheduler.pending());
    }

    @Test
    void aFailedRestartIsReportedAndRetriedWithTheNextDelay() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).build());
        server.restartOutcomes.add(new IllegalStateException("start failed: exit code 2\nFix the cause"));
        server.startExitCode = OptionalInt.of(2);

        crash(s, 10, 1);
        scheduler.advance(100);

        assertEquals(List.of("crash", "restart", "restart-failed"), server.types());
        Map<String, Object> failed = server.last("restart-failed");
        assertEquals(2, failed.get(SessionServerNotifications.EXIT_CODE));
        assertEquals("restarting in 200 ms (attempt 2)", failed.get(SessionServerNotifications.DECISION));
        assertEquals(200L, scheduler.nextDelay());
        scheduler.advance(200);
        assertEquals("restart-failed", server.last("restart").get(SessionServerNotifications.TRIGGER));
        assertEquals(2, server.restartCalls.size());
    }

    @Test
    void aRestartDueWhileAnOperationHoldsTheLockWaitsForIt() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).build());
        crash(s, 10, 1);
        server.locked = true; // an operator's operation holds the lock (without having cancelled yet)

        scheduler.advance(100);

        assertEquals(0, server.restartCalls.size());
        assertEquals(Supervisor.BUSY_RETRY_MILLIS, scheduler.nextDelay(), "it looks again shortly");
        server.locked = false;
        scheduler.advance(Supervisor.BUSY_RETRY_MILLIS);
        assertEquals(1, server.restartCalls.size());
    }

    @Test
    void unhealthyChecksRestartAfterTheThresholdWithAStopFirst() {
        Supervisor s = supervisor(policy(Restart.NEVER).unhealthyThreshold(3).restartOnUnhealthy(true).build());

        for (int failed = 1; failed <= 3; failed++) {
            s.observed(MonitorObservation.health(server.epoch, HealthCheck.Outcome.TIMEOUT, failed, 10));
            assertEquals(failed == 3, s.restartPending(), "after " + failed + " failed checks");
        }
        scheduler.advance(100);

        assertEquals(List.of(true), server.restartCalls, "a live unhealthy server is stopped, then started");
        assertEquals("unhealthy", server.last("restart").get(SessionServerNotifications.TRIGGER));
    }

    @Test
    void closeCancelsAndSchedulesNothingMore() {
        Supervisor s = supervisor(policy(Restart.ALWAYS).build());
        crash(s, 10, 1);

        s.close();
        crash(s, 11, 1);
        scheduler.advance(10_000);

        assertEquals(0, server.restartCalls.size());
        assertEquals("not restarted (the manager is closed)",
                server.last("crash").get(SessionServerNotifications.DECISION));
    }

    @Test
    void closeCancelsAPendingRestartAndShowsTheServerFailed() {
        Supervisor s = supervisor(policy(Restart.ALWAYS).build());
        crash(s, 10, 1);
        assertTrue(s.restartPending());

        s.close();

        assertFalse(s.restartPending());
        assertEquals(ServerState.FAILED, server.shownIfDown);
        assertEquals("", server.lastError, "the pending note is gone");
        s.close(); // idempotent
        assertEquals(ServerState.FAILED, s.stateAfterExit(OptionalInt.of(1)), "a closed supervisor restarts nothing");
    }

    @Test
    void aCrashThatIsNotRestartedShowsTheServerFailedOrStopped() {
        Supervisor never = supervisor(policy(Restart.NEVER).build());
        crash(never, 10, 1);
        assertEquals(ServerState.FAILED, server.shownIfDown, "an unexpected exit, not restarted");

        Supervisor onFailure = supervisor(policy(Restart.ON_FAILURE).build());
        crash(onFailure, 11, 0);
        assertEquals(ServerState.STOPPED, server.shownIfDown, "a clean exit, not restarted");
    }

    @Test
    void aHealthyCheckCancelsAPendingUnhealthyRestart() {
        Supervisor s = supervisor(policy(Restart.NEVER).unhealthyThreshold(1).restartOnUnhealthy(true).build());
        s.observed(MonitorObservation.health(server.epoch, HealthCheck.Outcome.TIMEOUT, 1, 10));
        assertTrue(s.restartPending());

        s.observed(MonitorObservation.health(server.epoch - 1, HealthCheck.Outcome.UP, 0, 10));
        assertTrue(s.restartPending(), "an observation from before an operation changes nothing");
        s.observed(MonitorObservation.health(server.epoch, HealthCheck.Outcome.UP, 0, 10));

        assertFalse(s.restartPending());
        scheduler.advance(10_000);
        assertEquals(0, server.restartCalls.size());
    }

    @Test
    void unhealthyChecksGiveUpAtTheLimitWithAGaveUpNotification() {
        Supervisor s = supervisor(policy(Restart.NEVER).restartLimit(1).unhealthyThreshold(1).restartOnUnhealthy(true)
                .build());
        s.observed(MonitorObservation.health(server.epoch, HealthCheck.Outcome.TIMEOUT, 1, 10));
        scheduler.advance(100);
        assertEquals(1, server.restartCalls.size());

        s.observed(MonitorObservation.health(server.epoch, HealthCheck.Outcome.TIMEOUT, 1, 11));

        assertFalse(s.restartPending());
        assertEquals(List.of("restart", "gave-up"), server.types());
        assertTrue(server.last("gave-up").get(SessionServerNotifications.CAUSE).toString().startsWith("unhealthy: "));
    }

    @Test
    void aFailedRestartAtTheLimitGivesUpWithAGaveUpNotification() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).restartLimit(1).build());
        server.restartOutcomes.add(new IllegalStateException("start failed: exit code 2"));

        crash(s, 10, 1);
        scheduler.advance(100);

        assertEquals(List.of("crash", "restart", "restart-failed", "gave-up"), server.types());
        assertFalse(s.restartPending());
        assertTrue(server.last("restart-failed").get(SessionServerNotifications.DECISION).toString()
                .startsWith("gave up restarting: 1 restart within 60000 ms"));
    }

    @Test
    void aRestartWaitingForTheLockIsDroppedWhenAnOperatorActs() {
        Supervisor s = supervisor(policy(Restart.ON_FAILURE).build());
        crash(s, 10, 1);
        server.locked = true;
        scheduler.advance(100); // due, but the lock is held: it looks again in 50 ms

        s.operatorAction("start");
        server.locked = false;
        scheduler.advance(10_000);

        assertEquals(0, server.restartCalls.size(), "the operator's action came first");
        assertEquals(0, scheduler.pending());
    }

    @Test
    void aCrashSaysWhetherTheServerExitedByItselfAndShowsItDownAsTheDecisionSays() {
        Supervisor s = supervisor(policy(Restart.ALWAYS).build());

        crash(s, 10, 0);
        assertTrue(server.announcedMessages.get(0).contains("pid 10 exited by itself (exit code 0)"),
                server.announcedMessages.get(0));
        assertEquals(ServerState.BACKOFF, server.shownIfDown, "a restart follows");
        scheduler.advance(100);
        crash(s, 11, 1);
        assertTrue(server.announcedMessages.get(2).contains("pid 11 exited unexpectedly (exit code 1)"),
                server.announcedMessages.get(2));
    }

    @Test
    void aCleanExitThatReachesTheLimitIsShownFailedNotStopped() {
        Supervisor s = supervisor(policy(Restart.ALWAYS).restartLimit(1).build());
        crash(s, 10, 0);
        scheduler.advance(100);

        crash(s, 11, 0);

        assertEquals(List.of("crash", "restart", "crash", "gave-up"), server.types());
        assertEquals(ServerState.FAILED, server.shownIfDown, "the give-up shows it FAILED");
    }

    @Test
    void aStaleCrashLeavesTheShownStateAlone() {
        Supervisor s = supervisor(policy(Restart.NEVER).build());
        s.observed(MonitorObservation.crash(server.epoch - 2, 10, OptionalInt.of(1), 1));
        assertEquals(null, server.shownIfDown, "an operation began since: the operation decides what is shown");
    }

    @Test
    void aHealthyCheckDoesNotCancelAMemoryRestart() {
        Supervisor s = supervisor(policy(Restart.NEVER).maxMemory(1024).build());
        s.memoryExceeded(server.epoch, 10, 4096, 3);
        assertTrue(s.restartPending());

        s.observed(MonitorObservation.health(server.epoch, HealthCheck.Outcome.UP, 0, 10));

        assertTrue(s.restartPending(), "a server over its memory limit answers healthy and still needs a restart");
        scheduler.advance(100);
        assertEquals(List.of(true), server.restartCalls);
    }

    @Test
    void aStartThatFailsIsShownBackoffWhileAnotherAttemptFollowsAndFailedAtTheLimit() {
        Supervisor roomy = supervisor(policy(Restart.ALWAYS).build());
        crash(roomy, 10, 1);
        scheduler.advance(100);
        assertEquals(List.of(ServerState.BACKOFF), server.failedStartStates);

        FakeServer other = new FakeServer();
        ManualScheduler clock = new ManualScheduler();
        Supervisor tight = new Supervisor(other, policy(Restart.ALWAYS).restartLimit(1).build(), clock, clock::now);
        tight.observed(MonitorObservation.crash(other.epoch, 10, OptionalInt.of(1), 1));
        clock.advance(100);
        assertEquals(List.of(ServerState.FAILED), other.failedStartStates, "the last attempt the limit allows");
    }

    @Test
    void aMemoryLimitIsAnnouncedAndGivesUpAtTheLimit() {
        Supervisor s = supervisor(policy(Restart.NEVER).restartLimit(1).maxMemory(1024).build());
        s.memoryExceeded(server.epoch, 10, 4096, 3);
        assertEquals(List.of("memory-limit"), server.types());
        assertEquals(4096L, server.last("memory-limit").get(SessionServerNotifications.MEMORY_BYTES));
        scheduler.advance(100);

        s.memoryExceeded(server.epoch, 11, 4096, 3);

        assertEquals(List.of("memory-limit", "restart", "memory-limit", "gave-up"), server.types());
        assertFalse(s.restartPending());
    }

    // ------------------------------------------------------------------ fakes

    /** A server that records what the supervisor asks of it. Single-threaded, like the manual scheduler. */
    static final class FakeServer implements SupervisedServer {
        long epoch;
        long crashes;
        boolean locked;
        boolean shownFailed;
        /** The last state a supervision note asked a server that is down to show (null: none asked yet). */
        ServerState shownIfDown;
        /** The stateIfStartFails argument of each supervisedRestart call. */
        final List<ServerState> failedStartStates = new ArrayList<>();
        String lastError = "";
        OptionalInt startExitCode = OptionalInt.empty();
        /** What the next supervisedRestart calls do: throw this exception; empty: succeed. */
        final Deque<RuntimeException> restartOutcomes = new ArrayDeque<>();
        /** The {@code stopFirst} argument of each supervisedRestart call. */
        final List<Boolean> restartCalls = new ArrayList<>();
        final List<String> announcedTypes = new ArrayList<>();
        final List<String> announcedMessages = new ArrayList<>();
        final List<Map<String, Object>> announcedData = new ArrayList<>();
        private long nextPid = 1000;

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public long operationEpoch() {
            return epoch;
        }

        @Override
        public boolean tryBeginSupervisedOperation() {
            if (locked) {
                return false;
            }
            locked = true;
            epoch++;
            return true;
        }

        @Override
        public void endSupervisedOperation() {
            assertTrue(locked, "ends only what it began");
            locked = false;
            epoch++;
        }

        @Override
        public long supervisedRestart(boolean stopFirst, ServerState stateIfStartFails) {
            assertTrue(locked, "restarts only with the operation lock held");
            restartCalls.add(stopFirst);
            failedStartStates.add(stateIfStartFails);
            RuntimeException failure = restartOutcomes.poll();
            if (failure != null) {
                throw failure;
            }
            return nextPid++;
        }

        @Override
        public OptionalInt lastStartExitCode() {
            return startExitCode;
        }

        @Override
        public void supervisionNote(String oldNote, String newNote, ServerState ifDown) {
            if (oldNote != null) {
                if (lastError.equals(oldNote)) {
                    lastError = "";
                } else if (lastError.endsWith("; " + oldNote)) {
                    lastError = lastError.substring(0, lastError.length() - oldNote.length() - 2);
                }
            }
            if (newNote != null) {
                lastError = lastError.isEmpty() ? newNote : lastError + "; " + newNote;
            }
            shownFailed |= ifDown == ServerState.FAILED;
            if (ifDown != null) {
                shownIfDown = ifDown;
            }
        }

        @Override
        public void announce(String type, String message, Map<String, Object> userData) {
            announcedTypes.add(type.substring("dev.omega.sessionserver.".length()));
            announcedMessages.add(message);
            announcedData.add(userData);
        }

        /** The notification types sent so far, without the domain prefix ("crash", "restart", ...). */
        List<String> types() {
            return List.copyOf(announcedTypes);
        }

        List<Map<String, Object>> all(String type) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (int i = 0; i < announcedTypes.size(); i++) {
                if (announcedTypes.get(i).equals(type)) {
                    out.add(announcedData.get(i));
                }
            }
            return out;
        }

        Map<String, Object> last(String type) {
            List<Map<String, Object>> of = all(type);
            assertFalse(of.isEmpty(), "no " + type + " notification in " + announcedTypes);
            return of.get(of.size() - 1);
        }
    }

    /**
     * A scheduler on a manual clock: {@link #schedule(Runnable, long, TimeUnit)} queues the task; {@link #advance}
     * moves the clock and runs, in the calling thread and in due order, every task that falls due.
     */
    static final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
        private long now;
        private long sequence;
        private final PriorityQueue<Task> queue = new PriorityQueue<>(
                Comparator.comparingLong((Task t) -> t.due).thenComparingLong(t -> t.seq));

        long now() {
            return now;
        }

        /** Tasks scheduled and neither run nor cancelled. */
        int pending() {
            queue.removeIf(t -> t.cancelled);
            return queue.size();
        }

        /** The delay from now of the next pending task. */
        long nextDelay() {
            queue.removeIf(t -> t.cancelled);
            assertFalse(queue.isEmpty(), "a task is scheduled");
            return queue.peek().due - now;
        }

        void advance(long millis) {
            long until = now + millis;
            while (true) {
                queue.removeIf(t -> t.cancelled);
                Task next = queue.peek();
                if (next == null || next.due > until) {
                    break;
                }
                queue.poll();
                now = next.due;
                next.done = true;
                next.command.run();
            }
            now = until;
        }

        final class Task implements ScheduledFuture<Object> {
            final Runnable command;
            final long due;
            final long seq = sequence++;
            boolean cancelled;
            boolean done;

            Task(Runnable command, long due) {
                this.command = command;
                this.due = due;
            }

            @Override
            public long getDelay(TimeUnit unit) {
                return unit.convert(due - now, TimeUnit.MILLISECONDS);
            }

            @Override
            public int compareTo(Delayed o) {
                return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
            }

            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                if (done) {
                    return false;
                }
                cancelled = true;
                return true;
            }

            @Override
            public boolean isCancelled() {
                return cancelled;
            }

            @Override
            public boolean isDone() {
                return done || cancelled;
            }

            @Override
            public Object get() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Object get(long timeout, TimeUnit unit) {
                throw new UnsupportedOperationException();
            }
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            Task t = new Task(command, now + unit.toMillis(delay));
            queue.add(t);
            return t;
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
                TimeUnit unit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                TimeUnit unit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void execute(Runnable command) {
            schedule(command, 0, TimeUnit.MILLISECONDS);
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return false;
        }
    }
}
