package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/** The seed's own case: a {@code .js} server script run with {@code node} (skipped where node is not installed). */
class NodeScriptServerTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private static boolean nodeInstalled() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, "node"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aJsScriptIsRunWithNodeDetachedAndStoppedWithSigterm() throws IOException {
        assumeTrue(nodeInstalled(), "node is not on the PATH");
        Path script = ExampleServer.source().resolveSibling("session-server.js");
        int port = FreePort.find();
        ProcessManager pm = new ProcessManager(ProcessManagerOptions.builder().pidFile(dir.resolve("s.pid"))
                .serverScript(script).port(port).healthCheckUrl(ExampleServer.healthUrl(port))
                .startTimeout(Duration.ofSeconds(20)).environmentVariable(ProcessReaper.MARKER_ENV, reaper.marker())
                .build());
        assertEquals(List.of("node", script.toString()), pm.launchCommand());

        long pid = pm.startServer();
        reaper.track(pid);

        assertTrue(ExampleServer.healthy(port));
        assertEquals(pid, Procs.stat(pid).orElseThrow().session, "in a session of its own");
        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
        assertFalse(Procs.alive(pid));
    }
}
