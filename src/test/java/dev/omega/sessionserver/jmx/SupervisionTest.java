package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.management.AttributeChangeNotification;
import javax.management.Notification;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.ServerHostMain;
import dev.omega.sessionserver.testing.TestJvm;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Supervision with real servers, watched as a JMX client would (notifications and attributes through the
 * MBeanServer). Small intervals and delays keep it fast; assertions are on orderings and generous bounds, so that a
 * loaded 2-core machine does not make them flaky.
 */
class SupervisionTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Below a nominal backoff delay: clock granularity only. */
    private static final long EARLY_MILLIS = 5;
    /** Above a nominal backoff delay: scheduling on a loaded machine (generous: speed is the benchmarks' job). */
    private static final long LATE_MILLIS = 5_000;
    private static final String EXIT_AFTER = "SESSION_SERVER_EXIT_AFTER_MS";
    private static final String EXIT_CODE = "SESSION_SERVER_EXIT_CODE";

    /** What one test's MBean sent and when it arrived (local listeners are called in the sending thread). */
    static final class Recorder {
        static final class Event {
            final Notification notification;
            final long nanos;

            Event(Notification notification, long nanos) {
                this.notification = notification;
                this.nanos = nanos;
            }

            String type() {
                return notification.getType();
            }

            @SuppressWarnings("unchecked")
            Object data(String key) {
                return ((Map<String, Object>) notification.getUserData()).get(key);
            }

            /** "crash", "restart", ..., or "OLD->NEW" for a state change. */
            String label() {
                if (notification instanceof AttributeChangeNotification) {
                    AttributeChangeNotification a = (AttributeChangeNotification) notification;
                    return a.getOldValue() + "->" + a.getNewValue();
                }
                return type().substring("dev.omega.sessionserver.".length());
            }

            @Override
            public String toString() {
                return label() + (notification instanceof AttributeChangeNotification ? ""
                        : " " + notification.getUserData());
            }
        }

        final List<Event> events = new CopyOnWriteArrayList<>();

        Recorder(JmxFixture jmx, ObjectName name) throws Exception {
            jmx.mbeanServer.addNotificationListener(name,
                    (n, handback) -> events.add(new Event(n, System.nanoTime())), null, null);
        }

        List<Event> of(String... types) {
            Set<String> wanted = Set.of(types);
            return events.stream().filter(e -> wanted.contains(e.type())).collect(Collectors.toList());
        }

        int count(String type) {
            return of(type).size();
        }

        /** The last change of State to {@code state} that was received before {@code event}. */
        Event lastStateChangeBefore(Event event, String state) {
            Event found = null;
            for (Event e : events) {
                if (e == event) {
                    break;
                }
                if (e.notification instanceof AttributeChangeNotification
                        && state.equals(((AttributeChangeNotification) e.notification).getNewValue())) {
                    found = e;
                }
            }
            if (found == null) {
                throw new AssertionError("no change to " + state + " before " + event + ": " + events);
            }
            return found;
        }

        /** State changes ("OLD->NEW"), in order. */
        List<String> states() {
            return events.stream().filter(e -> e.notification instanceof AttributeChangeNotification)
                    .map(Event::label).collect(Collectors.toList());
        }

        /** Everything but the state changes, as labels, in order. */
        List<String> supervision() {
            return events.stream().filter(e -> !(e.notification instanceof AttributeChangeNotification))
                    .map(Event::label).collect(Collectors.toList());
        }
    }

    private Object get(ObjectName name, String attribute) {
        return jmx.get(name, attribute);
    }

    private static Map<String, String> crashingEvery(long millis, int exitCode) {
        return Map.of(EXIT_AFTER, Long.toString(millis), EXIT_CODE, Integer.toString(exitCode));
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private void assertNoServerRuns() {
        assertEquals(List.of(), ExampleServer.serversOf(reaper), "no example server of this test runs");
    }

    // ------------------------------------------------------------------ crash loop: backoff, give-up, operator start

    @Test
    @Timeout(120)
    void aCrashingServerIsRestartedWithBackoffUntilTheLimitThenAnOperatorStartResumes() throws Exception {
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ON_FAILURE)
                .restartDelay(Duration.ofMillis(200)).restartMaxDelay(Duration.ofMillis(800)).restartLimit(3)
                .restartWindow(Duration.ofSeconds(60)).build();
        // healthy first (start waits for it), then the server halts with exit code 3, 1.5 s after its JVM started
        SessionServerManager m = jmx.registered("loop", FAST, policy,
                b -> b.environment(crashingEvery(1_500, 3)));
        ObjectName name = m.objectName();
        Recorder rec = new Recorder(jmx, name);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SessionServerMetrics(m).bindTo(registry);
        m.startMonitoring();

        jmx.start(name);
        Await.until("the manager gave up", Duration.ofSeconds(90),
                () -> rec.count(SessionServerNotifications.GAVE_UP) == 1);

        // A failure is a crash of a running server, or (on a slow machine) a restarted one that exited before it was
        // healthy: 4 failures, 3 restarts between them, then the give-up.
        List<Recorder.Event> failures = rec.of(SessionServerNotifications.CRASH,
                SessionServerNotifications.RESTART_FAILED);
        List<Recorder.Event> restarts = rec.of(SessionServerNotifications.RESTART);
        List<String> sequence = rec.supervision().stream().map(s -> s.equals("restart-failed") ? "crash" : s)
                .collect(Collectors.toList());
        assertEquals(List.of("crash", "restart", "crash", "restart", "crash", "restart", "crash", "gave-up"),
                sequence, rec.events.toString());
        assertEquals(4, failures.size());
        assertEquals(List.of(1, 2, 3), restarts.stream().map(e -> e.data("attempt")).collect(Collectors.toList()));
        assertEquals(List.of(200L, 400L, 800L),
                restarts.stream().map(e -> e.data("delayMillis")).collect(Collectors.toList()));
        // Measured from the state change to BACKOFF, which is published before the restart is scheduled (the crash
        // notification follows the scheduling by a moment): a restart never comes before its delay.
        List<Long> measuredDelays = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long nominal = 200L << i;
            long measured = TimeUnit.NANOSECONDS.toMillis(restarts.get(i).nanos
                    - rec.lastStateChangeBefore(restarts.get(i), "BACKOFF").nanos);
            measuredDelays.add(measured);
            assertTrue(measured >= nominal - EARLY_MILLIS && measured <= nominal + LATE_MILLIS,
                    "restart " + (i + 1) + " came " + measured + " ms after the failure; its backoff is " + nominal
                            + " ms");
            assertEquals((long) (i + 1), restarts.get(i).data("restarts"));
        }
        System.out.println("[supervision] backoff 200/400/800 ms: restarts came " + measuredDelays
                + " ms after the failures");
        for (Recorder.Event crash : rec.of(SessionServerNotifications.CRASH)) {
            assertEquals(3, crash.data("exitCode"));
            assertEquals(-1, crash.data("signal"));
            assertTrue(crash.notification.getMessage().contains("(exit code 3)"), crash.notification.getMessage());
            assertEquals(name, crash.notification.getSource());
        }
        Recorder.Event gaveUp = rec.of(SessionServerNotifications.GAVE_UP).get(0);
        assertEquals(3, gaveUp.data("restartsInWindow"));
        assertEquals(3, gaveUp.data("restartLimit"));
        assertEquals(60_000L, gaveUp.data("restartWindowMillis"));

        // a pending restart is BACKOFF, never FAILED; FAILED comes only with the give-up
        List<String> states = rec.states();
        assertEquals(3, states.stream().filter("RUNNING->BACKOFF"::equals).count(), states.toString());
        assertEquals(3, states.stream().filter("BACKOFF->STARTING"::equals).count(), states.toString());
        assertEquals(List.of("RUNNING->FAILED"), states.stream().filter(t -> t.endsWith("->FAILED"))
                .collect(Collectors.toList()), "FAILED once, at the give-up: " + states);
        assertEquals("FAILED", get(name, "State"));
        assertEquals(-1L, get(name, "Pid"));
        String lastError = (String) get(name, "LastError");
        assertTrue(lastError.endsWith("; gave up restarting: 3 restarts within 60000 ms reached restartLimit 3; start"
                + " it to try again"), lastError);
        assertEquals(3L, get(name, "Restarts"));
        assertEquals(3, get(name, "LastExitCode"));
        assertEquals(3.0, registry.get(SessionServerMetrics.RESTARTS).tag("name", "loop").functionCounter().count());
        assertEquals(rec.count(SessionServerNotifications.CRASH),
                (long) registry.get(SessionServerMetrics.CRASHES).tag("name", "loop").functionCounter().count());

        // given up: nothing is restarted any more (a restart would have come within the longest backoff)
        jmx.schedulerPassed(Duration.ofMillis(2 * 800));
        assertEquals(3, rec.count(SessionServerNotifications.RESTART));
        assertEquals("FAILED", get(name, "State"));
        assertNoServerRuns();

        // until an operator starts it: supervision begins afresh (attempt 1, the first delay)
        long again = jmx.start(name);
        assertEquals("RUNNING", get(name, "State"));
        assertEquals("", get(name, "LastError"));
        Await.until("the operator's server crashed and was restarted", DEADLINE,
                () -> rec.count(SessionServerNotifications.RESTART) == 4);
        Recorder.Event fresh = rec.of(SessionServerNotifications.RESTART).get(3);
        assertEquals(1, fresh.data("attempt"));
        assertEquals(200L, fresh.data("delayMillis"));
        assertFalse(Procs.alive(again));

        m.stop();
        int restartsAtStop = rec.count(SessionServerNotifications.RESTART);
        assertEquals("STOPPED", get(name, "State"));
        jmx.schedulerPassed(Duration.ofMillis(2 * 800));
        assertEquals(restartsAtStop, rec.count(SessionServerNotifications.RESTART), "the stop is not undone");
        assertEquals("STOPPED", get(name, "State"));
        assertNoServerRuns();
        registry.close();
    }

    // ------------------------------------------------------------------ on-failure vs always after a clean exit

    @Test
    @Timeout(90)
    void alwaysRestartsAServerThatExitedCleanlyByItself() throws Exception {
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ALWAYS)
                .restartDelay(Duration.ofMillis(200)).build();
        SessionServerManager m = jmx.registered("always", FAST, policy, b -> b.environment(crashingEvery(1_500, 0)));
        ObjectName name = m.objectName();
        Recorder rec = new Recorder(jmx, name);
        m.startMonitoring();
        long first = jmx.start(name);

        Await.until("restarted", DEADLINE, () -> rec.count(SessionServerNotifications.RESTART) == 1);
        Recorder.Event crash = rec.of(SessionServerNotifications.CRASH).get(0);
        assertEquals(first, crash.data("pid"));
        assertEquals(0, crash.data("exitCode"));
        assertEquals("restarting in 200 ms (attempt 1)", crash.data("decision"));
        assertEquals("crash", rec.of(SessionServerNotifications.RESTART).get(0).data("trigger"));
        assertEquals(0, get(name, "LastExitCode"));
        Await.until("a new server runs", DEADLINE, () -> {
            long pid = (Long) get(name, "Pid");
            return pid > 0 && pid != first;
        });
        List<String> states = rec.states();
        assertEquals(List.of("STOPPED->STARTING", "STARTING->RUNNING", "RUNNING->BACKOFF", "BACKOFF->STARTING"),
                states.subList(0, 4), "a clean exit that a restart follows is BACKOFF until the restart");
        m.stop();
    }

    @Test
    @Timeout(90)
    void onFailureLeavesACleanExitAlone() throws Exception {
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ON_FAILURE)
                .restartDelay(Duration.ofMillis(200)).build();
        SessionServerManager m = jmx.registered("clean", FAST, policy, b -> b.environment(crashingEvery(1_500, 0)));
        ObjectName name = m.objectName();
        Recorder rec = new Recorder(jmx, name);
        m.startMonitoring();
        long pid = jmx.start(name);

        Await.until("the exit is seen", DEADLINE, () -> rec.count(SessionServerNotifications.CRASH) == 1);
        assertEquals("not restarted (restart=on-failure)", rec.of(SessionServerNotifications.CRASH).get(0)
                .data("decision"));
        assertEquals("STOPPED", get(name, "State"));
        assertEquals("session server pid " + pid + " exited by itself (exit code 0)", get(name, "LastError"));
        assertEquals(0, get(name, "LastExitCode"));
        jmx.schedulerPassed(Duration.ofMillis(5 * 200));
        assertEquals(0, rec.count(SessionServerNotifications.RESTART));
        assertEquals(0L, get(name, "Restarts"));
        assertNoServerRuns();
    }

    // ------------------------------------------------------------------ policy never (the default)

    @Test
    @Timeout(60)
    void withTheDefaultPolicyACrashIsFailedAndNotRestarted() throws Exception {
        SessionServerManager m = jmx.registered("never", FAST, b -> b); // the constructor without a policy
        assertSame(SupervisionPolicy.DEFAULT, m.policy());
        ObjectName name = m.objectName();
        Recorder rec = new Recorder(jmx, name);
        m.startMonitoring();
        long pid = jmx.start(name);

        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly()); // SIGKILL, behind the manager's back

        Await.until("FAILED", DEADLINE, () -> "FAILED".equals(get(name, "State")));
        Await.until("the crash notification", DEADLINE, () -> rec.count(SessionServerNotifications.CRASH) == 1);
        Recorder.Event crash = rec.of(SessionServerNotifications.CRASH).get(0);
        assertEquals(pid, crash.data("pid"));
        assertEquals(137, crash.data("exitCode"));
        assertEquals(9, crash.data("signal"));
        assertEquals(1L, crash.data("crashes"));
        assertEquals("not restarted (restart=never)", crash.data("decision"));
        assertTrue(crash.notification.getMessage().contains("signal 9 (exit code 137)"),
                crash.notification.getMessage());
        assertEquals(137, get(name, "LastExitCode"));
        assertEquals("session server pid " + pid + " exited unexpectedly (signal 9 (exit code 137))",
                get(name, "LastError"));
        jmx.schedulerPassed(Duration.ofMillis(2_000)); // twice the default restartDelay
        assertEquals(0, rec.count(SessionServerNotifications.RESTART));
        assertEquals(0L, get(name, "Restarts"));
        assertEquals("FAILED", get(name, "State"));
        assertNoServerRuns();
    }

    // ------------------------------------------------------------------ operators win

    @Test
    @Timeout(90)
    void anOperatorsStopIsNeverUndoneAndCancelsAPendingRestart() throws Exception {
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ALWAYS)
                .restartDelay(Duration.ofMillis(1_500)).build();
        SessionServerManager m = jmx.registered("operator", FAST, policy, b -> b);
        ObjectName name = m.objectName();
        Recorder rec = new Recorder(jmx, name);
        m.startMonitoring();

        // a stop of a running server: nothing restarts it
        jmx.start(name);
        jmx.invoke(name, "stop");
        jmx.schedulerPassed(Duration.ofMillis(1_500 + 500));
        assertEquals("STOPPED", get(name, "State"));
        assertEquals(List.of(), rec.supervision(), "no crash, no restart");
        assertNoServerRuns();

        // a crash schedules a restart, visible in LastError; the operator's stop cancels it
        long pid = jmx.start(name);
        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
        Await.until("a restart is pending", DEADLINE, m::restartPending);
        assertEquals("BACKOFF", get(name, "State"), "a pending restart is BACKOFF, not FAILED");
        assertEquals("session server pid " + pid + " exited unexpectedly (signal 9 (exit code 137)); restarting in"
                + " 1500 ms (attempt 1)", get(name, "LastError"));

        jmx.invoke(name, "stop");

        assertFalse(m.restartPending());
        assertEquals("STOPPED", get(name, "State"));
        assertEquals("session server pid " + pid + " exited unexpectedly (signal 9 (exit code 137))",
                get(name, "LastError"), "the pending note is gone");
        jmx.schedulerPassed(Duration.ofMillis(1_500 + 500));
        assertEquals(0, rec.count(SessionServerNotifications.RESTART), rec.events.toString());
        assertEquals("STOPPED", get(name, "State"));
        assertEquals(0L, get(name, "Restarts"));
        assertNoServerRuns();
    }

    // ------------------------------------------------------------------ health

    @Test
    @Timeout(90)
    void aHungHealthEndpointIsUnhealthyAfterTheThresholdAndThenRestartedUntilTheLimit() throws Exception {
        SupervisionPolicy policy = SupervisionPolicy.builder().unhealthyThreshold(3).restartOnUnhealthy(true)
                .restartDelay(Duration.ofMillis(200)).restartLimit(1).build(); // restart=never: crashes stay down
        // the health endpoint accepts and never answers; start does not wait for health (start timeout 0)
        SessionServerManager m = jmx.registered("hung", FAST, policy,
                b -> b.environmentVariable("SESSION_SERVER_HEALTH_HANG", "true")
                        .healthCheckTimeout(Duration.ofMillis(150)).startTimeout(Duration.ZERO));
        ObjectName name = m.objectName();
        Recorder rec = new Recorder(jmx, name);
        AtomicInteger failedChecks = new AtomicInteger();
        m.putHealthCheckObserver(this, (outcome, nanos) -> {
            if (outcome != HealthCheck.Outcome.UP) {
                failedChecks.incrementAndGet();
            }
        });
        List<Integer> failedWhenUnhealthy = new CopyOnWriteArrayList<>();
        m.addStateListener((from, to) -> {
            if (to == ServerState.UNHEALTHY) {
                failedWhenUnhealthy.add(failedChecks.get());
            }
        });
        long first = jmx.start(name); // its own check counts: it may have found the port not yet open
        Path log = dir.resolve("server.log");
        Await.until("the server listens", DEADLINE,
                () -> Files.exists(log) && readQuietly(log).contains("listening on"));
        m.startMonitoring(); // from now on every check times out: the endpoint hangs

        // (state listeners are called right after the new state is visible: wait for the listener itself)
        Await.until("UNHEALTHY", DEADLINE, () -> !failedWhenUnhealthy.isEmpty());
        assertTrue(failedWhenUnhealthy.get(0) >= 3, "UNHEALTHY after " + failedWhenUnhealthy.get(0)
                + " failed checks; the threshold is 3");
        assertEquals(List.of("STOPPED->STARTING", "STARTING->RUNNING", "RUNNING->UNHEALTHY"),
                rec.states().subList(0, 3), "RUNNING until the threshold");

        Await.until("restarted because unhealthy", DEADLINE,
                () -> rec.count(SessionServerNotifications.RESTART) >= 1);
        Recorder.Event restart = rec.of(SessionServerNotifications.RESTART).get(0);
        assertEquals("unhealthy", restart.data("trigger"));
        assertEquals(200L, restart.data("delayMillis"));
        assertEquals("unhealthy: 3 failed health checks in a row (last: TIMEOUT)", restart.data("cause"));
        Await.until("a new server", DEADLINE, () -> {
            long pid = (Long) get(name, "Pid");
            return pid > 0 && pid != first;
        });
        reaper.track((Long) get(name, "Pid"));
        assertFalse(Procs.alive(first), "the unhealthy server was stopped");
        assertEquals(0, rec.count(SessionServerNotifications.CRASH), "a restart's stop is not a crash");
        List<String> states = rec.states();
        int unhealthy = states.indexOf("RUNNING->UNHEALTHY");
        assertEquals(List.of("UNHEALTHY->STOPPING", "STOPPING->STOPPED", "STOPPED->STARTING"),
                states.subList(unhealthy + 1, unhealthy + 4), "stop, then start: " + states);

        // the new server hangs too: once UNHEALTHY again, a second restart would exceed restartLimit 1
        Await.until("gave up", DEADLINE, () -> rec.count(SessionServerNotifications.GAVE_UP) == 1);
        long second = (Long) get(name, "Pid");
        assertEquals(1, rec.count(SessionServerNotifications.RESTART));
        assertTrue(Procs.alive(second), "an unhealthy server is left running when the manager gives up");
        assertEquals("UNHEALTHY", get(name, "State"));
        String lastError = (String) get(name, "LastError");
        assertTrue(lastError.endsWith("gave up restarting: 1 restart within 60000 ms reached restartLimit 1; start it"
                + " to try again"), lastError);
        jmx.schedulerPassed(Duration.ofMillis(1_000));
        assertEquals(1, rec.count(SessionServerNotifications.RESTART), "no restart after giving up");
        assertEquals(second, get(name, "Pid"));
        assertEquals(1L, get(name, "Restarts"));

        m.stop();
        jmx.schedulerPassed(Duration.ofMillis(1_000));
        assertEquals(1, rec.count(SessionServerNotifications.RESTART));
        assertEquals("STOPPED", get(name, "State"));
        assertNoServerRuns();
    }

    // ------------------------------------------------------------------ an adopted server

    @Test
    @Timeout(90)
    void anAdoptedServersDeathIsNoticedWithinOneHealthInterval() throws Exception {
        // another JVM starts the server, then exits: the server is nobody's child here (an orphan, as after a host
        // restart), so its exit code is unknown and, once killed, it stays a zombie until PID 1 reaps it
        int port = jmx.port;
        Process host = reaper.start(new ProcessBuilder(TestJvm.command(ServerHostMain.class, Map.of(
                "pidFile", dir.resolve("server.pid").toString(), "port", Integer.toString(port), "marker",
                reaper.marker(), "classes", ExampleServer.classesDir().toString())))
                .redirectError(ProcessBuilder.Redirect.INHERIT));
        long pid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(host.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("PID "), "host printed " + line);
            pid = Long.parseLong(line.substring(4).trim());
            reaper.track(pid);
            host.getOutputStream().close(); // the host exits on EOF
            assertTrue(host.waitFor(30, TimeUnit.SECONDS), "the host exited");
        }
        assertNotEquals(ProcessHandle.current().pid(),
                ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L),
                "not this JVM's child");

        Duration interval = Duration.ofMillis(400);
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ON_FAILURE)
                .restartDelay(Duration.ofMillis(200)).build();
        SessionServerManager m = jmx.registered("adopted", interval, policy, b -> b);
        ObjectName name = m.objectName();
        Recorder rec = new Recorder(jmx, name);
        AtomicInteger checks = new AtomicInteger(); // one per monitor pass: nothing else checks health here
        m.putHealthCheckObserver(this, (outcome, nanos) -> checks.incrementAndGet());
        List<Long> failedAt = new CopyOnWriteArrayList<>();
        List<Integer> checksWhenFailed = new CopyOnWriteArrayList<>();
        m.addStateListener((from, to) -> {
            if (to == ServerState.BACKOFF) { // on-failure restarts an unknown exit: BACKOFF, not FAILED
                failedAt.add(System.nanoTime());
                checksWhenFailed.add(checks.get());
            }
        });
        m.startMonitoring();
        Await.until("adopted", DEADLINE, () -> "RUNNING".equals(get(name, "State")));
        assertEquals(pid, get(name, "Pid"));

        int checksAtKill = checks.get();
        long killedAt = System.nanoTime();
        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
        Await.until("BACKOFF", DEADLINE, () -> !failedAt.isEmpty());

        // Counted in monitor passes, not milliseconds: the pass under way at the kill may still report the server
        // (it looked before), the next one must see it gone. A zombie taken for alive would stay RUNNING for
        // several passes, until PID 1 reaps it (1-2 s, or never).
        int passes = checksWhenFailed.get(0) - checksAtKill;
        assertTrue(passes <= 2, "the death was noticed by health check " + passes + " after the kill; the pass"
                + " under way and the next one may look, no more");
        long noticedMillis = TimeUnit.NANOSECONDS.toMillis(failedAt.get(0) - killedAt);
        System.out.println("[supervision] adopted server's death noticed after " + noticedMillis + " ms (interval "
                + interval.toMillis() + " ms)");
        Await.until("the crash notification", DEADLINE, () -> rec.count(SessionServerNotifications.CRASH) == 1);
        Recorder.Event crash = rec.of(SessionServerNotifications.CRASH).get(0);
        assertEquals(-1, crash.data("exitCode"), "only its parent could read its exit code");
        assertEquals(-1, get(name, "LastExitCode"));
        assertTrue(((String) get(name, "LastError")).contains("(exit code unknown)"), (String) get(name, "LastError"));

        // on-failure restarts an unknown exit: the new server is this manager's (its shim records its exit code)
        Await.until("restarted", DEADLINE, () -> "RUNNING".equals(get(name, "State")));
        long again = (Long) get(name, "Pid");
        reaper.track(again);
        assertNotEquals(pid, again);
        long parent = Procs.stat(again).orElseThrow().ppid;
        if (parent != ProcessHandle.current().pid()) { // the pidfd layer (Java 22+): this JVM's own child
            assertEquals(Procs.SHIM_NAME, Procs.commandLine(parent).get(0), "spawned by this host, through its shim");
        }
        assertEquals(1L, get(name, "Restarts"));
        m.stop();
        assertNoServerRuns();
    }

    // ------------------------------------------------------------------ JMX clients without this jar

    @Test
    @Timeout(60)
    void notificationUserDataHoldsOnlyJdkTypes() throws Exception {
        SessionServerManager m = jmx.registered("types", FAST, b -> b);
        ObjectName name = m.objectName();
        Recorder rec = new Recorder(jmx, name);
        m.startMonitoring();
        long pid = jmx.start(name);
        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
        Await.until("the crash notification", DEADLINE, () -> rec.count(SessionServerNotifications.CRASH) == 1);
        Notification n = rec.of(SessionServerNotifications.CRASH).get(0).notification;
        assertInstanceOf(Map.class, n.getUserData());
        List<String> classes = new ArrayList<>();
        for (Object v : ((Map<?, ?>) n.getUserData()).values()) {
            classes.add(v.getClass().getName());
        }
        assertTrue(classes.stream().allMatch(c -> c.startsWith("java.lang.")), classes.toString());
        assertTrue(n.getUserData().getClass().getName().startsWith("java.util."));
        assertTrue(n.getClass().equals(Notification.class), "a plain javax.management.Notification");
    }
}
