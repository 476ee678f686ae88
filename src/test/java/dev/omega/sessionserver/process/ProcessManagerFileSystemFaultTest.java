package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.TmpfsMount;

/**
 * Faults of the file system under the PID file (full, read-only) and failures after the spawn (the PID file write, an
 * exception, an interrupt): each is reported naming the file and the system's reason, and no server is left running.
 * The mount cases need root (skipped with a message otherwise); teardown unmounts whatever was mounted.
 */
class ProcessManagerFileSystemFaultTest extends ExampleServerTest {

    private TmpfsMount mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            mount.close(); // also after a failure; asserts the mount is gone
            mount = null;
        }
    }

    private void assertNothingRunning() {
        assertEquals(List.of(), reaper.markedProcesses(), "no process carrying the test's marker");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fullFileSystemUnderThePidFileIsReportedAndNothingIsSpawned() throws Exception {
        TmpfsMount.assumeRoot("a full file system (mount -t tmpfs)");
        mount = TmpfsMount.mount(dir.resolve("full"), "size=64k");
        Path filler = mount.dir().resolve("filler");
        byte[] block = new byte[4096];
        Arrays.fill(block, (byte) 'x');
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full::getMessage);
        }
        Path pid = mount.dir().resolve("server.pid");
        ProcessManager pm = manager(b -> b.pidFile(pid).logFile(dir.resolve("server.log")));

        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

        assertEquals(ServerStartException.Reason.FILE_UNUSABLE, e.reason(), e::getMessage);
        assertTrue(e.getMessage().contains(pid.toString()), () -> "names the PID file: " + e.getMessage());
        assertTrue(e.getMessage().contains("No space left on device"), e::getMessage);
        assertFalse(Files.exists(dir.resolve("server.log")), "nothing spawned (a spawn creates the log)");
        assertNothingRunning();
        assertFalse(Files.exists(pid));
        try (var files = Files.list(mount.dir())) {
            assertEquals(List.of("filler", "server.pid.lock"), files.map(p -> p.getFileName().toString()).sorted()
                    .collect(java.util.stream.Collectors.toList()), "no temporary file left");
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void readOnlyFileSystemUnderThePidFileIsReportedAndNothingIsSpawned() throws Exception {
        TmpfsMount.assumeRoot("a read-only file system (mount -t tmpfs -o ro)");
        mount = TmpfsMount.mount(dir.resolve("ro"), "ro,size=64k");
        Path pid = mount.dir().resolve("server.pid");
        ProcessManager pm = manager(b -> b.pidFile(pid).logFile(dir.resolve("server.log")));

        IOException e = assertThrows(IOException.class, pm::startServer);

        assertTrue(e.getMessage().contains(pid.toString()), () -> "names the PID file: " + e.getMessage());
        assertTrue(e.getMessage().contains("Read-only file system"), e::getMessage);
        assertFalse(Files.exists(dir.resolve("server.log")), "nothing spawned");
        assertNothingRunning();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aPidFileWriteThatFailsAfterTheSpawnStopsTheServerFirst() {
        ProcessManager pm = manager();
        AtomicReference<Long> spawned = new AtomicReference<>();
        pm.afterSpawn = pid -> {
            spawned.set(pid);
            reaper.track(pid);
            throw new IOException("cannot write PID file " + pidFile + ": No space left on device (injected)");
        };

        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

        assertTrue(e.getMessage().contains("cannot write PID file " + pidFile + ": No space left on device"),
                e::getMessage);
        assertTrue(e.getMessage().contains("(pid " + spawned.get() + "): it was stopped"), e::getMessage);
        assertNothingRunning();
        assertFalse(Files.exists(pidFile));
        assertFalse(ExampleServer.healthy(port));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anExceptionAfterTheSpawnStopsTheServerFirst() {
        ProcessManager pm = manager();
        pm.afterSpawn = pid -> {
            reaper.track(pid);
            throw new IllegalStateException("a bug after the spawn (injected)");
        };

        IllegalStateException e = assertThrows(IllegalStateException.class, pm::startServer);

        assertEquals("a bug after the spawn (injected)", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertTrue(e.getSuppressed()[0].getMessage().contains("it was stopped"), e.getSuppressed()[0]::getMessage);
        assertNothingRunning();
        assertFalse(Files.exists(pidFile));
    }

    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anInterruptedStartStopsItsServerFullyBeforeReporting() throws Exception {
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_STARTUP_DELAY_MS", "60000")
                .startTimeout(Duration.ofSeconds(60)));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread starter = new Thread(() -> {
            try {
                pm.startServer();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "starter");
        starter.start();
        Await.until("the server is spawned and its PID file written", Duration.ofSeconds(30),
                () -> !ExampleServer.serversOf(reaper).isEmpty() && Files.exists(pidFile));
        ExampleServer.serversOf(reaper).forEach(reaper::track);

        starter.interrupt();
        starter.join(60_000);

        assertFalse(starter.isAlive());
        assertTrue(thrown.get() instanceof InterruptedIOException, () -> String.valueOf(thrown.get()));
        assertTrue(thrown.get().getMessage().contains("it was stopped (EXITED_ON_SIGTERM)"), thrown.get()::getMessage);
        assertNothingRunning();
        assertFalse(Files.exists(pidFile), "removed once the server is gone");
    }
}
