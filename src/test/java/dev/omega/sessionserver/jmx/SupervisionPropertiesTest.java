package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.testing.CapturedStderr;

/**
 * Supervision on a manual clock, for any sequence of crashes, health checks, waits, failing restarts and operator
 * stops and starts, against the real {@link Supervisor} and a fake server ({@link SupervisorTest}'s): restart attempt
 * {@code n} since the last reset waits {@code restartDelay * 2^(n-1)}, at most {@code restartMaxDelay}; the count
 * starts again after {@code restartResetAfter} healthy without a break, and after an operator's action; no
 * {@code restartWindow} ever holds more than {@code restartLimit} attempts; a give-up comes exactly when the next
 * attempt would break that, and otherwise a crash is always restarted; and an operator's stop always wins: nothing
 * pending survives it, and no restart happens until the operator starts the server again.
 */
class SupervisionPropertiesTest {

    private static CapturedStderr log;

    @BeforeContainer
    static void quiet() {
        log = CapturedStderr.withoutEcho();
    }

    @AfterContainer
    static void loud() {
        log.close();
    }

    enum Kind { CRASH, HEALTHY, FAILED_CHECK, WAIT, NEXT_RESTART_FAILS, OPERATOR_STOP, OPERATOR_START }

    static final class Event {
        final Kind kind;
        final long millis; // WAIT
        final int exitCode; // CRASH

        Event(Kind kind, long millis, int exitCode) {
            this.kind = kind;
            this.millis = millis;
            this.exitCode = exitCode;
        }

        @Override
        public String toString() {
            return kind == Kind.WAIT ? "wait " + millis : kind == Kind.CRASH ? "crash " + exitCode : kind.toString();
        }
    }

    @Property
    void restartsBackOffResetStayWithinTheLimitAndNeverOutliveAnOperatorsStop(@ForAll("policies")
            SupervisionPolicy policy, @ForAll("events") List<Event> events) {
        new Run(policy).play(events);
    }

    /** One sequence played against a supervisor, with the model that checks it. */
    static final class Run implements SupervisedServer {
        final SupervisionPolicy policy;
        final SupervisorTest.ManualScheduler scheduler = new SupervisorTest.ManualScheduler();
        final SupervisorTest.FakeServer server = new SupervisorTest.FakeServer();
        final Supervisor supervisor;
        // the model
        final List<Long> attemptTimes = new ArrayList<>(); // since the last operator action
        int consecutive;
        boolean healthyKnown;
        long healthySince;
        boolean gaveUp;
        boolean running = true;
        boolean stopped;
        int failedChecks;
        int attempts;
        int giveUps;

        Run(SupervisionPolicy policy) {
            this.policy = policy;
            this.supervisor = new Supervisor(this, policy, scheduler, scheduler::now);
        }

        void play(List<Event> events) {
            for (Event e : events) {
                switch (e.kind) {
                    case CRASH:
                        if (running) {
                            crash(e.exitCode);
                        }
                        break;
                    case HEALTHY:
                        if (running) {
                            healthy();
                        }
                        break;
                    case FAILED_CHECK:
                        if (running) {
                            failedCheck();
                        }
                        break;
                    case WAIT:
                        scheduler.advance(e.millis);
                        break;
                    case NEXT_RESTART_FAILS:
                        server.restartOutcomes.add(new IllegalStateException("the start failed"));
                        break;
                    case OPERATOR_STOP:
                    case OPERATOR_START:
                    default:
                        operator(e.kind == Kind.OPERATOR_STOP);
                        break;
                }
            }
            Statistics.collect(attempts == 0 ? "no restart" : attempts < 4 ? "1-3 restarts" : "4+ restarts",
                    giveUps > 0 ? "gave up" : "did not give up");
        }

