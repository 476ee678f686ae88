package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * One test's managers, their scheduler and a fresh MBeanServer; {@link #close()} closes and unregisters the managers
 * and shuts the scheduler down (the servers themselves are killed by the test's {@link ProcessReaper}).
 */
final class JmxFixture implements AutoCloseable {

    final ProcessReaper reaper;
    final Path dir;
    final int port;
    final MBeanServer mbeanServer = MBeanServerFactory.newMBeanServer();
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-session-server-monitor");
        t.setDaemon(true);
        return t;
    });
    private final List<SessionServerManager> managers = new ArrayList<>();

    JmxFixture(ProcessReaper reaper, Path dir, int port) {
        this.reaper = reaper;
        this.dir = dir;
        this.port = port;
    }

    /** Options for the example server: PID file in the test's directory, its port, the reaper's marker. */
    ProcessManagerOptions options(UnaryOperator<ProcessManagerOptions.Builder> tweak) {
        return tweak.apply(ExampleServer.options(dir, port, reaper)).build();
    }

    /** A manager (not registered, not monitoring) for the example server, made with the constructor without policy. */
    SessionServerManager manager(String name, Duration healthInterval,
            UnaryOperator<ProcessManagerOptions.Builder> tweak) {
        SessionServerManager m = new SessionServerManager(name, new ProcessManager(options(tweak)), healthInterval,
                scheduler);
        managers.add(m);
        return m;
    }

    /** A manager (not registered, not monitoring) for the example server, supervised under {@code policy}. */
    SessionServerManager manager(String name, Duration healthInterval, SupervisionPolicy policy,
            UnaryOperator<ProcessManagerOptions.Builder> tweak) {
        SessionServerManager m = new SessionServerManager(name, new ProcessManager(options(tweak)), healthInterval,
                scheduler, policy);
        managers.add(m);
        return m;
    }

    /** A manager registered in {@link #mbeanServer}. */
    SessionServerManager registered(String name, Duration healthInterval,
            UnaryOperator<ProcessManagerOptions.Builder> tweak) {
        SessionServerManager m = manager(name, healthInterval, tweak);
        assertTrue(SessionServerMBeans.register(mbeanServer, m), "registered " + m.objectName());
        return m;
    }

    /** A manager supervised under {@code policy}, registered in {@link #mbeanServer}. */
    SessionServerManager registered(String name, Duration healthInterval, SupervisionPolicy policy,
            UnaryOperator<ProcessManagerOptions.Builder> tweak) {
        SessionServerManager m = manager(name, healthInterval, policy, tweak);
        assertTrue(SessionServerMBeans.register(mbeanServer, m), "registered " + m.objectName());
        return m;
    }

    /**
     * Returns once a task scheduled {@code delay} from now on the managers' scheduler has run: everything that
     * scheduler had due before then (a pending restart, monitor passes) has run or been cancelled. For asserting that
     * something did <em>not</em> happen without a fixed sleep.
     */
    void schedulerPassed(Duration delay) {
        java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
        scheduler.schedule(ran::countDown, delay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            assertTrue(ran.await(delay.toMillis() + 60_000, java.util.concurrent.TimeUnit.MILLISECONDS),
                    "the scheduler ran a task due in " + delay.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Object get(ObjectName name, String attribute) {
        try {
            return mbeanServer.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new AssertionError("getAttribute " + attribute + " failed", e);
        }
    }

    /** Invokes a no-argument operation; fails the test when it throws. */
    Object invoke(ObjectName name, String operation) {
        try {
            return mbeanServer.invoke(name, operation, new Object[0], new String[0]);
        } catch (Exception e) {
            throw new AssertionError("invoke " + operation + " failed: " + e, e);
        }
    }

    /** Invokes a no-argument operation that must fail; returns what the MBeanServer threw. */
    Exception invokeFailing(ObjectName name, String operation) {
        try {
            Object result = mbeanServer.invoke(name, operation, new Object[0], new String[0]);
            return fail(operation + " should have failed but returned " + result);
        } catch (Exception e) {
            return e;
        }
    }

    /** {@code start} through JMX; the PID it returns is recorded for the reaper. */
    long start(ObjectName name) {
        long pid = (Long) invoke(name, "start");
        reaper.track(pid);
        return pid;
    }

    @Override
    public void close() {
        for (SessionServerManager m : managers) {
            m.close();
            SessionServerMBeans.unregister(mbeanServer, m);
        }
        scheduler.shutdownNow();
    }
}
