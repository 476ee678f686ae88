package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;

/**
 * A server stopped with SIGSTOP (a debugger, {@code kill -STOP}, a frozen cgroup) is alive but answers nothing: the
 * monitor shows it UNHEALTHY after {@code unhealthyThreshold} failed checks, never FAILED, and never counts or
 * announces a crash; SIGCONT makes it RUNNING again. (That {@code stop} of a stopped server completes is a process
 * test's concern.)
 */
class StoppedServerTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final int THRESHOLD = 3;

    private final List<Long> stoppedByThisTest = new CopyOnWriteArrayList<>();

    /** Signals {@code pid} (a server this test started) with {@code signal} through kill(1). */
    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes());
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid + ": " + out);
    }

    /** A stopped server would hold SIGTERM until continued: let it run again before the reaper's SIGKILL. */
    @AfterEach
    void continueWhatWasStopped() throws Exception {
        for (long pid : stoppedByThisTest) {
            if (Procs.alive(pid)) {
                signal("CONT", pid);
            }
        }
    }

    @Test
    @Timeout(120)
    void aStoppedServerIsUnhealthyNotCrashedAndRunningAgainWhenContinued() throws Exception {
        // restart on failure: a stopped server mistaken for a crashed one would also be restarted (a second server)
        SessionServerManager m = jmx.registered("sigstop", FAST, SupervisionPolicy.builder()
                .restart(Restart.ON_FAILURE).unhealthyThreshold(THRESHOLD).restartOnUnhealthy(false).build(),
                b -> b.healthCheckTimeout(Duration.ofMillis(300)));
        ObjectName name = m.objectName();
        SupervisionTest.Recorder recorder = new SupervisionTest.Recorder(jmx, name);
        AtomicInteger checks = SessionServerManagerTest.countHealthChecks(m);
        long pid = jmx.start(name);
        m.startMonitoring();
        Await.until("a healthy monitor pass", DEADLINE, () -> checks.get() >= 1 && !m.monitorPassInProgress());
        assertEquals("RUNNING", jmx.get(name, "State"));

        stoppedByThisTest.add(pid);
        signal("STOP", pid);
        Await.until("the kernel shows pid " + pid + " stopped", DEADLINE,
                () -> Procs.stat(pid).map(s -> s.state == 'T').orElse(false));
        Await.until("State is UNHEALTHY", DEADLINE, () -> "UNHEALTHY".equals(jmx.get(name, "State")));

        assertEquals(true, jmx.get(name, "Running"));
        assertEquals(pid, jmx.get(name, "Pid"));
        assertEquals(false, jmx.get(name, "Healthy"));
        // a few more passes while it stays stopped: still UNHEALTHY, never FAILED, no crash
        int checked = checks.get();
        Await.until("more monitor passes have run", DEADLINE,
                () -> checks.get() >= checked + THRESHOLD && !m.monitorPassInProgress());
        assertEquals("UNHEALTHY", jmx.get(name, "State"));
        assertTrue(Procs.alive(pid), "the stopped server was not killed");
        assertEquals(List.of(pid), ExampleServer.serversOf(reaper), "no second server was started beside it");

        signal("CONT", pid);
        Await.until("State is RUNNING again", DEADLINE, () -> "RUNNING".equals(jmx.get(name, "State")));
        assertEquals(true, jmx.get(name, "Healthy"));
        assertEquals(pid, jmx.get(name, "Pid"));

        // the snapshot changes first, then the notification is sent (in the monitor's thread)
        Await.until("the change back to RUNNING was announced", DEADLINE,
                () -> recorder.states().contains("UNHEALTHY->RUNNING"));
        assertEquals(List.of("STOPPED->STARTING", "STARTING->RUNNING", "RUNNING->UNHEALTHY", "UNHEALTHY->RUNNING"),
                recorder.states(), "never FAILED");
        assertEquals(List.of(), recorder.supervision(), "no crash, restart or give-up notification");
        assertEquals(0, m.crashes());
        assertEquals(0L, jmx.get(name, "Restarts"));
        assertEquals(-1, jmx.get(name, "LastExitCode"));

        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(pid));
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
    }
}
