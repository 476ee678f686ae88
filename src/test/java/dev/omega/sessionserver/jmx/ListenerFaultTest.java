package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import javax.management.AttributeChangeNotification;
import javax.management.Notification;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;

/**
 * Code of the host's that the manager calls back (JMX notification listeners, state listeners, health check
 * observers) may throw anything, Errors included: an operation still reports its real outcome, the monitor keeps
 * watching, a crash is still seen, counted, announced and acted on, and no spawned server is left untracked.
 */
class ListenerFaultTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /** Not an AssertionError, LinkageError or RuntimeException: a plain Error, as a buggy library may throw. */
    static final class ListenerBug extends Error {
        private static final long serialVersionUID = 1L;

        ListenerBug(String message) {
            super(message);
        }
    }

    private static SupervisionPolicy restartOnFailure() {
        return SupervisionPolicy.builder().restart(Restart.ON_FAILURE).restartDelay(Duration.ofMillis(50)).build();
    }

    /** The only example server of this test runs and is the one the MBean shows. */
    private void assertTracked(ObjectName name) {
        List<Long> servers = ExampleServer.serversOf(reaper);
        servers.forEach(reaper::track);
        assertEquals(List.of(jmx.get(name, "Pid")), servers, "the live servers are the one the MBean shows");
    }

    /** Kills the server behind the manager's back, then waits for the supervisor's restart to be RUNNING. */
    private long crashAndAwaitRestart(SessionServerManager m, ObjectName name, long pid) {
        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
        Await.until("the crash is counted", DEADLINE, () -> m.crashes() == 1);
        Await.until("the supervisor restarted it", DEADLINE, () -> m.restarts() == 1
                && "RUNNING".equals(jmx.get(name, "State")) && (Long) jmx.get(name, "Pid") != pid);
        long again = (Long) jmx.get(name, "Pid");
        reaper.track(again);
        assertNotEquals(pid, again);
        return again;
    }

    @Test
    @Timeout(120)
    void aNotificationListenerThatThrowsAnErrorBreaksNoOperationAndNoCrashHandling() throws Exception {
        SessionServerManager m = jmx.registered("noisy-notifications", FAST, restartOnFailure(), b -> b);
        ObjectName name = m.objectName();
        List<String> heard = new CopyOnWriteArrayList<>();
        // the first listener: the JDK's broadcaster swallows an Exception from a listener, not an Error
        jmx.mbeanServer.addNotificationListener(name, (n, handback) -> {
            heard.add(n instanceof AttributeChangeNotification
                    ? ((AttributeChangeNotification) n).getOldValue() + "->"
                            + ((AttributeChangeNotification) n).getNewValue()
                    : n.getType().substring("dev.omega.sessionserver.".length()));
            throw new AssertionError("a notification listener that throws an Error");
        }, null, null);
        SupervisionTest.Recorder after = new SupervisionTest.Recorder(jmx, name); // the one after it

        long pid = jmx.start(name); // fails the test if start throws
        assertEquals("RUNNING", jmx.get(name, "State"));
        assertTracked(name);
        m.startMonitoring();

        long again = crashAndAwaitRestart(m, name, pid);
        assertTracked(name);
        assertTrue(heard.contains("crash"), "the crash was announced: " + heard);
        assertTrue(heard.contains("restart"), "the restart was announced: " + heard);
        assertTrue(after.supervision().contains("crash"), "a listener after the failing one heard it too: "
                + after.events);

        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(again));
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
        assertEquals("STOPPED", jmx.get(name, "State"));
    }

    @Test
    @Timeout(120)
    void aStateListenerThatThrowsAnyErrorBreaksNoOperationAndNoCrashHandling() throws Exception {
        SessionServerManager m = jmx.registered("noisy-states", FAST, restartOnFailure(), b -> b);
        ObjectName name = m.objectName();
        SupervisionTest.Recorder recorder = new SupervisionTest.Recorder(jmx, name);
        List<String> changes = new CopyOnWriteArrayList<>();
        BiConsumer<ServerState, ServerState> failing = (from, to) -> {
            changes.add(from + "->" + to);
            throw new ListenerBug("a state listener that throws a plain Error");
        };

        // first in a monitor pass: the crash must still reach the supervisor (counted, announced, restarted)
        long pid = jmx.start(name);
        m.addStateListener(failing);
        m.startMonitoring();
        long again = crashAndAwaitRestart(m, name, pid);
        assertTracked(name);
        assertEquals(1, recorder.count(SessionServerNotifications.CRASH), "the crash was announced: "
                + recorder.events);
        assertTrue(changes.contains("RUNNING->BACKOFF"), "the listener heard of the crash (a restart follows: BACKOFF): "
                + changes);

        // then in operations: each reports its real outcome
        long restarted = (Long) jmx.invoke(name, "restart");
        reaper.track(restarted);
        assertFalse(Procs.alive(again));
        assertTracked(name);

        assertEquals("RUNNING", jmx.get(name, "State"));
        assertEquals(restarted, jmx.get(name, "Pid"));
        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(restarted));
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
        assertEquals("STOPPED", jmx.get(name, "State"));
    }

    @Test
    @Timeout(120)
    void aHealthCheckObserverThatThrowsAnErrorBreaksNeitherStartNorTheMonitor() throws Exception {
        // start does not wait for health (start timeout 0): it checks once itself, in the operator's thread
        SessionServerManager m = jmx.registered("noisy-observer", FAST, restartOnFailure(),
                b -> b.startTimeout(Duration.ZERO));
        ObjectName name = m.objectName();
        AtomicInteger observed = new AtomicInteger();
        m.putHealthCheckObserver("failing", (outcome, nanos) -> {
            observed.incrementAndGet();
            throw new ListenerBug("a health check observer that throws a plain Error");
        });

        long pid = jmx.start(name);
        assertTrue(observed.get() >= 1, "start checked health through the observer");
        assertTracked(name);
        m.startMonitoring();
        int before = observed.get();
        Await.until("the monitor keeps checking", DEADLINE,
                () -> observed.get() >= before + 3 && !m.monitorPassInProgress());
        Await.until("healthy", DEADLINE, () -> (Boolean) jmx.get(name, "Healthy"));

        long again = crashAndAwaitRestart(m, name, pid);
        assertTracked(name);
        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(again));
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
    }

    @Test
    @Timeout(60)
    void aMonitorPassThatThrowsIsLoggedAndTheNextPassLooksAgain() throws Exception {
        // a monitor built by hand around a broadcaster that fails on its first use, as any step of a pass could
        ProcessManager manager = new ProcessManager(jmx.options(b -> b));
        long pid = manager.startServer();
        reaper.track(pid);
        AtomicInteger sent = new AtomicInteger();
        Consumer<Notification> broadcaster = n -> {
            if (sent.incrementAndGet() == 1) {
                throw new IllegalStateException("the first notification fails");
            }
        };
        ObjectName source = SessionServerMBeans.objectName("hand-made");
        ServerStateMachine machine = new ServerStateMachine("hand-made", source, broadcaster, 1, "unmanaged");
        TimedHealthCheck health = new TimedHealthCheck("hand-made", manager);
        ServerExitStatus exitStatus = new ServerExitStatus(manager);
        ServerOperations operations = new ServerOperations("hand-made", manager, machine, health, exitStatus, 1);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            Supervisor supervisor = new Supervisor(operations, SupervisionPolicy.DEFAULT, scheduler);
            ServerMonitor monitor = new ServerMonitor("hand-made", manager, machine, health, exitStatus, supervisor,
                    scheduler, FAST, null);
            monitor.start();
            Await.until("the first pass threw, a later one sent the notification", DEADLINE,
                    () -> sent.get() >= 1 && machine.snapshot().state == ServerState.RUNNING);
            assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
            Await.until("a later pass saw the crash", DEADLINE,
                    () -> machine.snapshot().state == ServerState.FAILED && sent.get() >= 3);
            assertEquals(1, machine.crashes());
            monitor.close();
        } finally {
            scheduler.shutdownNow();
        }
    }
}
