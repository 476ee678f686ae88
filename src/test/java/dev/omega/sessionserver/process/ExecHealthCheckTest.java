package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/** {@code healthCheckUrl=exec:...}: real programs run as the check, with the server's environment and directory. */
@Timeout(60)
class ExecHealthCheckTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();
    @TempDir
    Path dir;

    private Path install(String resource) throws IOException {
        Path script = dir.resolve(resource);
        try (InputStream in = ExecHealthCheckTest.class.getResourceAsStream(resource)) {
            Files.copy(in, script);
        }
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private ProcessManagerOptions.Builder options(String healthCheckUrl) {
        return ProcessManagerOptions.builder().pidFile(dir.resolve("s.pid")).port(FreePort.find())
                .command(List.of("/bin/sleep", "600")).healthCheckUrl(healthCheckUrl)
                .healthCheckTimeout(Duration.ofMillis(500)).startTimeout(Duration.ofSeconds(10))
                .environmentVariable(ProcessReaper.MARKER_ENV, reaper.marker());
    }

    private static HealthCheck check(ProcessManagerOptions options) {
        return HealthCheck.of(options, () -> true);
    }

    @Test
    void theProgramRunsWithTheServersEnvironmentAndDirectoryWithoutAShell() throws Exception {
        Path script = install("recording-health-check.sh");
        Path work = Files.createDirectory(dir.resolve("work"));
        Path out = dir.resolve("out");
        ProcessManagerOptions o = options("exec:" + script + "  " + out + " 0").workingDirectory(work)
                .environmentVariable("HEALTH_NOTE", "a;b $HOME").build();
        assertEquals("exec:" + script + " " + out + " 0", HealthCheck.text(o.healthCheckUrl()));
        assertEquals(HealthCheck.Outcome.UP, check(o).check());
        assertEquals(List.of(work.toString(), Integer.toString(o.port()), "a;b $HOME"), Files.readAllLines(out));
        ProcessManagerOptions failing = options("exec:" + script + " " + out + " 3").build();
        assertEquals(HealthCheck.Outcome.ERROR_STATUS, check(failing).check());
        assertEquals("down", HealthCheck.Outcome.ERROR_STATUS.tag());
    }

    @Test
    void aProgramThatOutlivesTheTimeoutIsKilledWithItsProcessGroup() throws Exception {
        Path script = install("hanging-health-check.sh");
        Path pids = dir.resolve("pids");
        HealthCheck check = check(options("exec:" + script + " " + pids).build());
        assertEquals(HealthCheck.Outcome.TIMEOUT, check.check());
        assertEquals("timeout", HealthCheck.Outcome.TIMEOUT.tag());
        String[] recorded = Files.readString(pids).trim().split(" ");
        long leader = Long.parseLong(recorded[0]);
        long child = Long.parseLong(recorded[1]);
        reaper.track(child);
        assertFalse(Procs.alive(child), "its child (sleep 600) is killed too");
        assertFalse(Procs.alive(leader));
        for (long pid : Procs.withEnvironmentEntry(reaper.markerEntry())) {
            assertTrue(Procs.stat(pid).map(s -> s.pgrp != leader).orElse(true), "pid " + pid + " of its group");
        }
        assertEquals("", check.problem());
    }

    @Test
    void aMissingOrNonExecutableProgramIsAClearError() throws Exception {
        HealthCheck missing = check(options("exec:" + dir.resolve("nope") + " x").build());
        assertEquals(HealthCheck.Outcome.FAILED, missing.check());
        assertEquals("health check exec:" + dir.resolve("nope") + " x: program " + dir.resolve("nope")
                + " does not exist", missing.problem());
        Path plain = Files.writeString(dir.resolve("plain"), "#!/bin/sh\nexit 0\n");
        HealthCheck notExecutable = check(options("exec:" + plain).build());
        assertEquals(HealthCheck.Outcome.FAILED, notExecutable.check());
        assertTrue(notExecutable.problem().endsWith(plain + " is not executable"), notExecutable.problem());
        HealthCheck notOnPath = check(options("exec:no-such-health-program-x").build());
        assertEquals(HealthCheck.Outcome.FAILED, notOnPath.check());
        assertTrue(notOnPath.problem().contains("'no-such-health-program-x' not found on the PATH"),
                notOnPath.problem());
    }

    @Test
    void aStartWaitsForTheProgramAndSkipsThePortCheck() throws Exception {
        ProcessManager pm = new ProcessManager(options("exec:/bin/true").build());
        long pid = pm.startServer();
        reaper.track(pid);
        assertEquals(HealthCheck.Kind.EXEC, pm.options().healthCheckKind());
        assertEquals(HealthCheck.Outcome.UP, pm.checkHealth());
        pm.stopServer();
        assertEquals(HealthCheck.Outcome.REFUSED, pm.checkHealth(), "no server: the program is not run");
        ProcessManager missing = new ProcessManager(options("exec:" + dir.resolve("nope"))
                .startTimeout(Duration.ofMillis(700)).build());
        ServerStartException e = assertThrows(ServerStartException.class, missing::startServer);
        assertTrue(e.getMessage().contains("FAILED: health check exec:" + dir.resolve("nope") + ": program "
                + dir.resolve("nope") + " does not exist"), e.getMessage());
    }

    @Test
    void anEmptyCommandIsRefused() {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> options("exec: ").build());
        assertEquals("healthCheckUrl", e.key());
    }
}
