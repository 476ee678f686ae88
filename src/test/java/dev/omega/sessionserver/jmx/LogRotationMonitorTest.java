package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FloodLines;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.TmpfsMount;

/**
 * Log rotation by the monitor, with a server that writes numbered lines as fast as it can
 * ({@code SESSION_SERVER_FLOOD}), {@code logMaxBytes=64k}, {@code logBackups=2} and a 100 ms health interval.
 *
 * <p>The size bound: each of the three files stays at most {@code logMaxBytes} plus what the server wrote over two
 * consecutive monitor periods (the largest growth of the server's {@code wchar}, {@code /proc/<pid>/io}, between the
 * health checks of pass k-1 and pass k+1): the live log grows from its last check (in one period) until the next
 * pass rotates it, and a backup is the live log as that pass copied it. It is a bound derived from what the server
 * wrote, not from time.
 */
class LogRotationMonitorTest extends JmxFixtureTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final long MAX_BYTES = 64 * 1024;

    @Test
    @Timeout(180)
    void aFloodingServersLogStaysBoundedInTheLiveLogAndTwoBackupsWithTheNewestLinesLive() throws Exception {
        Path log = dir.resolve("server.log");
        SessionServerManager m = jmx.registered("rotating", INTERVAL, b -> b.logFile(log).logMaxBytes(MAX_BYTES)
                .logBackups(2).environmentVariable("SESSION_SERVER_FLOOD", "true"));
        ObjectName name = m.objectName();
        long pid = jmx.start(name);
        List<Long> wcharAtPass = new ArrayList<>(); // guarded by itself
        AtomicInteger passes = new AtomicInteger();
        m.putHealthCheckObserver(wcharAtPass, (outcome, nanos) -> {
            long w = writtenBytes(pid);
            synchronized (wcharAtPass) {
                if (w >= 0) {
                    wcharAtPass.add(w);
                }
            }
            passes.incrementAndGet();
        });
        m.startMonitoring();

        Await.until("two backups exist", DEADLINE, () -> exists(log, 2));
        int seen = passes.get();
        AtomicLong maxLive = new AtomicLong();
        AtomicLong maxBackup = new AtomicLong();
        // sizes sampled while 30 more passes rotate (a condition polled until then, no fixed sleep)
        Await.until("30 more monitor passes", DEADLINE, () -> {
            maxLive.accumulateAndGet(sizeOrZero(log), Math::max);
            maxBackup.accumulateAndGet(Math.max(sizeOrZero(backup(log, 1)), sizeOrZero(backup(log, 2))), Math::max);
            return passes.get() >= seen + 30 && !m.monitorPassInProgress();
        });
        long bound = MAX_BYTES + maxGrowthOverTwoPeriods(wcharAtPass);
        assertEquals("RUNNING", jmx.get(name, "State"));
        assertEquals("", jmx.get(name, "LastError"));
        // no more passes (so no more rotations), then the server goes: the files stay as they are from here on
        m.close();
        Await.until("the last pass is over", DEADLINE, () -> !m.monitorPassInProgress());
        for (Path p : List.of(backup(log, 1), backup(log, 2))) {
            assertTrue(Files.size(p) <= bound, p + ": " + Files.size(p) + " <= " + bound);
        }
        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(pid));

        assertTrue(maxLive.get() <= bound, "live log " + maxLive + " <= " + bound);
        assertTrue(maxBackup.get() <= bound, "backups " + maxBackup + " <= " + bound);
        for (Path p : List.of(log, backup(log, 1), backup(log, 2))) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            assertFalse(mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE),
                    p + " is not group- or world-writable: " + mode);
            assertFalse(Files.isSymbolicLink(p));
        }
        assertFalse(exists(log, 3), "exactly two backups: no " + backup(log, 3));
        assertFalse(Files.exists(log.resolveSibling("server.log.rotating"), LinkOption.NOFOLLOW_LINKS));

        // the newest lines are live; inside each file nothing is missing; what a rotation loses is at the boundary
        FloodLines.Scan older = FloodLines.scan(backup(log, 2));
        FloodLines.Scan newer = FloodLines.scan(backup(log, 1));
        FloodLines.Scan live = FloodLines.scan(log);
        for (FloodLines.Scan s : List.of(older, newer, live)) {
            assertTrue(s.lines > 0, s.toString());
            assertEquals(0, s.missingInside, "nothing lost inside a file: " + s);
            assertEquals(0, s.outOfOrder, s.toString());
            assertEquals(0, s.foreign, s.toString());
        }
        assertEquals(0, live.partialTailBytes, "the live log ends with a whole line: " + live);
        assertTrue(newer.first > older.last, older + " then " + newer);
        assertTrue(live.first > newer.last, "the newest lines are in the live log: " + newer + " then " + live);
        System.out.println("rotation boundaries: lines missing between .2 and .1: " + (newer.first - older.last - 1)
                + " (" + FloodLines.bytesBetween(older.last, newer.first, pid) + " bytes, " + older.partialTailBytes
                + " of them in .2's partial last line); between .1 and the live log: " + (live.first - newer.last - 1)
                + "; bound per file " + bound + " bytes; largest seen: live " + maxLive + ", backup " + maxBackup);
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
    }

    @Test
    @Timeout(120)
    void logMaxBytesZeroNeverRotates() throws Exception {
        Path log = dir.resolve("server.log");
        SessionServerManager m = jmx.registered("unrotated", INTERVAL,
                b -> b.logFile(log).logMaxBytes(0).environmentVariable("SESSION_SERVER_FLOOD", "true"));
        ObjectName name = m.objectName();
        AtomicInteger checks = SessionServerManagerTest.countHealthChecks(m);
        long pid = jmx.start(name);
        m.startMonitoring();
        Await.until("the log passes 1 MiB and 5 monitor passes ran", DEADLINE,
                () -> sizeOrZero(log) > 1024 * 1024 && checks.get() >= 5 && !m.monitorPassInProgress());
        long size = Files.size(log);
        int checked = checks.get();
        Await.until("3 more monitor passes", DEADLINE, () -> checks.get() >= checked + 3 && !m.monitorPassInProgress());
        assertTrue(Files.size(log) >= size, "never truncated");
        assertFalse(exists(log, 1), "no backup");
        assertEquals("", jmx.get(name, "LastError"));
        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(pid));
    }

    @Test
    @Timeout(120)
    void aFullDiskIsReportedInLastErrorOnceAndTheNextPassRotates() throws Exception {
        Path logs = dir.resolve("logs");
        mountTmpfs(logs, 1024 * 1024);
        Path log = logs.resolve("server.log");
        captureStderr();
        SessionServerManager m = jmx.registered("rotation-full", INTERVAL,
                b -> b.logFile(log).logMaxBytes(100 * 1024).logBackups(1)
                        .environmentVariable("SESSION_SERVER_LOG_EVERY_MS", "50"));
        ObjectName name = m.objectName();
        AtomicInteger checks = SessionServerManagerTest.countHealthChecks(m);
        long pid = jmx.start(name);
        // the log passes logMaxBytes; the rest of the file system is taken, so no copy fits
        Files.write(log, new byte[300 * 1024], java.nio.file.StandardOpenOption.APPEND);
        Path filler = logs.resolve("filler");
        assertTrue(TmpfsMount.fill(filler) > 0);
        m.startMonitoring();
        Await.until("LastError says the rotation failed on a full file system", DEADLINE,
                () -> ((String) jmx.get(name, "LastError")).contains("rotation failed: its file system is full"));
        String error = (String) jmx.get(name, "LastError");
        assertTrue(error.contains("log file " + log + ": rotation failed: its file system is full (No space left on"
                + " device)"), error);
        int checked = checks.get();
        Await.until("3 more passes while full", DEADLINE, () -> checks.get() >= checked + 3
                && !m.monitorPassInProgress());
        assertEquals(1, stderr.lines("WARN", log.toString(), "rotation failed: its file system is full"),
                "one WARN line, not one per pass");
        assertFalse(exists(log, 1), "no backup: the partial copy was removed");
        assertFalse(Files.exists(log.resolveSibling("server.log.rotating"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.size(log) > 300 * 1024, "the live log is left as it was");
        assertEquals("RUNNING", jmx.get(name, "State"));

        Files.delete(filler);
        Await.until("a later pass rotates and the note goes", DEADLINE,
                () -> exists(log, 1) && !((String) jmx.get(name, "LastError")).contains("rotation"));
        assertTrue(Files.size(backup(log, 1)) > 300 * 1024, "the copy holds what the log held");
        assertEquals(1, stderr.lines("INFO", log.toString(), "rotated again"));
        assertEquals(pid, jmx.get(name, "Pid"));
        jmx.invoke(name, "stop");
        assertFalse(Procs.alive(pid));
    }

    // ------------------------------------------------------------------ helpers

    /** The largest growth of the server's written bytes between the health checks of passes k-1 and k+1. */
    private static long maxGrowthOverTwoPeriods(List<Long> wchar) {
        synchronized (wchar) {
            long max = 0;
            for (int k = 2; k < wchar.size(); k++) {
                max = Math.max(max, wchar.get(k) - wchar.get(k - 2));
            }
            assertTrue(wchar.size() >= 30, "passes recorded: " + wchar.size());
            return max;
        }
    }

    /** {@code wchar} of {@code /proc/<pid>/io}: bytes the process asked to write (all descriptors); -1 unreadable. */
    private static long writtenBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "io"),
                    StandardCharsets.US_ASCII)) {
                if (line.startsWith("wchar:")) {
                    return Long.parseLong(line.substring("wchar:".length()).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static Path backup(Path log, int n) {
        return log.resolveSibling(log.getFileName() + "." + n);
    }

    private static boolean exists(Path log, int n) {
        return Files.exists(backup(log, n), LinkOption.NOFOLLOW_LINKS);
    }

    private static long sizeOrZero(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

}
