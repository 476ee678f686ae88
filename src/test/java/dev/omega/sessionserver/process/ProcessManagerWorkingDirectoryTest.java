package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Procs;

/**
 * {@code workingDirectory}: the server runs in it, a relative script is found in it, a PID file without identity is
 * still recognised against it, and a missing directory fails the start with nothing spawned.
 */
class ProcessManagerWorkingDirectoryTest extends ExampleServerTest {

    /** {@code dir/app/server.sh}, executable: a shell loop (no HTTP). */
    private Path app() throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        Path script = app.resolve("server.sh");
        Files.write(script, "#!/bin/sh\nwhile :; do sleep 1; done\n".getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return app;
    }

    /** The example options with the script {@code server.sh} (relative) instead of the command. */
    private ProcessManagerOptions.Builder relativeScript(ProcessManagerOptions.Builder b, Path workingDirectory) {
        return b.command(null).serverScript(Paths.get("server.sh")).workingDirectory(workingDirectory)
                .healthCheckUrl("none");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theServerRunsInItsWorkingDirectoryAndARelativeScriptIsFoundThere() throws IOException {
        Path app = app();
        ProcessManager pm = manager(b -> relativeScript(b, app));
        assertEquals(app.resolve("server.sh"), pm.resolveServerScript());

        long pid = start(pm);

        assertEquals(app, Files.readSymbolicLink(Paths.get("/proc", Long.toString(pid), "cwd")));
        assertEquals(List.of("/bin/sh", app.resolve("server.sh").toString()), Procs.commandLine(pid));
        assertTrue(pm.stopServer().stoppedSomething());
    }

    /** A PID file with only the PID (as the TypeScript tool writes it) of a server started in the directory. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aServerStartedThereWithARelativeScriptIsStillRecognised() throws IOException {
        Path app = app();
        Process byHand = reaper.start(new ProcessBuilder("/bin/sh", "server.sh").directory(app.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD));
        Files.write(pidFile, (byHand.pid() + "\n").getBytes(StandardCharsets.UTF_8));

        ProcessManager inHostDirectory = manager(b -> relativeScript(b, null));
        assertEquals(Optional.empty(), inHostDirectory.managedProcess(), "server.sh of the host's directory");
        ProcessManager pm = manager(b -> relativeScript(b, app));
        assertEquals(byHand.pid(), pm.managedProcess().orElseThrow().pid(), "server.sh of the working directory");

        assertTrue(pm.stopServer().stoppedSomething());
        assertFalse(byHand.isAlive());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMissingDirectoryFailsTheStartNamingKeyAndPathWithNothingSpawned() throws IOException {
        Path missing = dir.resolve("no-such-dir");
        ProcessManager pm = manager(b -> b.workingDirectory(missing)); // built: only the syntax is checked

        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

        assertEquals(ServerStartException.Reason.SPAWN_FAILED, e.reason());
        assertEquals("invalid workingDirectory '" + missing + "': it does not exist. Nothing was spawned.",
                e.getMessage());
        assertFalse(Files.exists(pidFile));
        assertEquals(List.of(), reaper.markedProcesses());

        Path file = Files.createFile(dir.resolve("a-file"));
        e = assertThrows(ServerStartException.class, manager(b -> b.workingDirectory(file))::startServer);
        assertEquals("invalid workingDirectory '" + file + "': it is not a directory. Nothing was spawned.",
                e.getMessage());
        assertEquals(List.of(), reaper.markedProcesses());
    }

    @Test
    @Timeout(10)
    void theOptionIsAbsoluteAndDefaultsToTheHostsDirectory() {
        assertEquals(Optional.empty(), ProcessManagerOptions.builder().build().workingDirectory());
        assertEquals(Optional.of(Paths.get("").toAbsolutePath().resolve("rel")),
                ProcessManagerOptions.builder().workingDirectory(Paths.get("rel/./")).build().workingDirectory());
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> ProcessManagerOptions.builder().workingDirectory(Paths.get("")).build());
        assertEquals("workingDirectory", e.key());
    }
}
