package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.Commands;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;

/** A server stopped with SIGSTOP: alive and unhealthy, not gone; a stop still ends it, with its SIGTERM handler. */
class ProcessManagerStoppedServerTest extends ExampleServerTest {

    @Test
    @Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStoppedServerIsAliveButUnhealthyAndStopEndsItWithSigtermAndSigcont() throws Exception {
        // a stop timeout far above the test's patience for SIGTERM: a KILLED result would mean SIGCONT was not sent
        ProcessManager pm = manager(b -> b.stopTimeout(Duration.ofSeconds(60))
                .healthCheckTimeout(Duration.ofMillis(300)));
        long pid = start(pm);

        Commands.run("kill", "-STOP", Long.toString(pid));
        Await.until("pid " + pid + " is stopped (state T)", Duration.ofSeconds(10),
                () -> Procs.stat(pid).map(s -> s.state == 'T').orElse(false));

        assertTrue(pm.managedProcess().isPresent(), "a stopped server is alive, not gone");
        assertTrue(pm.isServerRunning());
        assertEquals(ServerStatus.Condition.ALIVE_UNHEALTHY, pm.status().condition(), "unhealthy, not crashed");

        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer(), "SIGCONT let it handle SIGTERM");
        assertFalse(Procs.alive(pid));
        assertEquals(List.of(), reaper.markedProcesses(), "nothing of it is left");
        assertFalse(Files.exists(pidFile));
        assertFalse(ExampleServer.healthy(port));
    }
}
