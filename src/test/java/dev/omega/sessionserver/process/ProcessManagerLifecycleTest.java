package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;

/** Start, health, PID file, detach and stop, with the real example server. */
class ProcessManagerLifecycleTest extends ExampleServerTest {


    private String log() throws IOException {
        return Files.readString(dir.resolve("server.log"));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void startReturnsOnceHealthyAndWritesPidFileWithIdentity() throws IOException {
        ProcessManager pm = manager();

        long pid = start(pm);

        assertTrue(ExampleServer.healthy(port), "healthy when start returns");
        assertTrue(Procs.alive(pid));
        List<String> lines = Files.readAllLines(pidFile);
        assertEquals(Long.toString(pid), lines.get(0), "first line: the PID alone (seed-compatible)");
        assertTrue(lines.contains("start-ticks=" + Procs.startTicks(pid)), () -> "identity recorded: " + lines);
        assertTrue(lines.contains("boot-id=" + Procs.bootId()), () -> "boot id recorded: " + lines);
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(pidFile);
        assertFalse(perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE),
                () -> "PID file must not be group or world writable: " + PosixFilePermissions.toString(perms));
        assertEquals(OptionalLong.of(pid), pm.getServerPid());
        assertTrue(pm.isServerRunning());
        assertEquals(ServerStatus.Condition.RUNNING, pm.status().condition());
        assertEquals(OptionalLong.of(pid), pm.status().pid());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void pidFileLeavesNoTemporaryFilesBehind() throws IOException {
        start(manager());

        try (var files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted()
                    .collect(java.util.stream.Collectors.toList());
            assertEquals(List.of("server.log", "server.pid", "server.pid.lock"), names);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void exitCodeOfACrashedServerIsKnownByItsPidAndOnlyByItsPid() throws IOException {
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_EXIT_AFTER_MS", "1500")
                .environmentVariable("SESSION_SERVER_EXIT_CODE", "5"));
        long pid = start(pm);
        assertEquals(OptionalInt.empty(), pm.exitCode(pid), "no exit code while it runs");

        Await.until("the server exits by itself", Duration.ofSeconds(20), () -> !Procs.alive(pid));
        Await.until("its exit code is known", Duration.ofSeconds(5), () -> pm.exitCode(pid).isPresent());

        assertEquals(OptionalInt.of(5), pm.exitCode(pid));
        assertEquals(OptionalInt.empty(), pm.exitCode(pid + 1), "another PID has no exit code here");
        assertTrue(pm.managedProcess().isEmpty(), "a dead server is not managed");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stopSendsSigtermWaitsForExitAndRemovesPidFile() throws IOException {
        ProcessManager pm = manager();
        long pid = start(pm);

        StopResult result = pm.stopServer();

        assertEquals(StopResult.EXITED_ON_SIGTERM, result);
        assertFalse(Procs.alive(pid), "server process gone when stop returns");
        assertFalse(Files.exists(pidFile), "PID file removed");
        assertFalse(ExampleServer.healthy(port));
        assertTrue(log().contains("received SIGTERM"), "the server was asked to stop with SIGTERM");
        assertEquals(OptionalInt.of(143), pm.lastExitCode());
        assertFalse(pm.isServerRunning());
        assertEquals(OptionalLong.empty(), pm.getServerPid());
        assertEquals(ServerStatus.Condition.STOPPED, pm.status().condition());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void gracefulStopWaitsForASlowShutdownWithoutKilling() throws IOException {
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_SHUTDOWN_DELAY_MS", "800"));
        long pid = start(pm);

        long t0 = System.nanoTime();
        StopResult result = pm.stopServer();
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;

        assertEquals(StopResult.EXITED_ON_SIGTERM, result);
        assertTrue(tookMillis >= 800, "stop returned before the server finished its shutdown: " + tookMillis + " ms");
        assertFalse(Procs.alive(pid));
        assertTrue(log().contains("session-server: exited pid=" + pid), "its shutdown hook ran to the end");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void startWhenAlreadyRunningReturnsTheSamePidWithoutASecondSpawn() throws IOException {
        ProcessManager pm = manager();
        long pid = start(pm);
        String pidFileBefore = Files.readString(pidFile);

        long again = pm.startServer();
        long fromAnotherManager = manager().startServer();

        assertEquals(pid, again);
        assertEquals(pid, fromAnotherManager);
        assertEquals(List.of(pid), ExampleServer.serversOf(reaper), "exactly one server process");
        assertEquals(pidFileBefore, Files.readString(pidFile), "PID file untouched");
        assertEquals(1, log().split("listening on", -1).length - 1, "the server started once");
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stopWhenNotRunningIsANoOpThatSaysSo() throws IOException {
        ProcessManager pm = manager();

        assertEquals(StopResult.NOT_RUNNING, pm.stopServer());
        assertFalse(Files.exists(pidFile));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverIgnoringSigtermIsKilledAfterTheStopTimeout() throws IOException {
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_IGNORE_SIGTERM", "true")
                .stopTimeout(Duration.ofMillis(1000)));
        long pid = start(pm);

        long t0 = System.nanoTime();
        StopResult result = pm.stopServer();
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;

        assertEquals(StopResult.KILLED, result);
        assertTrue(tookMillis >= 1000, "SIGKILL only after the stop timeout: " + tookMillis + " ms");
        assertFalse(Procs.alive(pid), "server process gone");
        assertFalse(Files.exists(pidFile));
        Await.until("the server logs that it ignored SIGTERM", Duration.ofSeconds(5),
                () -> uncheckedLog().contains("ignoring SIGTERM"));
    }

    private String uncheckedLog() {
        try {
            return log();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stopLeavesNothingOfTheProcessTreeBehind() throws IOException {
        Path childPidFile = dir.resolve("child.pid");
        ProcessManager pm = manager(b -> b.environmentVariable("SESSION_SERVER_SPAWN_CHILD", "true")
                .environmentVariable("SESSION_SERVER_CHILD_PID_FILE", childPidFile.toString()));
        long pid = start(pm);
        Await.until("the server wrote its child's PID", Duration.ofSeconds(10), () -> Files.exists(childPidFile));
        long child = Long.parseLong(Files.readString(childPidFile).trim());
        reaper.track(child);
        long childTicks = Procs.startTicks(child);
        assertTrue(Procs.alive(child));
        assertEquals(pid, Procs.stat(child).orElseThrow().pgrp, "the grandchild is in the server's process group");

        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());

        assertFalse(Procs.alive(pid));
        assertFalse(Procs.alive(child, childTicks), "the server's child is gone too");
    }

    /** The server, started through {@code sh -c "<prelude> NEWLINE exec <server>"}: same PID, plus what the prelude left. */
    private ProcessManager managerWithPrelude(String prelude) {
        String server = ExampleServer.command().stream().map(a -> "'" + a + "'").collect(Collectors.joining(" "));
        return manager(b -> b.command(List.of("/bin/sh", "-c", prelude + "\nexec " + server)));
    }

    private long markedSleep() {
        Await.until("the prelude's sleep runs", Duration.ofSeconds(10), () -> reaper.markedProcesses().stream()
                .anyMatch(p -> Procs.commandLine(p).equals(List.of("sleep", "300"))));
        return reaper.markedProcesses().stream().filter(p -> Procs.commandLine(p).equals(List.of("sleep", "300")))
                .findFirst().orElseThrow();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stopEndsAnOrphanedMemberOfTheServersProcessGroup() throws IOException {
        ProcessManager pm = managerWithPrelude("(sleep 300 &)");
        long pid = start(pm);
        long orphan = markedSleep();
        long ticks = Procs.startTicks(orphan);
        assertEquals(pid, Procs.stat(orphan).orElseThrow().pgrp, "in the server's group");
        assertNotEquals(pid, Procs.stat(orphan).orElseThrow().ppid, "but not its descendant");

        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());

        assertFalse(Procs.alive(pid));
        assertFalse(Procs.alive(orphan, ticks), "the orphaned group member is gone too");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stopEndsTheDetachedChildOfALeaderThatExitsAtOnceOnTheStopSignal() throws IOException {
        Assumptions.assumeTrue(Procs.onPath("node"), "node is not on the PATH");
        Path script = dir.resolve("detached-child-leader.js");
        try (java.io.InputStream in = getClass().getResourceAsStream("detached-child-leader.js")) {
            Files.write(script, in.readAllBytes());
        }
        ProcessManager pm = manager(b -> b.command(List.of("node", script.toString())).healthCheckUrl("none")
                .startTimeout(Duration.ZERO));
        long pid = start(pm);
        long child = markedSleep();
        long ticks = Procs.startTicks(child);
        Await.until("the child has its own session", Duration.ofSeconds(10),
                () -> Procs.stat(child).map(s -> s.session == child).orElse(false));
        assertEquals(pid, Procs.stat(child).orElseThrow().ppid, "the server's child");

        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());

        assertFalse(Procs.alive(pid));
        assertFalse(Procs.alive(child, ticks), "the detached child is gone too, though its parent exited at once");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stopEndsADescendantThatLeftTheServersProcessGroup() throws IOException {
        ProcessManager pm = managerWithPrelude("setsid sleep 300 &");
        long pid = start(pm);
        long child = markedSleep();
        long ticks = Procs.startTicks(child);
        Await.until("the child has its own session", Duration.ofSeconds(10),
                () -> Procs.stat(child).map(s -> s.session == child).orElse(false));
        assertEquals(pid, Procs.stat(child).orElseThrow().ppid, "the server's child");
        assertNotEquals(pid, Procs.stat(child).orElseThrow().pgrp, "but in a group of its own");

        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());

        assertFalse(Procs.alive(pid));
        assertFalse(Procs.alive(child, ticks), "the descendant is gone too");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverRunsDetachedInItsOwnSessionAndProcessGroup() throws IOException {
        long pid = start(manager());

        Procs.Stat server = Procs.stat(pid).orElseThrow();
        Procs.Stat self = Procs.stat(ProcessHandle.current().pid()).orElseThrow();
        assertEquals(pid, server.pgrp, "process group id = its PID");
        assertEquals(pid, server.session, "session id = its PID");
        assertNotEquals(self.pgrp, server.pgrp);
        assertNotEquals(self.session, server.session);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverReadsDevNullAndWritesToTheLogFileNeverToAPipe() throws IOException {
        long pid = start(manager());

        assertEquals("/dev/null", Procs.fdTarget(pid, 0));
        String logPath = dir.resolve("server.log").toRealPath().toString();
        assertEquals(logPath, Procs.fdTarget(pid, 1));
        assertEquals(logPath, Procs.fdTarget(pid, 2));
        assertTrue(log().contains("session-server: listening on 127.0.0.1:" + port));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverEnvironmentIsTheHostsPlusPortPlusExtraEnv() throws IOException {
        ProcessManager pm = manager(b -> b.environmentVariable("OMEGA_FROM_OPTIONS", "o"));

        long pid = start(pm, Map.of("OMEGA_FROM_START", "s"));

        List<String> all = Procs.environment(pid);
        List<String> env = all.stream().filter(e -> e.startsWith("SESSION_SERVER_") || e.startsWith("OMEGA_")
                || e.startsWith("PATH=")).collect(Collectors.toList());
        assertTrue(env.contains("SESSION_SERVER_PORT=" + port), () -> "port: " + env);
        assertTrue(env.contains("OMEGA_FROM_OPTIONS=o"), () -> "options environment: " + env);
        assertTrue(env.contains("OMEGA_FROM_START=s"), () -> "startServer(extraEnv): " + env);
        assertTrue(env.contains("PATH=" + System.getenv("PATH")), () -> "the host's environment: " + env);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void startTimeoutZeroReturnsWithoutWaitingForHealth() throws IOException {
        ProcessManager pm = manager(b -> b.startTimeout(Duration.ZERO)
                .environmentVariable("SESSION_SERVER_STARTUP_DELAY_MS", "3000"));

        long pid = start(pm);

        assertEquals(-1, ExampleServer.healthStatus(port), "start returned before the server listened");
        assertTrue(Procs.alive(pid));
        assertEquals(ServerStatus.Condition.ALIVE_UNHEALTHY, pm.status().condition());
        assertTrue(pm.isServerRunning(), "our process is alive: running, as in the seed");
        Await.until("the server becomes healthy", Duration.ofSeconds(20), () -> ExampleServer.healthy(port));
        assertEquals(ServerStatus.Condition.RUNNING, pm.status().condition());
        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
    }

    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void javaSourceScriptRunsWithTheSingleFileLauncher() throws IOException {
        Path script = ExampleServer.source();
        ProcessManager pm = manager(b -> b.command(null).serverScript(script).startTimeout(Duration.ofSeconds(60)));
        assertEquals(List.of(ExampleServer.java(), script.toString()), pm.launchCommand());

        long pid = start(pm);

        assertTrue(ExampleServer.healthy(port));
        assertTrue(Procs.commandLine(pid).contains(script.toString()), () -> "cmdline " + Procs.commandLine(pid));
        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
        assertFalse(Procs.alive(pid));
    }
}
