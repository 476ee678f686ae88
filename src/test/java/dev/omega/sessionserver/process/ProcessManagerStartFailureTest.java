package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.SignalSentinel;

/** Starts that cannot give a healthy managed server: reported at once, and nothing left behind. */
class ProcessManagerStartFailureTest extends ExampleServerTest {

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void crashDuringStartIsReportedAtOnceWithExitCodeAndLogTail() {
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_EXIT_AFTER_MS", "200")
                .environmentVariable("SESSION_SERVER_EXIT_CODE", "3")
                .environmentVariable("SESSION_SERVER_STARTUP_DELAY_MS", "60000"));

        long t0 = System.nanoTime();
        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);
        long took = millisSince(t0);

        assertEquals(ServerStartException.Reason.EXITED_DURING_START, e.reason());
        assertEquals(OptionalInt.of(3), e.exitCode());
        assertEquals(OptionalInt.of(3), pm.lastExitCode());
        assertTrue(e.getMessage().contains("exit code 3"), e::getMessage);
        assertTrue(e.getMessage().contains("session-server: exiting with code 3"), () -> "log tail: " + e.getMessage());
        assertTrue(e.logTail().contains("session-server: exiting with code 3"), e::logTail);
        assertTrue(took < 15_000, "reported at once, not at the 30 s start timeout: " + took + " ms");
        assertFalse(Files.exists(pidFile), "no PID file left behind");
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void logTailHoldsOnlyThisStartsLines() throws IOException {
        Files.writeString(dir.resolve("server.log"), "an older run's line\n");
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_EXIT_AFTER_MS", "0")
                .environmentVariable("SESSION_SERVER_EXIT_CODE", "4")
                .environmentVariable("SESSION_SERVER_STARTUP_DELAY_MS", "60000"));

        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

        assertEquals(OptionalInt.of(4), e.exitCode());
        assertFalse(e.logTail().contains("an older run's line"), e::logTail);
        assertTrue(Files.readString(dir.resolve("server.log")).startsWith("an older run's line\n"), "log appended");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void missingExecutableIsReportedWithAHint() {
        ProcessManager pm = manager(b -> b.command(List.of(dir.resolve("no-such-server").toString())));

        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

        assertEquals(ServerStartException.Reason.EXITED_DURING_START, e.reason());
        assertTrue(e.exitCode().isPresent() && e.exitCode().getAsInt() >= 126, () -> "exit code " + e.exitCode());
        assertTrue(e.getMessage().contains("could not be run"), e::getMessage);
        assertFalse(Files.exists(pidFile));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void neverHealthyServerIsStoppedAtTheStartTimeoutAndNothingIsLeft() {
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_HEALTH_STATUS", "503")
                .startTimeout(Duration.ofMillis(1500)));

        long t0 = System.nanoTime();
        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);
        long took = millisSince(t0);

        assertEquals(ServerStartException.Reason.NOT_HEALTHY_IN_TIME, e.reason());
        assertTrue(e.getMessage().contains("ERROR_STATUS"), e::getMessage);
        assertTrue(e.getMessage().contains("; it was stopped (EXITED_ON_SIGTERM)"), e::getMessage);
        assertTrue(took >= 1500, "waited the whole start timeout: " + took + " ms");
        assertEquals(List.of(), ExampleServer.serversOf(reaper), "the server process is gone");
        assertFalse(Files.exists(pidFile), "no PID file left behind");
        assertFalse(pm.isServerRunning());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void hangingHealthCheckTimesOutAndCountsAsNotHealthy() {
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_HEALTH_HANG", "true")
                .healthCheckTimeout(Duration.ofMillis(200)).startTimeout(Duration.ofMillis(1500)));

        long t0 = System.nanoTime();
        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);
        long took = millisSince(t0);

        assertEquals(ServerStartException.Reason.NOT_HEALTHY_IN_TIME, e.reason());
        assertTrue(e.getMessage().contains("TIMEOUT"), e::getMessage);
        assertTrue(took < 10_000, "each check is bounded by the health timeout: " + took + " ms");
        assertEquals(List.of(), ExampleServer.serversOf(reaper));
        assertFalse(Files.exists(pidFile));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unmanagedServerOnThePortIsReportedAndNothingIsSpawned() throws IOException {
        ProcessBuilder direct = new ProcessBuilder(ExampleServer.command())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(dir.resolve("unmanaged.log").toFile()).redirectErrorStream(true);
        direct.environment().put("SESSION_SERVER_PORT", Integer.toString(port));
        Process unmanaged = reaper.start(direct);
        Await.until("the unmanaged server answers", Duration.ofSeconds(20), () -> ExampleServer.healthy(port));
        ProcessManager pm = manager(b -> b);

        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

        assertEquals(ServerStartException.Reason.PORT_SERVED_BY_UNMANAGED_SERVER, e.reason());
        assertTrue(e.getMessage().contains("unmanaged server"), e::getMessage);
        assertFalse(Files.exists(pidFile), "no PID claimed");
        assertFalse(Files.exists(dir.resolve("server.log")), "nothing spawned (a spawn creates the log)");
        assertEquals(List.of(unmanaged.pid()), ExampleServer.serversOf(reaper), "nothing spawned");
        assertEquals(OptionalLong.empty(), pm.getServerPid());
        assertEquals(ServerStatus.Condition.UNMANAGED, pm.status().condition());
        assertTrue(pm.isServerRunning(), "the seed's meaning: something healthy answers");
        assertEquals(StopResult.NOT_RUNNING, pm.stopServer(), "not ours to stop");
        assertTrue(unmanaged.isAlive());
        assertTrue(ExampleServer.healthy(port));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void symlinkedPidFileIsRefusedAndItsTargetLeftUntouched() throws IOException {
        Path target = dir.resolve("precious.txt");
        Files.writeString(target, "precious\n");
        Files.createSymbolicLink(pidFile, target);
        ProcessManager pm = manager(b -> b);

        IOException e = assertThrows(IOException.class, pm::startServer);

        assertTrue(e.getMessage().contains("symbolic link"), e::getMessage);
        assertFalse(e instanceof ServerStartException && ((ServerStartException) e).reason()
                == ServerStartException.Reason.EXITED_DURING_START, e::getMessage);
        assertEquals(List.of(), ExampleServer.serversOf(reaper), "nothing spawned");
        assertFalse(Files.exists(dir.resolve("server.log")), "nothing spawned");
        assertTrue(Files.isSymbolicLink(pidFile), "the link is left as it is");
        assertEquals("precious\n", Files.readString(target), "the target is untouched");

        assertFalse(pm.isServerRunning());
        assertEquals(OptionalLong.empty(), pm.getServerPid());
        IOException onStop = assertThrows(IOException.class, pm::stopServer);
        assertTrue(onStop.getMessage().contains("symbolic link"), onStop::getMessage);
        assertTrue(Files.isSymbolicLink(pidFile), "the link is left as it is");
        assertEquals("precious\n", Files.readString(target), "the target is untouched");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void symlinkedPidFileNamingALiveProcessIsNeitherTrustedNorSignalled() throws Exception {
        SignalSentinel sentinel = SignalSentinel.start(reaper, dir, "sentinel");
        Path target = dir.resolve("elsewhere.pid");
        Files.writeString(target, sentinel.pid() + "\n");
        Files.createSymbolicLink(pidFile, target);
        ProcessManager pm = manager(b -> b.command(sentinel.argv()));

        assertFalse(pm.isServerRunning());
        assertThrows(IOException.class, pm::stopServer);
        assertThrows(IOException.class, pm::startServer);

        sentinel.assertNotSignalled();
        assertEquals(sentinel.pid() + "\n", Files.readString(target));
        sentinel.kill();
    }
}
