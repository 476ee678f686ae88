package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.AttributeChangeNotification;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;

/** The MBean driven as a JMX client would: only MBeanServer.invoke/getAttribute and JDK types. */
class SessionServerManagerTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private Object get(ObjectName name, String attribute) {
        return jmx.get(name, attribute);
    }

    private long pidFileFirstLine() throws Exception {
        return Long.parseLong(Files.readAllLines(dir.resolve("server.pid")).get(0).trim());
    }

    @Test
    @Timeout(90)
    void startAndStopThroughJmx() throws Exception {
        SessionServerManager m = jmx.registered("default", FAST, b -> b);
        AtomicInteger checks = countHealthChecks(m);
        m.startMonitoring();
        ObjectName name = m.objectName();
        assertEquals(new ObjectName("dev.omega.sessionserver:type=SessionServerManager,name=default"), name);
        assertEquals("STOPPED", get(name, "State"));
        assertEquals(-1L, get(name, "Pid"));
        assertEquals(false, get(name, "Running"));
        assertEquals(0L, get(name, "UptimeSeconds"));

        long beforeStart = System.currentTimeMillis();
        long pid = jmx.start(name);

        assertTrue(Procs.alive(pid), "the PID start returned is a live process");
        assertEquals(pidFileFirstLine(), pid, "start returned the PID the PID file names");
        assertTrue(ExampleServer.healthy(jmx.port), "the server answers its health URL");
        assertEquals(true, get(name, "Running"));
        assertEquals(pid, get(name, "Pid"));
        assertEquals("RUNNING", get(name, "State"));
        assertEquals(true, get(name, "Healthy"));
        assertEquals("", get(name, "LastError"));
        // uptime counts up from this start: past a whole second while running, and never more than has passed
        Await.until("UptimeSeconds reaches 1", DEADLINE, () -> (Long) get(name, "UptimeSeconds") >= 1);
        long uptime = (Long) get(name, "UptimeSeconds");
        long sinceStart = (System.currentTimeMillis() - beforeStart) / 1000;
        // (slack: the kernel's boot time, from which a process's start time is computed, has whole seconds)
        assertTrue(uptime <= sinceStart + 2, "uptime " + uptime + " s, but the server was started " + sinceStart
                + " s ago");
        assertEquals(true, jmx.invoke(name, "checkHealth"));
        assertEquals(jmx.port, get(name, "Port"));
        assertEquals(dir.resolve("server.pid").toString(), get(name, "PidFile"));
        assertEquals(ExampleServer.healthUrl(jmx.port), get(name, "HealthCheckUrl"));
        assertEquals(String.join(" ", ExampleServer.command()), get(name, "ServerScript"));
        assertEquals(pid, jmx.start(name), "a second start returns the running server's PID");
        assertEquals(1, m.starts());

        // monitor passes leave a healthy server alone
        int checked = checks.get();
        Await.until("a few monitor passes have run", DEADLINE,
                () -> checks.get() >= checked + 3 && !m.monitorPassInProgress());
        assertEquals("RUNNING", get(name, "State"));
        assertEquals(pid, get(name, "Pid"));

        assertEquals(null, jmx.invoke(name, "stop"));

        assertEquals("STOPPED", get(name, "State"));
        assertEquals(-1L, get(name, "Pid"));
        assertEquals(false, get(name, "Running"));
        assertEquals(false, get(name, "Healthy"));
        assertEquals(0L, get(name, "UptimeSeconds"));
        assertFalse(Procs.alive(pid), "the server is gone when stop returns");
        assertFalse(Files.exists(dir.resolve("server.pid")), "PID file removed");
        assertEquals(1, m.stops());
        assertEquals(0, m.crashes());
        assertEquals(false, jmx.invoke(name, "checkHealth"));
        assertEquals("STOPPED", get(name, "State"));
        assertEquals(null, jmx.invoke(name, "stop"), "stop when nothing runs is a no-op");
        assertEquals(1, m.stops(), "a no-op stop is not counted");
    }

    @Test
    @Timeout(90)
    void restartGivesANewServer() {
        SessionServerManager m = jmx.registered("restart", FAST, b -> b);
        ObjectName name = m.objectName();
        long first = jmx.start(name);

        long second = (Long) jmx.invoke(name, "restart");
        reaper.track(second);

        assertNotEquals(first, second);
        assertFalse(Procs.alive(first), "the first server is gone");
        assertTrue(Procs.alive(second));
        assertEquals(second, get(name, "Pid"));
        assertEquals("RUNNING", get(name, "State"));
        assertEquals(2, m.starts());
        assertEquals(1, m.stops());
    }

    @Test
    @Timeout(90)
    void notificationsForEveryStateChangeAndNoFlipDuringAnOperation() throws Exception {
        // a slow start while the monitor looks every 20 ms: it must not show STOPPED (or anything) mid-start
        SessionServerManager m = jmx.registered("notify", Duration.ofMillis(20),
                b -> b.environmentVariable("SESSION_SERVER_STARTUP_DELAY_MS", "1000"));
        ObjectName name = m.objectName();
        BlockingQueue<Notification> received = new LinkedBlockingQueue<>();
        NotificationListener listener = (n, handback) -> received.add(n);
        jmx.mbeanServer.addNotificationListener(name, listener, null, null);
        List<String> changes = new CopyOnWriteArrayList<>();
        m.addStateListener((from, to) -> changes.add(from + "->" + to));
        AtomicInteger checks = countHealthChecks(m);
        m.startMonitoring();
        Await.until("the monitor has checked", DEADLINE, () -> checks.get() >= 2);

        jmx.start(name);
        jmx.invoke(name, "stop");

        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Notification n = received.poll(10, TimeUnit.SECONDS);
            assertInstanceOf(AttributeChangeNotification.class, n, "notification " + i + ": " + seen);
            AttributeChangeNotification a = (AttributeChangeNotification) n;
            assertEquals(AttributeChangeNotification.ATTRIBUTE_CHANGE, a.getType());
            assertEquals("State", a.getAttributeName());
            assertEquals(String.class.getName(), a.getAttributeType());
            assertInstanceOf(String.class, a.getOldValue());
            assertInstanceOf(String.class, a.getNewValue());
            assertEquals(name, a.getSource());
            seen.add(a.getOldValue() + "->" + a.getNewValue());
        }
        assertEquals(List.of("STOPPED->STARTING", "STARTING->RUNNING", "RUNNING->STOPPING", "STOPPING->STOPPED"),
                seen);
        assertEquals(seen, changes, "state listeners see the same changes");
        // notifications are sent in the thread that changes the state: once more passes have run, all they sent is here
        int checked = checks.get();
        Await.until("more monitor passes have run", DEADLINE,
                () -> checks.get() >= checked + 3 && !m.monitorPassInProgress());
        assertEquals(List.of(), new ArrayList<>(received), "nothing more after the stop");
        assertEquals(seen, changes, "nor for the state listeners");
    }

    /** Counts the manager's health checks (monitor passes and checkHealth calls). */
    static AtomicInteger countHealthChecks(SessionServerManager m) {
        AtomicInteger n = new AtomicInteger();
        m.putHealthCheckObserver(n, (outcome, nanos) -> n.incrementAndGet());
        return n;
    }

    @Test
    @Timeout(90)
    void crashIsDetectedAsFailedWithExitCode() {
        SessionServerManager m = jmx.registered("crash", FAST, b -> b);
        AtomicInteger checks = countHealthChecks(m);
        m.startMonitoring();
        ObjectName name = m.objectName();
        jmx.start(name);
        // a restart first, so that the previous server's exit code (143, SIGTERM) is known and must not be reported
        long pid = (Long) jmx.invoke(name, "restart");
        reaper.track(pid);
        assertEquals("RUNNING", get(name, "State"));

        // not a stop: the test kills the server behind the manager's back
        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());

        Await.until("State is FAILED", DEADLINE, () -> "FAILED".equals(get(name, "State")));
        assertEquals(-1L, get(name, "Pid"));
        assertEquals(false, get(name, "Running"));
        assertEquals(false, get(name, "Healthy"));
        assertEquals("session server pid " + pid + " exited unexpectedly (signal 9 (exit code 137))",
                get(name, "LastError"));
        assertEquals(137, get(name, "LastExitCode"));
        assertEquals(1, m.crashes());
        assertEquals(1, m.stops(), "only the restart's stop");

        // FAILED stays while nothing runs, and the crash is counted once
        int checked = checks.get();
        Await.until("more monitor passes have run", DEADLINE,
                () -> checks.get() >= checked + 3 && !m.monitorPassInProgress());
        assertEquals("FAILED", get(name, "State"));
        assertEquals(1, m.crashes());

        // an operator's start recovers
        long again = jmx.start(name);
        assertEquals("RUNNING", get(name, "State"));
        assertEquals(again, get(name, "Pid"));
        assertEquals("", get(name, "LastError"));
    }

    @Test
    @Timeout(90)
    void aServerThatExitsOnItsOwnIsACrashWithItsExitCode() {
        // healthy first (start waits for it), then the server halts with exit code 7 some seconds after it started
        SessionServerManager m = jmx.registered("exits", FAST, b -> b
                .environmentVariable("SESSION_SERVER_EXIT_AFTER_MS", "4000")
                .environmentVariable("SESSION_SERVER_EXIT_CODE", "7"));
        ObjectName name = m.objectName();
        m.startMonitoring();
        long pid = jmx.start(name);
        assertEquals("RUNNING", get(name, "State"));

        Await.until("State is FAILED", DEADLINE, () -> "FAILED".equals(get(name, "State")));
        assertEquals("session server pid " + pid + " exited unexpectedly (exit code 7)", get(name, "LastError"));
        assertEquals(7, get(name, "LastExitCode"));
        assertEquals(1, m.crashes());
        assertFalse(Procs.alive(pid));
    }

    @Test
    @Timeout(90)
    void failedStartThrowsAJdkExceptionThatExplains() {
        SessionServerManager m = jmx.registered("bad",  FAST,
                b -> b.environmentVariable("SESSION_SERVER_HEALTH_STATUS", "not-a-number"));
        ObjectName name = m.objectName();

        Exception e = jmx.invokeFailing(name, "start");

        assertOnlyJdkTypes(e);
        Throwable root = rootCause(e);
        assertInstanceOf(IllegalStateException.class, root);
        String message = root.getMessage();
        assertTrue(message.contains("exit code 2"), message);
        assertTrue(message.contains("invalid SESSION_SERVER_HEALTH_STATUS='not-a-number'"),
                "the server's own last log line is in the message: " + message);
        assertTrue(message.contains("run start again"), "says what to do: " + message);
        assertEquals("FAILED", get(name, "State"));
        assertEquals(-1L, get(name, "Pid"));
        assertEquals(false, get(name, "Running"));
        String lastError = (String) get(name, "LastError");
        assertTrue(lastError.contains("exit code 2") && lastError.contains("not-a-number"), lastError);
        assertEquals(0, m.starts());
    }

    @Test
    @Timeout(90)
    void startOfAMissingProgramThrowsAJdkExceptionThatExplains() {
        SessionServerManager m = jmx.registered("missing", FAST,
                b -> b.command(List.of(dir.resolve("no-such-server").toString())));
        ObjectName name = m.objectName();

        Exception e = jmx.invokeFailing(name, "start");

        assertOnlyJdkTypes(e);
        String message = rootCause(e).getMessage();
        assertTrue(message.startsWith("start failed: "), message);
        assertTrue(message.contains("exit code 127") || message.contains("could not launch"), message);
        assertEquals("FAILED", get(name, "State"));
        assertTrue(((String) get(name, "LastError")).startsWith("start failed: "));
    }

    static void assertOnlyJdkTypes(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String cls = t.getClass().getName();
            assertTrue(cls.startsWith("java.") || cls.startsWith("javax."),
                    "a JMX client without this jar's classes must be able to read " + cls);
            for (Throwable s : t.getSuppressed()) {
                assertOnlyJdkTypes(s);
            }
        }
    }

    static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Test
    @Timeout(90)
    void adoptsARunningServerOnTheFirstMonitorPass() throws Exception {
        // started by another manager (as by the agent before the host restarted), same PID file
        ProcessManager earlier = new ProcessManager(jmx.options(b -> b));
        long pid = earlier.startServer();
        reaper.track(pid);

        SessionServerManager m = jmx.registered("adopt", FAST, b -> b);
        ObjectName name = m.objectName();
        m.startMonitoring();

        Await.until("the running server is adopted", DEADLINE, () -> "RUNNING".equals(get(name, "State")));
        assertEquals(pid, get(name, "Pid"));
        assertEquals(true, get(name, "Running"));
        assertEquals(true, get(name, "Healthy"));
        long startedMillis = ProcessHandle.of(pid).orElseThrow().info().startInstant().orElseThrow().toEpochMilli();
        Await.until("uptime counts from the process's start", DEADLINE,
                () -> System.currentTimeMillis() - startedMillis >= 1_500);
        long uptime = (Long) get(name, "UptimeSeconds");
        long expected = (System.currentTimeMillis() - startedMillis) / 1000;
        assertTrue(uptime >= 1 && Math.abs(uptime - expected) <= 1, "uptime " + uptime + ", expected " + expected);
        assertEquals(0, m.starts(), "adopting is not a start");

        // an adopted server (not this manager's child) that dies is a crash too, with an unknown exit code
        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
        Await.until("State is FAILED", DEADLINE, () -> "FAILED".equals(get(name, "State")));
        assertEquals(1, m.crashes());
        assertTrue(((String) get(name, "LastError")).startsWith("session server pid " + pid
                + " exited unexpectedly (exit code "), (String) get(name, "LastError"));
    }

    @Test
    @Timeout(90)
    void anUnmanagedServerOnThePortIsReportedNotAdopted() throws Exception {
        ProcessManager other = new ProcessManager(jmx.options(b -> b.pidFile(dir.resolve("other.pid"))));
        long foreign = other.startServer();
        reaper.track(foreign);

        SessionServerManager m = jmx.registered("unmanaged", FAST, b -> b);
        ObjectName name = m.objectName();
        m.startMonitoring();

        Await.until("LastError reports the unmanaged server", DEADLINE,
                () -> ((String) get(name, "LastError")).contains("unmanaged server answers on port " + jmx.port));
        assertEquals("STOPPED", get(name, "State"));
        assertEquals(-1L, get(name, "Pid"));
        assertEquals(false, get(name, "Running"));
        assertEquals(true, jmx.invoke(name, "checkHealth"), "checkHealth tells what the URL answers");

        Exception e = jmx.invokeFailing(name, "start");
        assertOnlyJdkTypes(e);
        assertTrue(rootCause(e).getMessage().contains("unmanaged"), rootCause(e).getMessage());
        assertEquals("FAILED", get(name, "State"));
        assertTrue(Procs.alive(foreign), "the unmanaged server is left alone");
        jmx.invoke(name, "stop");
        assertTrue(Procs.alive(foreign), "stop does not touch it either");
        assertEquals("STOPPED", get(name, "State"));
    }

    @Test
    @Timeout(90)
    void attributeReadsDoNotWaitForAHungHealthCheck() throws Exception {
        // health checks that hang for 3 s; start does not wait for health (start timeout 0); UNHEALTHY at once
        SessionServerManager m = jmx.registered("hang", Duration.ofMillis(10),
                SupervisionPolicy.builder().unhealthyThreshold(1).build(),
                b -> b.environmentVariable("SESSION_SERVER_HEALTH_HANG", "true")
                        .healthCheckTimeout(Duration.ofSeconds(3)).startTimeout(Duration.ZERO));
        ObjectName name = m.objectName();
        long pid = jmx.start(name);
        Path log = dir.resolve("server.log");
        Await.until("the server listens", DEADLINE,
                () -> Files.exists(log) && readQuietly(log).contains("listening on"));
        AtomicInteger checks = countHealthChecks(m);
        m.startMonitoring();
        Await.until("a monitor pass is under way", DEADLINE, m::monitorPassInProgress);

        // every read returns while the pass is still blocked: no health check completed between before and after
        int checked = checks.get();
        for (String attribute : List.of("State", "Running", "Pid", "Healthy", "UptimeSeconds", "LastError")) {
            Object value = get(name, attribute);
            if (attribute.equals("Pid")) {
                assertEquals(pid, value);
            }
        }
        assertTrue(m.monitorPassInProgress(), "a monitor pass is still blocked on the health URL");
        assertEquals(checked, checks.get(), "the reads returned before the hung health check ended (3 s timeout)");
        Await.until("State is UNHEALTHY (timeouts)", DEADLINE, () -> "UNHEALTHY".equals(get(name, "State")));
        assertEquals(true, get(name, "Running"));
        assertEquals(false, get(name, "Healthy"));

        jmx.invoke(name, "stop"); // signals work while health hangs
        assertEquals("STOPPED", get(name, "State"));
        assertFalse(Procs.alive(pid));
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    @Timeout(60)
    void monitorSurvivesAFailingListener() throws Exception {
        ProcessManager earlier = new ProcessManager(jmx.options(b -> b));
        long pid = earlier.startServer();
        reaper.track(pid);
        SessionServerManager m = jmx.manager("survivor", FAST, b -> b);
        List<String> changes = new CopyOnWriteArrayList<>();
        m.addStateListener((from, to) -> {
            changes.add(from + "->" + to);
            throw new AssertionError("a listener that throws an Error"); // not even an Exception
        });
        m.startMonitoring();
        Await.until("adopted", DEADLINE, () -> m.state() == ServerState.RUNNING);

        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());

        Await.until("the monitor kept running and saw the crash", DEADLINE, () -> m.state() == ServerState.FAILED);
        Await.until("the listener heard of it", DEADLINE, () -> changes.size() >= 2); // called after the state is set
        assertEquals(List.of("STOPPED->RUNNING", "RUNNING->FAILED"), changes);
    }

    @Test
    @Timeout(30)
    void closeStopsTheMonitorButNotTheServer() throws Exception {
        SessionServerManager m = jmx.manager("close", FAST, b -> b);
        long pid = m.start();
        reaper.track(pid);
        m.startMonitoring();
        m.startMonitoring(); // idempotent

        m.close();
        m.close();

        assertTrue(Procs.alive(pid), "close never stops the server");
        assertEquals(ServerState.RUNNING, m.state());
        assertEquals(pid, m.getPid());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, m::startMonitoring);
        m.stop(); // operations still work after close
        assertFalse(Procs.alive(pid));
    }
}
