package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.TmpfsMount;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;

/**
 * The file system of the server's log fills up while the server runs (a 1 MiB tmpfs, filled by a filler file; root
 * only, skipped otherwise): the server keeps running, {@code LastError} says which log's file system is full, one WARN
 * line is logged (not one per pass); when the filler goes, the note goes with one INFO line.
 */
class LogFileSystemFullTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    @Timeout(120)
    void aFullLogFileSystemIsReportedWhileTheServerKeepsRunningAndClearedWhenSpaceReturns() throws Exception {
        Path logs = dir.resolve("logs");
        mountTmpfs(logs, 1024 * 1024);
        Path log = logs.resolve("server.log");
        captureStderr();
        SessionServerManager m = jmx.registered("log-full", FAST,
                b -> b.logFile(log).environmentVariable("SESSION_SERVER_LOG_EVERY_MS", "20"));
        ObjectName name = m.objectName();
        AtomicInteger checks = SessionServerManagerTest.countHealthChecks(m);
        long pid = jmx.start(name);
        m.startMonitoring();
        Await.until("the server writes ticks to its log", DEADLINE,
                () -> Files.exists(log) && readQuietly(log).contains("tick"));
        Await.until("a monitor pass has run", DEADLINE, () -> checks.get() >= 1 && !m.monitorPassInProgress());
        assertEquals("", jmx.get(name, "LastError"), "space: no note");

        Path filler = logs.resolve("filler");
        long filled = TmpfsMount.fill(filler);
        assertTrue(filled > 0, "the filler took the free space");

        Await.until("LastError says the log's file system is full", DEADLINE,
                () -> ((String) jmx.get(name, "LastError")).contains("file system is full"));
        String error = (String) jmx.get(name, "LastError");
        assertTrue(error.startsWith("log file " + log + ": its file system is full ("), error);
        assertEquals("RUNNING", jmx.get(name, "State"));
        assertEquals(true, jmx.get(name, "Healthy"));
        assertEquals(pid, jmx.get(name, "Pid"));
        assertTrue(Procs.alive(pid), "the server keeps running");
        // tmpfs allocates whole pages: the log can still fill its last page, never grow past it
        long pageEnd = (Files.size(log) / 4096 + 1) * 4096;
        int checked = checks.get();
        Await.until("more monitor passes while full", DEADLINE,
                () -> checks.get() >= checked + 3 && !m.monitorPassInProgress());
        assertTrue(Files.size(log) <= pageEnd, "the server's writes fail: its log does not grow past its page");
        assertEquals(1, stderr.lines("WARN", "'log-full'", log.toString(), "file system is full"),
                "one WARN line on the change to full, not one per pass");
        assertEquals(error, jmx.get(name, "LastError"), "the same note while it stays full");

        Files.delete(filler);
        Await.until("LastError is cleared", DEADLINE, () -> "".equals(jmx.get(name, "LastError")));
        Await.until("the server's ticks reach its log again", DEADLINE, () -> {
            try {
                return Files.size(log) > pageEnd;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        assertEquals(1, stderr.lines("INFO", "'log-full'", log.toString(), "has space again"),
                "one INFO line when space returns");
        assertEquals(1, stderr.lines("WARN", "'log-full'", "file system is full"), "still the one WARN line");
        assertEquals("RUNNING", jmx.get(name, "State"));
        assertEquals(pid, jmx.get(name, "Pid"));
        assertEquals(0, m.crashes());

        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(pid));
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
