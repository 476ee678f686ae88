package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;

/**
 * A server that closes its output, and one that floods it: both stay RUNNING and healthy under the monitor, every
 * attribute read answers from the monitor's snapshot (no wait on the server), and stop leaves nothing. The server's
 * output goes to its log file, never to a pipe of this JVM's: nothing here reads it, so nothing here can be blocked
 * by it.
 */
class ServerOutputTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final List<String> ATTRIBUTES = List.of("State", "Running", "Pid", "Healthy", "UptimeSeconds",
            "Port", "PidFile", "ServerScript", "HealthCheckUrl", "LastError", "Restarts", "LastExitCode");

    /** Reads every attribute; each must answer (from the snapshot: none of them waits on the server). */
    private void readEveryAttribute(ObjectName name) {
        for (String attribute : ATTRIBUTES) {
            assertNotNull(jmx.get(name, attribute), attribute);
        }
    }

    /** Descriptors 0, 1 and 2 of {@code pid}: none is a pipe (nothing of ours reads or feeds the server). */
    private static void assertNoPipes(long pid, String stdout) {
        assertEquals(stdout, Procs.fdTarget(pid, 1), "stdout");
        assertEquals(stdout, Procs.fdTarget(pid, 2), "stderr");
        assertFalse(Procs.fdTarget(pid, 0).startsWith("pipe:"), "stdin: " + Procs.fdTarget(pid, 0));
    }

    /** Monitor passes go on, the server stays RUNNING and healthy, attributes answer. */
    private void assertRunningAndHealthyOverPasses(SessionServerManager m, ObjectName name, long pid,
            AtomicInteger checks) {
        int checked = checks.get();
        Await.until("more monitor passes", DEADLINE, () -> checks.get() >= checked + 3 && !m.monitorPassInProgress());
        readEveryAttribute(name);
        assertEquals("RUNNING", jmx.get(name, "State"));
        assertEquals(true, jmx.get(name, "Healthy"));
        assertEquals(pid, jmx.get(name, "Pid"));
        assertEquals(0, m.crashes());
    }

    private void stopLeavesNothing(ObjectName name, long pid) {
        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(pid));
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
        assertFalse(Files.exists(dir.resolve("server.pid")));
        assertEquals("STOPPED", jmx.get(name, "State"));
    }

    @Test
    @Timeout(120)
    void aServerThatClosesItsOutputStaysRunningAndHealthy() throws Exception {
        Path log = dir.resolve("server.log");
        SessionServerManager m = jmx.registered("closed-output", FAST,
                b -> b.logFile(log).environmentVariable("SESSION_SERVER_CLOSE_OUTPUT", "true"));
        ObjectName name = m.objectName();
        AtomicInteger checks = SessionServerManagerTest.countHealthChecks(m);
        long pid = jmx.start(name);
        m.startMonitoring();
        Await.until("the server closed its output", DEADLINE,
                () -> readQuietly(log).contains("closing stdout and stderr")
                        && "/dev/null".equals(Procs.fdTarget(pid, 1)) && "/dev/null".equals(Procs.fdTarget(pid, 2)));
        assertNoPipes(pid, "/dev/null");

        assertRunningAndHealthyOverPasses(m, name, pid, checks);
        assertEquals("", jmx.get(name, "LastError"));
        stopLeavesNothing(name, pid);
    }

    @Test
    @Timeout(120)
    void aServerThatFloodsItsOutputStaysRunningAndHealthyAndBlocksNothingHere() throws Exception {
        // the flood fills a 16 MiB tmpfs in a moment, then goes on writing (and failing) as fast as it can
        Path logs = dir.resolve("logs");
        mountTmpfs(logs, 16L * 1024 * 1024);
        Path log = logs.resolve("server.log");
        SessionServerManager m = jmx.registered("flood", FAST,
                b -> b.logFile(log).environmentVariable("SESSION_SERVER_FLOOD", "true"));
        ObjectName name = m.objectName();
        AtomicInteger checks = SessionServerManagerTest.countHealthChecks(m);
        long pid = jmx.start(name);
        m.startMonitoring();
        Await.until("the flood has filled the log's file system", DEADLINE,
                () -> ((String) jmx.get(name, "LastError")).contains("file system is full"));
        assertNoPipes(pid, log.toString());

        long writesBefore = writeCalls(pid);
        assertRunningAndHealthyOverPasses(m, name, pid, checks);
        Await.until("the server still floods", DEADLINE, () -> writeCalls(pid) > writesBefore + 100);
        List<String> stuck = threadsReadingAProcess();
        assertEquals(List.of(), stuck, "no thread of this JVM reads a process's output");

        stopLeavesNothing(name, pid);
    }

    /** {@code syscw} of {@code /proc/<pid>/io}: the write system calls the process made (failed ones included). */
    private static long writeCalls(long pid) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "io"),
                    StandardCharsets.US_ASCII)) {
                if (line.startsWith("syscw:")) {
                    return Long.parseLong(line.substring("syscw:".length()).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** This JVM's threads whose stack is in a read of a child process's output pipe. */
    private static List<String> threadsReadingAProcess() {
        List<String> found = new ArrayList<>();
        for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            for (StackTraceElement e : t.getStackTrace()) {
                if (e.getClassName().startsWith("java.lang.ProcessImpl$ProcessPipeInputStream")
                        || e.getClassName().startsWith("java.lang.ProcessBuilder$NullInputStream")) {
                    found.add(t.getThreadName() + " at " + e);
                    break;
                }
            }
        }
        return found;
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
