package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.Commands;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.ServerHostMain;
import dev.omega.sessionserver.testing.TestJvm;
import dev.omega.sessionserver.testing.TmpfsMount;

/**
 * Files placed by someone else where the manager keeps its own (the log, the PID file, the lock file): a symbolic
 * link, a directory, a FIFO, another user's file. Each is refused with its path and the reason, its target is left
 * untouched and nothing is spawned. Cases that need another user's file run as root (chown to 65534) and are skipped
 * with a message otherwise.
 */
class ProcessManagerHostileFilesTest extends ExampleServerTest {

    private static final long NOBODY = 65534;

    private Path log() {
        return dir.resolve("server.log");
    }

    private void assertNothingSpawned() {
        assertEquals(List.of(), reaper.markedProcesses(), "nothing spawned");
        assertFalse(Files.exists(pidFile), "no PID file");
    }

    private ServerStartException assertLogRefused(String why) {
        ServerStartException e = assertThrows(ServerStartException.class, manager()::startServer);
        assertEquals(ServerStartException.Reason.FILE_UNUSABLE, e.reason(), e::getMessage);
        assertTrue(e.getMessage().contains(log().toString()), () -> "names the log: " + e.getMessage());
        assertTrue(e.getMessage().contains(why), () -> "says '" + why + "': " + e.getMessage());
        assertNothingSpawned();
        return e;
    }

