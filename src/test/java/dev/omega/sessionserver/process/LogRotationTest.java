package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * {@link ProcessManager#rotateLog()} and the rotation before a start, on real files and a real server: the shift of
 * the backups, the file rules (a symbolic link at a backup path is refused and its target left untouched; copies are
 * not group- or world-writable), {@code logBackups=0}, and what a start rotates.
 */
@Timeout(60)
class LogRotationTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private ProcessManager manager(Path log, long maxBytes, int backups) {
        return new ProcessManager(ExampleServer.options(dir, FreePort.find(), reaper).logFile(log)
                .logMaxBytes(maxBytes).logBackups(backups).startTimeout(Duration.ofSeconds(30)).build());
    }

    private static void write(Path p, String text) throws Exception {
        Files.write(p, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String read(Path p) throws Exception {
        return Files.readString(p);
    }

    private static String big(String tag, int bytes) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < bytes) {
            sb.append(tag).append(' ').append(sb.length()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void rotationShiftsTheBackupsKeepsLogBackupsAndTruncatesInPlace() throws Exception {
        Path log = dir.resolve("server.log");
        ProcessManager m = manager(log, 1024, 2);
        String first = big("first", 2000);
        write(log, first);
        assertEquals(LogRotation.Outcome.ROTATED, m.rotateLog());
        assertEquals(first, read(dir.resolve("server.log.1")));
        assertEquals(0, Files.size(log), "truncated in place");
        assertEquals(LogRotation.Outcome.NOT_DUE, m.rotateLog(), "empty: not due");

        String second = big("second", 2000);
        String third = big("third", 2000);
        Files.writeString(log, second, java.nio.file.StandardOpenOption.APPEND); // the same file, appended
        assertEquals(LogRotation.Outcome.ROTATED, m.rotateLog());
        write(log, third);
        assertEquals(LogRotation.Outcome.ROTATED, m.rotateLog());
        assertEquals(third, read(dir.resolve("server.log.1")));
        assertEquals(second, read(dir.resolve("server.log.2")));
        assertFalse(Files.exists(dir.resolve("server.log.3")), "logBackups=2: the oldest is deleted");
        for (String name : new String[] {"server.log.1", "server.log.2"}) {
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name)));
            assertEquals('-', mode.charAt(4), name + " " + mode);
            assertEquals('-', mode.charAt(7), name + " " + mode);
        }
        assertEquals("", m.logRotationNote());
    }

    @Test
    void aSymbolicLinkAtABackupPathIsRefusedAndItsTargetUntouched() throws Exception {
        Path log = dir.resolve("server.log");
        Path target = dir.resolve("precious.txt");
        write(target, "keep me\n");
        Path link = dir.resolve("server.log.1");
        Files.createSymbolicLink(link, target);
        String content = big("line", 4000);
        write(log, content);
        ProcessManager m = manager(log, 1024, 2);

        assertEquals(LogRotation.Outcome.REFUSED, m.rotateLog());
        assertEquals("keep me\n", read(target), "the link's target is untouched");
        assertTrue(Files.isSymbolicLink(link), "the link is left as it is");
        assertEquals(content, read(log), "the live log is not truncated");
        assertFalse(Files.exists(dir.resolve("server.log.rotating"), LinkOption.NOFOLLOW_LINKS));
        String note = m.logRotationNote();
        assertTrue(note.startsWith("log file " + log + ": not rotated: backup '" + link + "': it is a symbolic link (to '"
                + target + "')"), note);

        Files.delete(link);
        assertEquals(LogRotation.Outcome.ROTATED, m.rotateLog(), "once the link is gone");
        assertEquals(content, read(link));
        assertEquals("", m.logRotationNote());
    }

    @Test
    void aSymbolicLinkAsTheOldestBackupIsRefusedToo() throws Exception {
        Path log = dir.resolve("server.log");
        Path target = dir.resolve("precious.txt");
        write(target, "keep me\n");
        write(dir.resolve("server.log.1"), "older\n");
        Files.createSymbolicLink(dir.resolve("server.log.2"), target);
        write(log, big("line", 4000));
        ProcessManager m = manager(log, 1024, 2);
        assertEquals(LogRotation.Outcome.REFUSED, m.rotateLog());
        assertEquals("keep me\n", read(target));
        assertEquals("older\n", read(dir.resolve("server.log.1")), "nothing shifted");
    }

    @Test
    void logBackupsZeroTruncatesWithoutACopy() throws Exception {
        Path log = dir.resolve("server.log");
        write(log, big("line", 4000));
        ProcessManager m = manager(log, 1024, 0);
        assertEquals(LogRotation.Outcome.ROTATED, m.rotateLog());
        assertEquals(0, Files.size(log));
        assertFalse(Files.exists(dir.resolve("server.log.1"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void logMaxBytesZeroOrADiscardedLogNeverRotate() throws Exception {
        Path log = dir.resolve("server.log");
        write(log, big("line", 100_000));
        assertEquals(LogRotation.Outcome.NOT_DUE, manager(log, 0, 2).rotateLog());
        ProcessManager discarding = new ProcessManager(ExampleServer.options(dir, FreePort.find(), reaper)
                .discardLog().logMaxBytes(1).build());
        assertEquals(LogRotation.Outcome.NOT_DUE, discarding.rotateLog());
        assertEquals(big("line", 100_000), read(log), "untouched");
        assertFalse(Files.exists(dir.resolve("server.log.1"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    @Timeout(120)
    void aStartRotatesAnOversizedLogBeforeSpawningAndItsServerWritesTheFreshLog() throws Exception {
        Path log = dir.resolve("server.log");
        String old = big("from an earlier run", 200_000);
        write(log, old);
        ProcessManager m = manager(log, 64 * 1024, 3);
        long pid = m.startServer();
        reaper.track(pid);
        assertEquals(old, read(dir.resolve("server.log.1")), "the earlier run's output was rotated before the spawn");
        Await.until("the new server's first line", Duration.ofSeconds(30),
                () -> readQuietly(log).startsWith("session-server: listening"));
        assertFalse(readQuietly(log).contains("from an earlier run"), "the live log holds only the new server's lines");
        m.stopServer();
        assertFalse(Procs.alive(pid));
    }

    @Test
    @Timeout(120)
    void theMonitorsRotationWaitsWhileAStartOrStopHoldsTheLock() throws Exception {
        Path log = dir.resolve("server.log");
        write(log, big("line", 4000));
        ProcessManager m = manager(log, 1024, 1);
        PidFileLock lock = new PidFileLock(m.options().pidFile());
        try (PidFileLock.Held held = lock.acquire(5_000)) {
            Thread other = new Thread(() -> assertEquals(LogRotation.Outcome.BUSY, m.rotateLog()));
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            other.setUncaughtExceptionHandler((t, e) -> failure.set(e));
            other.start();
            other.join(30_000);
            assertEquals(null, failure.get());
        }
        assertEquals(LogRotation.Outcome.ROTATED, m.rotateLog(), "once the lock is free");
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "";
        }
    }
}
