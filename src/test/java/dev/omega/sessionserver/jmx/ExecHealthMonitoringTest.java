package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/** An {@code exec:} health check in the MBean: readiness, the monitor, checkHealth, the meters' counts, LastError. */
@Timeout(60)
class ExecHealthMonitoringTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();
    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    private SessionServerManager manager;

    @AfterEach
    void tearDown() throws Exception {
        if (manager != null) {
            manager.close();
            manager.processManager().stopServer();
        }
        scheduler.shutdownNow();
    }

    private SessionServerManager manager(String healthCheckUrl) {
        ProcessManagerOptions o = ProcessManagerOptions.builder().pidFile(dir.resolve("s.pid")).port(FreePort.find())
                .command(List.of("/bin/sleep", "600")).healthCheckUrl(healthCheckUrl)
                .startTimeout(Duration.ofSeconds(2)).environmentVariable(ProcessReaper.MARKER_ENV, reaper.marker())
                .build();
        manager = new SessionServerManager("exec", new ProcessManager(o), Duration.ofMillis(100), scheduler,
                SupervisionPolicy.builder().unhealthyThreshold(2).build());
        return manager;
    }

    @Test
    void theMonitorSeesTheProgramsExitCode() throws Exception {
        Path flag = dir.resolve("healthy");
        Path check = dir.resolve("check");
        Files.writeString(check, "#!/bin/sh\ntest -e '" + flag + "'\n");
        Files.setPosixFilePermissions(check, PosixFilePermissions.fromString("rwx------"));
        Files.createFile(flag);
        SessionServerManager m = manager("exec:" + check);
        long pid = m.start();
        reaper.track(pid);
        assertEquals("RUNNING", m.getState());
        assertEquals("exec:" + check, m.getHealthCheckUrl());
        assertTrue(m.checkHealth());
        m.startMonitoring();
        Files.delete(flag);
        Await.until("UNHEALTHY after two failed checks", Duration.ofSeconds(20),
                () -> "UNHEALTHY".equals(m.getState()));
        assertTrue(m.healthChecks(TimedHealthCheck.tagIndex(HealthCheck.Outcome.UP)) >= 1, "checkHealth's");
        assertTrue(m.healthChecks(TimedHealthCheck.tagIndex(HealthCheck.Outcome.ERROR_STATUS)) >= 2, "down");
        Files.createFile(flag);
        Await.until("RUNNING again", Duration.ofSeconds(20), () -> "RUNNING".equals(m.getState()));
    }

    @Test
    void aMissingProgramIsInLastError() {
        Path missing = dir.resolve("missing-check");
        SessionServerManager m = manager("exec:" + missing);
        IllegalStateException e = assertThrows(IllegalStateException.class, m::start);
        String expected = "program " + missing + " does not exist";
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(m.getLastError().contains(expected), m.getLastError());
    }
}