        private void crash(int exitCode) {
            failedChecks = 0;
            healthyKnown = false;
            boolean pendingBefore = supervisor.restartPending();
            supervisor.observed(MonitorObservation.crash(server.epoch, 1, OptionalInt.of(exitCode), ++server.crashes));
            running = false;
            boolean restarts = policy.restart() == Restart.ALWAYS
                    || (policy.restart() == Restart.ON_FAILURE && exitCode != 0);
            if (restarts && !pendingBefore) {
                expectPlan("a crash with exit code " + exitCode);
            } else if (!restarts && !pendingBefore) { // an unhealthy server's pending restart still goes ahead
                assertFalse(supervisor.restartPending(), "restart=" + policy.restart() + ", exit " + exitCode);
            }
        }

        private void healthy() {
            failedChecks = 0;
            if (!healthyKnown) {
                healthyKnown = true;
                healthySince = scheduler.now();
            }
            if (consecutive > 0 && scheduler.now() - healthySince >= policy.restartResetAfter().toMillis()) {
                consecutive = 0;
            }
            supervisor.observed(MonitorObservation.health(server.epoch, HealthCheck.Outcome.UP, 0, 1));
        }

        private void failedCheck() {
            healthyKnown = false;
            failedChecks++;
            boolean pendingBefore = supervisor.restartPending();
            supervisor.observed(MonitorObservation.health(server.epoch, HealthCheck.Outcome.REFUSED, failedChecks, 1));
            if (policy.restartOnUnhealthy() && failedChecks >= policy.unhealthyThreshold() && !pendingBefore) {
                expectPlan(failedChecks + " failed checks");
            }
        }

        private void operator(boolean stop) {
            server.epoch += 2; // the operation began and ended
            supervisor.operatorAction(stop ? "stop" : "start");
            assertFalse(supervisor.restartPending(), "nothing pending survives an operator's action");
            attemptTimes.clear();
            consecutive = 0;
            healthyKnown = false;
            gaveUp = false;
            failedChecks = 0;
            stopped = stop;
            running = !stop;
        }

        /** After a failure the supervisor was to act on: a restart is pending, or it gave up, as the budget says. */
        private void expectPlan(String failure) {
            if (gaveUp) {
                assertFalse(supervisor.restartPending(), "gave up earlier: nothing more until an operator acts");
                return;
            }
            boolean limitReached = limitReached();
            assertEquals(!limitReached, supervisor.restartPending(), () -> failure + " at " + scheduler.now()
                    + ": attempts " + attemptTimes + ", limit " + policy.restartLimit() + " within "
                    + policy.restartWindow().toMillis() + " ms");
            gaveUp = limitReached;
        }

        /** Whether the next attempt, planned now, would be one more than restartLimit within restartWindow. */
        private boolean limitReached() {
            long planned = scheduler.now() + expectedDelay(consecutive + 1);
            long inWindow = attemptTimes.stream().filter(t -> t > planned - policy.restartWindow().toMillis()).count();
            return inWindow >= policy.restartLimit();
        }

        /** restartDelay doubled attempt-1 times, at most restartMaxDelay (exact, without overflow). */
        long expectedDelay(int attempt) {
            BigInteger d = BigInteger.valueOf(policy.restartDelay().toMillis()).shiftLeft(Math.min(attempt - 1, 64));
            return d.min(BigInteger.valueOf(policy.restartMaxDelay().toMillis())).longValueExact();
        }

        // ------------------------------------------------------------- SupervisedServer, checked at each attempt

        @Override
        public long supervisedRestart(boolean stopFirst, ServerState stateIfStartFails) {
            assertFalse(stopped, "a restart after the operator's stop, at " + scheduler.now());
            Map<String, Object> restart = server.last("restart");
            int attempt = (Integer) restart.get(SessionServerNotifications.ATTEMPT);
            assertEquals(consecutive + 1, attempt, "the attempt's number since the last reset");
            assertEquals(expectedDelay(attempt), restart.get(SessionServerNotifications.DELAY_MILLIS),
                    "the delay of attempt " + attempt);
            attemptTimes.add(scheduler.now());
            long now = scheduler.now();
            long inWindow = attemptTimes.stream().filter(t -> t > now - policy.restartWindow().toMillis()).count();
            assertTrue(inWindow <= policy.restartLimit(), () -> "attempts " + attemptTimes + ": more than "
                    + policy.restartLimit() + " within " + policy.restartWindow().toMillis() + " ms");
            consecutive++;
            attempts++;
            healthyKnown = false;
            failedChecks = 0;
            long pid = server.supervisedRestart(stopFirst, stateIfStartFails);
            running = true;
            return pid;
        }

