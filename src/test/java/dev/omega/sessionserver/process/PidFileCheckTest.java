package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.SignalSentinel;

/**
 * The check's answers that the properties do not reach: a file without identity naming a process that runs the
 * configured command is ours (and its identity is worth recording), and an unreadable file is foreign for the quiet
 * check. The check only reads: the sentinel it looks at is never signalled.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PidFileCheckTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private PidFileCheck check(Path pidFile, List<String> command) {
        return new PidFileCheck(new PidFile(pidFile), new ServerCommandLine(ProcessManagerOptions.builder()
                .pidFile(pidFile).healthCheckUrl("none").command(command).build()));
    }

    @Test
    void aFileWithoutIdentityNamingTheConfiguredCommandIsOursAndItsIdentityWorthRecording() throws Exception {
        SignalSentinel sentinel = SignalSentinel.start(reaper, dir, "sentinel");
        Path pidFile = dir.resolve("server.pid");
        Files.writeString(pidFile, sentinel.pid() + "\n");

        PidFileCheck.Result result = check(pidFile, sentinel.argv()).check();

        assertEquals(PidFileCheck.Result.Kind.MANAGED, result.kind);
        assertTrue(result.managed());
        assertTrue(result.adoptedWithoutIdentity);
        assertEquals(sentinel.pid(), result.identity.pid());
        assertEquals(Procs.startTicks(sentinel.pid()), result.identity.startTicks());
        assertNull(result.problem);
        sentinel.assertNotSignalled();
        sentinel.kill();
    }

    @Test
    void aFileWithoutIdentityNamingAnotherProgramIsForeignNamingBoth() throws Exception {
        SignalSentinel sentinel = SignalSentinel.start(reaper, dir, "sentinel");
        Path pidFile = dir.resolve("server.pid");
        Files.writeString(pidFile, Long.toString(sentinel.pid()));

        PidFileCheck.Result result = check(pidFile, List.of("/opt/server", "--serve")).check();

        assertEquals(PidFileCheck.Result.Kind.FOREIGN, result.kind);
        assertFalse(result.managed());
        assertTrue(result.problem.contains("names pid " + sentinel.pid()), result.problem);
        assertTrue(result.problem.contains("[/opt/server, --serve]"), result.problem);
        sentinel.assertNotSignalled();
        sentinel.kill();
    }

    @Test
    void aSymbolicLinkIsRefusedByTheCheckAndForeignForTheQuietCheck() throws IOException {
        Path target = dir.resolve("elsewhere.pid");
        Files.writeString(target, ProcessHandle.current().parent().orElseThrow().pid() + "\n");
        Path pidFile = Files.createSymbolicLink(dir.resolve("server.pid"), target);
        PidFileCheck check = check(pidFile, List.of("/opt/server"));

        assertThrows(IOException.class, check::check);
        PidFileCheck.Result quiet = check.checkQuietly();
        assertEquals(PidFileCheck.Result.Kind.FOREIGN, quiet.kind);
        assertTrue(quiet.problem.startsWith("PID file unreadable: "), quiet.problem);
    }

    @Test
    void aStaleFileSaysWhy() throws IOException {
        Path pidFile = dir.resolve("server.pid");
        long self = ProcessHandle.current().pid();
        Files.writeString(pidFile, self + "\nstart-ticks=1\nboot-id=" + Procs.bootId() + "\n");

        PidFileCheck.Result result = check(pidFile, List.of("/opt/server")).check();

        assertEquals(PidFileCheck.Result.Kind.STALE, result.kind);
        assertTrue(result.problem.contains("this JVM's own PID"), result.problem);
    }
}
