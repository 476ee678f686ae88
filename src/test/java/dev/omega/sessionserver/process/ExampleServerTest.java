package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * What every test with the real example server shares: its own directory, PID file ({@code server.pid}) and free
 * port, and a reaper that kills by PID, after each test, everything the test started.
 */
abstract class ExampleServerTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;
    int port;
    Path pidFile;

    @BeforeEach
    void allocatePortAndPidFile() {
        port = FreePort.find();
        pidFile = dir.resolve("server.pid");
    }

    /** A manager of the example server on this test's port and PID file, with the options adjusted by {@code tweak}. */
    ProcessManager manager(UnaryOperator<ProcessManagerOptions.Builder> tweak) {
        return new ProcessManager(tweak.apply(ExampleServer.options(dir, port, reaper)).build());
    }

    ProcessManager manager() {
        return manager(b -> b);
    }

    /** Starts the server and records its PID with the reaper. */
    long start(ProcessManager pm) throws IOException {
        return start(pm, Map.of());
    }

    long start(ProcessManager pm, Map<String, String> env) throws IOException {
        long pid = pm.startServer(env);
        reaper.track(pid);
        return pid;
    }
}