        @Override
        public void announce(String type, String message, Map<String, Object> userData) {
            server.announce(type, message, userData);
            if (type.equals(SessionServerNotifications.RESTART_FAILED)) {
                running = false; // the start failed: the next plan is made now, as for a crash
                expectPlan("a failed restart");
            }
            if (type.equals(SessionServerNotifications.GAVE_UP)) {
                giveUps++;
                assertTrue(limitReached(), () -> "gave up at " + scheduler.now() + " with attempts " + attemptTimes
                        + ", limit " + policy.restartLimit() + " within " + policy.restartWindow().toMillis() + " ms");
            }
        }

        @Override
        public String name() {
            return server.name();
        }

        @Override
        public long operationEpoch() {
            return server.operationEpoch();
        }

        @Override
        public boolean tryBeginSupervisedOperation() {
            return server.tryBeginSupervisedOperation();
        }

        @Override
        public void endSupervisedOperation() {
            server.endSupervisedOperation();
        }

        @Override
        public OptionalInt lastStartExitCode() {
            return server.lastStartExitCode();
        }

        @Override
        public void supervisionNote(String oldNote, String newNote, ServerState ifDown) {
            server.supervisionNote(oldNote, newNote, ifDown);
        }
    }

    @Provide
    Arbitrary<SupervisionPolicy> policies() {
        Arbitrary<Long> delay = Arbitraries.longs().between(1, 500);
        return Combinators.combine(Arbitraries.of(Restart.ALWAYS, Restart.ALWAYS, Restart.ON_FAILURE, Restart.NEVER),
                delay, Arbitraries.integers().between(1, 20), Arbitraries.longs().between(1, 3000),
                Arbitraries.integers().between(1, 5), Arbitraries.longs().between(100, 5000), Arbitraries.of(true, false),
                Arbitraries.integers().between(1, 3))
                .as((restart, d, factor, resetAfter, limit, window, onUnhealthy, threshold) -> SupervisionPolicy
                        .builder().restart(restart).restartDelay(Duration.ofMillis(d))
                        .restartMaxDelay(Duration.ofMillis(d * factor)).restartResetAfter(Duration.ofMillis(resetAfter))
                        .restartLimit(limit).restartWindow(Duration.ofMillis(window)).restartOnUnhealthy(onUnhealthy)
                        .unhealthyThreshold(threshold).build());
    }

    @Provide
    Arbitrary<List<Event>> events() {
        Arbitrary<Event> wait = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.longs().between(1, 300)),
                Tuple.of(2, Arbitraries.longs().between(300, 3000)), Tuple.of(1, Arbitraries.longs().between(3000, 20000)))
                .map(ms -> new Event(Kind.WAIT, ms, 0));
        Arbitrary<Event> crash = Arbitraries.of(1, 1, 0, 137).map(code -> new Event(Kind.CRASH, 0, code));
        Arbitrary<Event> other = Arbitraries.of(Kind.HEALTHY, Kind.HEALTHY, Kind.FAILED_CHECK, Kind.NEXT_RESTART_FAILS,
                Kind.OPERATOR_STOP, Kind.OPERATOR_START).map(k -> new Event(k, 0, 0));
        return Arbitraries.frequencyOf(Tuple.of(4, crash), Tuple.of(6, wait), Tuple.of(4, other)).list().ofMaxSize(40);
    }
}