    // ------------------------------------------------------------------ the log

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void logThatIsASymbolicLinkIsRefusedAndItsTargetUntouched() throws IOException {
        Path target = dir.resolve("precious.txt");
        Files.writeString(target, "precious\n");
        Files.createSymbolicLink(log(), target);

        assertLogRefused("symbolic link");

        assertEquals("precious\n", Files.readString(target), "the target is untouched");
        assertTrue(Files.isSymbolicLink(log()), "the link is left as it is");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void logThatIsADirectoryIsRefused() throws IOException {
        Files.createDirectory(log());
        assertLogRefused("a directory");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void logThatIsAFifoIsRefusedWithoutBlocking() throws Exception {
        Commands.run("mkfifo", log().toString());
        assertLogRefused("not a regular file");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void logOwnedByAnotherUserIsRefused() throws Exception {
        TmpfsMount.assumeRoot("a log owned by another user (chown)");
        Files.writeString(log(), "someone else's\n");
        Commands.run("chown", Long.toString(NOBODY), log().toString());

        assertLogRefused("belongs to uid " + NOBODY);
        assertEquals("someone else's\n", Files.readString(log()));
    }

    // ------------------------------------------------------------------ the launcher's own guard, without the Java check

    private long launchWithoutJavaCheck() throws IOException {
        ProcessBuilder server = new ProcessBuilder(List.of("/bin/sleep", "300"))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        reaper.mark(server);
        ServerLauncher.Launched p = ServerLauncher.system().launch(server, Optional.of(log()),
                Optional.of(dir.resolve("server.pid.exit")), false);
        reaper.track(p.pid());
        return p.pid();
    }

    private void assertLauncherRefuses(String why) {
        ServerStartException e = assertThrows(ServerStartException.class, this::launchWithoutJavaCheck);
        assertEquals(ServerStartException.Reason.FILE_UNUSABLE, e.reason(), e::getMessage);
        assertTrue(e.getMessage().contains(log().toString()), e::getMessage);
        assertTrue(e.getMessage().contains(why), () -> "says '" + why + "': " + e.getMessage());
        assertEquals(List.of(), reaper.markedProcesses(), "nothing left running");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theLaunchersNoFollowOpenRefusesALinkTheJavaCheckDidNotSee() throws IOException {
        assertTrue(ServerLauncher.system().opensLogItself(), "perl is part of the test environment");
        Path target = dir.resolve("precious.txt");
        Files.writeString(target, "precious\n");
        Files.createSymbolicLink(log(), target);

        assertLauncherRefuses("symbolic link");
        assertEquals("precious\n", Files.readString(target), "the target is untouched");
    }

    /**
     * The refusal comes from the server's process, after the JVM's own child has forked the shim: the JDK drains and
     * closes that child's output when it exits, so a report written after that exit would be lost (the launch then
     * looked successful). Many launches in a row give that race its chances.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theLaunchersReportIsNeverLostHoweverTheProcessesAreScheduled() throws Exception {
        Files.createDirectory(log());
        for (int i = 0; i < 25; i++) {
            assertLauncherRefuses("Is a directory");
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theLauncherRefusesAFifoWithoutBlockingAndADirectory() throws Exception {
        Commands.run("mkfifo", log().toString());
        assertLauncherRefuses("FIFO");
        Files.delete(log());
        Files.createDirectory(log());
        assertLauncherRefuses("Is a directory");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theLauncherRefusesAnotherUsersLog() throws Exception {
        TmpfsMount.assumeRoot("a log owned by another user (chown)");
        Files.writeString(log(), "someone else's\n");
        Commands.run("chown", Long.toString(NOBODY), log().toString());
        assertLauncherRefuses("belongs to uid " + NOBODY);
        assertEquals("someone else's\n", Files.readString(log()));
    }

    // ------------------------------------------------------------------ PID file and lock file

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void pidFileOwnedByAnotherUserIsRefusedOnStartAndStop() throws Exception {
        TmpfsMount.assumeRoot("a PID file owned by another user (chown)");
        Files.writeString(pidFile, "999999\n");
        Commands.run("chown", Long.toString(NOBODY), pidFile.toString());
        ProcessManager pm = manager();

        IOException e = assertThrows(IOException.class, pm::startServer);
        assertTrue(e.getMessage().contains(pidFile.toString()) && e.getMessage().contains("belongs to uid " + NOBODY),
                e::getMessage);
        IOException onStop = assertThrows(IOException.class, pm::stopServer);
        assertTrue(onStop.getMessage().contains("belongs to uid " + NOBODY), onStop::getMessage);

        assertEquals(List.of(), reaper.markedProcesses(), "nothing spawned");
        assertEquals("999999\n", Files.readString(pidFile), "left as it is");
        assertEquals(NOBODY, ((Number) Files.getAttribute(pidFile, "unix:uid")).longValue());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void lockFileOwnedByAnotherUserIsRefused() throws Exception {
        TmpfsMount.assumeRoot("a lock file owned by another user (chown)");
        Path lock = dir.resolve("server.pid.lock");
        Files.createFile(lock);
        Commands.run("chown", Long.toString(NOBODY), lock.toString());

        IOException e = assertThrows(IOException.class, manager()::startServer);

        assertTrue(e.getMessage().contains(lock.toString()) && e.getMessage().contains("belongs to uid " + NOBODY),
                e::getMessage);
        assertNothingSpawned();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void lockFileThatIsASymbolicLinkIsRefusedAndItsTargetUntouched() throws IOException {
        Path target = dir.resolve("precious.txt");
        Files.writeString(target, "precious\n");
        Path lock = dir.resolve("server.pid.lock");
        Files.createSymbolicLink(lock, target);

        IOException e = assertThrows(IOException.class, manager()::startServer);

        assertTrue(e.getMessage().contains(lock.toString()) && e.getMessage().contains("symbolic link"),
                e::getMessage);
        assertNothingSpawned();
        assertEquals("precious\n", Files.readString(target));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void pidFileThatIsAFifoOrADirectoryIsRefusedWithoutBlocking() throws Exception {
        Commands.run("mkfifo", pidFile.toString());
        ProcessManager pm = manager();
        IOException e = assertThrows(IOException.class, pm::startServer);
        assertTrue(e.getMessage().contains(pidFile.toString()) && e.getMessage().contains("not a regular file"),
                e::getMessage);
        assertFalse(pm.isServerRunning());

        Files.delete(pidFile);
        Files.createDirectory(pidFile);
        IOException d = assertThrows(IOException.class, pm::startServer);
        assertTrue(d.getMessage().contains("a directory"), d::getMessage);
        assertEquals(List.of(), reaper.markedProcesses(), "nothing spawned");
    }

    // ------------------------------------------------------------------ what we create

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void underUmask000MissingDirectoriesAreCreated0755AndFiles0644() throws Exception {
        Path nested = dir.resolve("missing").resolve("sub").resolve("server.pid");
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "umask 000 && exec \"$@\"", "sh"));
        argv.addAll(TestJvm.command(ServerHostMain.class, Map.of("pidFile", nested.toString(), "port",
                Integer.toString(port), "marker", reaper.marker(), "classes", ExampleServer.classesDir().toString())));
        Path out = dir.resolve("host-out.txt");
        Process host = reaper.start(new ProcessBuilder(argv).redirectOutput(out.toFile())
                .redirectError(dir.resolve("host-err.txt").toFile()));
        Await.until("the host prints its server's PID", Duration.ofSeconds(60), () -> {
            assertTrue(host.isAlive() || read(out).contains("PID "), () -> "host died: "
                    + read(dir.resolve("host-err.txt")));
            return read(out).contains("PID ");
        });
        reaper.track(Long.parseLong(read(out).lines().filter(l -> l.startsWith("PID ")).findFirst().orElseThrow()
                .substring(4).trim()));
        host.getOutputStream().close();
        assertTrue(host.waitFor(30, TimeUnit.SECONDS));

        assertEquals("rwxr-xr-x", mode(dir.resolve("missing")));
        assertEquals("rwxr-xr-x", mode(dir.resolve("missing").resolve("sub")));
        for (String name : List.of("server.pid", "server.pid.lock", "server.log")) {
            assertEquals("rw-r--r--", mode(nested.resolveSibling(name)), name);
        }
        ProcessManager pm = new ProcessManager(ExampleServer.options(nested, port, reaper.marker(),
                ExampleServer.classesDir()).build());
        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
