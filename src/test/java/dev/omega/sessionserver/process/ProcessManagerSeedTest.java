package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;

/**
 * The TypeScript seed's {@code process-manager.spec.ts}, one to one. The seed's {@code null} is an empty
 * {@link OptionalLong}. Unlike the seed, the health URL is a free loopback port, so a server that happens to run on
 * port 3000 cannot change the outcome.
 */
class ProcessManagerSeedTest {

    @TempDir
    Path tempDir;
    Path pidFile;

    @BeforeEach
    void setUp() {
        pidFile = tempDir.resolve("test.pid");
    }

    private ProcessManager manager() {
        int port = FreePort.find();
        return new ProcessManager(ProcessManagerOptions.builder().pidFile(pidFile).port(port)
                .healthCheckUrl(ExampleServer.healthUrl(port)).build());
    }

    @Nested
    class GetServerPid {

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void returnsNullIfPidFileDoesNotExist() {
            ProcessManager pm = manager();

            OptionalLong pid = pm.getServerPid();

            assertTrue(pid.isEmpty());
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void returnsPidFromFile() throws IOException {
            assumeTrue(ProcessHandle.current().pid() != 12345
                    && ProcessHandle.current().parent().map(p -> p.pid() != 12345).orElse(true),
                    "12345 is this JVM or its parent: refused on purpose");
            Files.writeString(pidFile, "12345");
            ProcessManager pm = manager();

            OptionalLong pid = pm.getServerPid();

            assertEquals(OptionalLong.of(12345), pid);
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void returnsNullForInvalidPidFileContent() throws IOException {
            Files.writeString(pidFile, "not-a-number");
            ProcessManager pm = manager();

            OptionalLong pid = pm.getServerPid();

            assertTrue(pid.isEmpty());
        }
    }

    @Nested
    class IsServerRunning {

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void returnsFalseIfNoPidFile() {
            ProcessManager pm = manager();

            boolean running = pm.isServerRunning();

            assertFalse(running);
        }

        @Test
        @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
        void returnsFalseAndCleansUpStalePid() throws IOException {
            // Write a PID that doesn't exist
            Files.writeString(pidFile, "999999999");
            ProcessManager pm = manager();

            boolean running = pm.isServerRunning();

            assertFalse(running);
            assertFalse(Files.exists(pidFile));
        }
    }
}
