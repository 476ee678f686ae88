package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.SignalSentinel;

/**
 * A process this tool did not start is never signalled: not on a reused PID, not for a bad PID value, not for a PID
 * file without identity naming something else. The evidence is a {@link SignalSentinel} in this JVM's own process
 * group: it records any SIGTERM, SIGHUP or SIGINT sent to it or to the group, and is asserted to have recorded none.
 */
class ProcessManagerPidSafetyTest extends ExampleServerTest {

    /** A signal-recording shell in this JVM's own process group and session. */
    private SignalSentinel sentinel() throws IOException {
        return SignalSentinel.start(reaper, dir, "sentinel");
    }

    private static void killAndWait(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }

    // ---------------------------------------------------------------- PID reuse

    static Stream<Arguments> forgedIdentities() {
        return Stream.of(
                Arguments.of("start ticks differ (the PID was reused)",
                        (Function<Long, String>) pid -> "start-ticks=" + (Procs.startTicks(pid) + 1) + "\nboot-id="
                                + Procs.bootId() + "\n"),
                Arguments.of("same ticks, another boot",
                        (Function<Long, String>) pid -> "start-ticks=" + Procs.startTicks(pid)
                                + "\nboot-id=00000000-0000-0000-0000-000000000000\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgedIdentities")
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void reusedPidIsStaleCleanedUpAndNeverSignalled(String why, Function<Long, String> identity) throws Exception {
        SignalSentinel sleep = sentinel();
        String forged = sleep.pid() + "\n# forged\n" + identity.apply(sleep.pid());
        Files.writeString(pidFile, forged);
        ProcessManager pm = manager();

        assertFalse(pm.isServerRunning(), "a reused PID is not our server");
        assertFalse(Files.exists(pidFile), "the stale PID file is cleaned up");
        assertEquals(ServerStatus.Condition.STOPPED, pm.status().condition());

        Files.writeString(pidFile, forged);
        assertEquals(StopResult.STALE_PID_FILE_REMOVED, pm.stopServer());
        assertFalse(Files.exists(pidFile));
        sleep.assertNotSignalled();

        sleep.kill();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void startOverAReusedPidSpawnsAFreshServerAndLeavesTheOtherProcessAlone() throws Exception {
        SignalSentinel sleep = sentinel();
        Files.writeString(pidFile, sleep.pid() + "\nstart-ticks=" + (Procs.startTicks(sleep.pid()) + 1) + "\nboot-id="
                + Procs.bootId() + "\n");
        ProcessManager pm = manager();

        long pid = pm.startServer();
        reaper.track(pid);

        assertNotEquals(sleep.pid(), pid);
        assertEquals(Long.toString(pid), Files.readAllLines(pidFile).get(0));
        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
        sleep.assertNotSignalled();
        sleep.kill();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void pidFileNamingAZombieIsStaleAndStopDoesNotWaitForIt() throws Exception {
        // sh forks 'sleep 0', then becomes 'sleep 300', which never reaps it: a zombie for as long as we like
        Process parent = reaper.start(new ProcessBuilder("/bin/sh", "-c", "sleep 0 & exec sleep 300")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))));
        Await.until("a zombie child of " + parent.pid(), Duration.ofSeconds(10), () -> Procs.children(parent.pid())
                .stream().anyMatch(c -> Procs.stat(c).map(s -> s.state == 'Z').orElse(false)));
        long zombie = Procs.children(parent.pid()).stream()
                .filter(c -> Procs.stat(c).map(s -> s.state == 'Z').orElse(false)).findFirst().orElseThrow();
        String identity = zombie + "\nstart-ticks=" + Procs.startTicks(zombie) + "\nboot-id=" + Procs.bootId() + "\n";
        Files.writeString(pidFile, identity);
        ProcessManager pm = manager(b -> b.stopTimeout(Duration.ofSeconds(30)));

        assertFalse(pm.isServerRunning(), "a zombie has exited");
        assertFalse(Files.exists(pidFile));
        Files.writeString(pidFile, identity);
        long t0 = System.nanoTime();
        assertEquals(StopResult.STALE_PID_FILE_REMOVED, pm.stopServer());
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;
        // waiting for the zombie would cost the whole 30 s stop timeout: half of it is a generous, unambiguous bound
        assertTrue(tookMillis < 15_000, "stop did not wait for the zombie to be reaped: " + tookMillis + " ms");

        killAndWait(parent);
    }

    // ---------------------------------------------------------------- bad PID values

    static Stream<Arguments> badPidFileContents() {
        long self = ProcessHandle.current().pid();
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        long ownGroup = Procs.stat(self).orElseThrow().pgrp;
        return Stream.of(
                Arguments.of("-1", (Function<Long, String>) s -> "-1"),
                Arguments.of("0", (Function<Long, String>) s -> "0"),
                Arguments.of("1", (Function<Long, String>) s -> "1"),
                Arguments.of("own pid", (Function<Long, String>) s -> Long.toString(self)),
                Arguments.of("parent pid", (Function<Long, String>) s -> Long.toString(parent)),
                Arguments.of("minus own process group", (Function<Long, String>) s -> "-" + ownGroup),
                Arguments.of("minus sentinel", (Function<Long, String>) s -> "-" + s),
                Arguments.of("plus sentinel", (Function<Long, String>) s -> "+" + s),
                Arguments.of("sentinel with leading zero", (Function<Long, String>) s -> "0" + s),
                Arguments.of("sentinel in hex", (Function<Long, String>) s -> "0x" + Long.toHexString(s)),
                Arguments.of("sentinel with trailing garbage", (Function<Long, String>) s -> s + "abc"),
                Arguments.of("sentinel as a float", (Function<Long, String>) s -> s + ".0"),
                Arguments.of("garbage", (Function<Long, String>) s -> "not-a-number"),
                Arguments.of("empty", (Function<Long, String>) s -> ""),
                Arguments.of("whitespace", (Function<Long, String>) s -> " \n\t\n"),
                Arguments.of("overflow", (Function<Long, String>) s -> "99999999999999999999"),
                Arguments.of("above pid_max", (Function<Long, String>) s -> Long.toString(Procs.pidMax() + 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPidFileContents")
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void badPidValueIsNeverSignalled(String name, Function<Long, String> content) throws Exception {
        SignalSentinel sentinel = sentinel();
        long ownGroup = Procs.stat(ProcessHandle.current().pid()).orElseThrow().pgrp;
        assertEquals(ownGroup, Procs.stat(sentinel.pid()).orElseThrow().pgrp, "sentinel shares this JVM's group");
        // a server command that any of these processes' command lines would match, were a bad PID accepted
        ProcessManager pm = manager(b -> b.command(sentinel.argv()));
        Files.writeString(pidFile, content.apply(sentinel.pid()));

        assertEquals(OptionalLong.empty(), pm.getServerPid());
        StopResult result = pm.stopServer();

        assertEquals(StopResult.STALE_PID_FILE_REMOVED, result);
        assertFalse(Files.exists(pidFile));
        sentinel.assertNotSignalled(); // neither it nor this JVM's group (it is in that group)

        Files.writeString(pidFile, content.apply(sentinel.pid()));
        assertFalse(pm.isServerRunning());
        sentinel.assertNotSignalled();
        sentinel.kill();
    }

    // ---------------------------------------------------------------- PID files without identity (the seed's format)

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void seedFormatPidFileNamingAnotherProgramIsForeignAndLeftAlone() throws Exception {
        SignalSentinel sleep = sentinel();
        Files.writeString(pidFile, Long.toString(sleep.pid()));
        ProcessManager pm = manager();

        assertEquals(StopResult.FOREIGN_PROCESS_LEFT_ALONE, pm.stopServer());
        sleep.assertNotSignalled();
        assertTrue(Files.exists(pidFile), "a foreign PID file is kept for its owner");
        assertFalse(pm.isServerRunning());
        assertTrue(pm.managedProcess().isEmpty());

        sleep.kill();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void seedFormatPidFileNamingAProgramThatReadsTheScriptIsForeign() throws Exception {
        Path script = ExampleServer.source();
        Process reader = reaper.start(new ProcessBuilder("tail", "-f", script.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD));
        Await.until("tail has exec'd", Duration.ofSeconds(5),
                () -> Procs.commandLine(reader.pid()).contains(script.toString()));
        Files.writeString(pidFile, Long.toString(reader.pid()));
        SignalSentinel group = sentinel(); // tail cannot trap signals: the sentinel watches the group they share
        ProcessManager pm = manager(b -> b.command(null).serverScript(script));

        assertEquals(StopResult.FOREIGN_PROCESS_LEFT_ALONE, pm.stopServer());
        group.assertNotSignalled();
        // the sentinel's grace has passed: a SIGTERM sent to tail would have ended it by now
        assertTrue(reader.isAlive() && Procs.alive(reader.pid()), "tail " + reader.pid() + " was signalled");
        killAndWait(reader);
        group.kill();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void seedFormatPidFileNamingOurServerIsAdoptedAndStopped() throws Exception {
        // started the way the TypeScript seed or a hand-written script would: no identity, not detached
        ProcessBuilder direct = new ProcessBuilder(ExampleServer.command())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("direct.log").toFile()).redirectErrorStream(true);
        direct.environment().put("SESSION_SERVER_PORT", Integer.toString(port));
        Process server = reaper.start(direct);
        Await.until("the server answers", Duration.ofSeconds(20), () -> ExampleServer.healthy(port));
        Files.writeString(pidFile, Long.toString(server.pid()));
        SignalSentinel group = sentinel(); // in this JVM's group, which the directly started server shares
        ProcessManager pm = manager();

        assertTrue(pm.isServerRunning());
        assertEquals(OptionalLong.of(server.pid()), pm.getServerPid());
        assertEquals(ServerStatus.Condition.RUNNING, pm.status().condition());
        assertEquals(server.pid(), pm.startServer(), "start adopts it: same PID, no second spawn");
        assertTrue(Files.readString(pidFile).contains("start-ticks=" + Procs.startTicks(server.pid())),
                "the identity is recorded from now on");

        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
        assertTrue(server.waitFor(5, TimeUnit.SECONDS));
        assertFalse(Files.exists(pidFile));
        group.assertNotSignalled(); // its process group (this JVM's) was not signalled, only the server
        group.kill();
    }

    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void seedFormatPidFileNamingOurScriptServerIsAdopted() throws Exception {
        Path script = ExampleServer.source();
        UnaryOperator<ProcessManagerOptions.Builder> scriptMode = b -> b.command(null).serverScript(script)
                .startTimeout(Duration.ofSeconds(60));
        long pid = manager(scriptMode).startServer();
        reaper.track(pid);
        Files.writeString(pidFile, Long.toString(pid)); // as the TypeScript seed writes it
        ProcessManager pm = manager(scriptMode);

        assertEquals(pid, pm.managedProcess().orElseThrow().pid());
        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
        assertFalse(Procs.alive(pid));
    }
}
