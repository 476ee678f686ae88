package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.SignalSentinel;

/**
 * {@code host-watch.sh}, the watcher of {@code stopWithHost=true} on a machine without perl, run as
 * {@link HostWatcher} runs it: the test JVM plays the host, and closing its end of the watcher's stdin pipe is what
 * the kernel does when a host is killed with SIGKILL. The "server" is a real process group led by a bash that has a
 * {@code sleep} child.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostWatchScriptTest {

    private static final Duration DEADLINE = Duration.ofSeconds(15);

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    @BeforeAll
    static void needsBashAndSetsid() {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no /bin/bash");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setsid")), "no /usr/bin/setsid");
    }

    @Test
    void theResourceAndTheTextRunAreValidBash() throws Exception {
        Path file = dir.resolve(HostWatcher.BASH_PROGRAM);
        Files.writeString(file, PerlProgram.read(HostWatcher.BASH_PROGRAM));
        assertEquals(0, run("/bin/bash", "-n", file.toString()), "bash -n " + file);
        assertEquals(0, run("/bin/bash", "-n", "-c", HostWatcher.bashProgram()), "bash -n -c <the text run>");
    }

    @Test
    void whenTheHostsEndOfThePipeClosesTheServersWholeProcessGroupIsStopped() throws Exception {
        long server = startServerGroup();
        long child = awaitChildOf(server);
        Process watcher = startWatcher(server, Procs.startTicks(server), 15, 5000);
        assertTrue(watcher.isAlive(), "it waits while the host lives");

        watcher.getOutputStream().close(); // what a kill -9 of the host does to the pipe
        assertTrue(watcher.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "the watcher ends");
        assertEquals(0, watcher.exitValue());
        Await.until("the server (leader " + server + ", child " + child + ") is gone", DEADLINE,
                () -> !Procs.alive(server) && !Procs.alive(child));
    }

    @Test
    void aWatcherWhoseServerExitsWhileTheHostLivesEndsByItselfAndNeverOutlivesIt() throws Exception {
        long server = startServerGroup();
        Process watcher = startWatcher(server, Procs.startTicks(server), 15, 5000);
        ProcessHandle.of(server).orElseThrow().destroyForcibly();
        assertTrue(watcher.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "the watcher ends with its server");
        assertEquals(0, watcher.exitValue());
    }

    @Test
    void aProcessWithOtherStartTicksIsNeverSignalledEvenWhenTheHostDies() throws Exception {
        SignalSentinel sentinel = SignalSentinel.start(reaper, dir, "not-ours");
        Process watcher = startWatcher(sentinel.pid(), Procs.startTicks(sentinel.pid()) + 1, 15, 5000);
        watcher.getOutputStream().close();
        assertTrue(watcher.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "the watcher ends");
        assertEquals(0, watcher.exitValue());
        sentinel.assertNotSignalled();
        sentinel.kill();
    }

    /** A process group: {@code bash} leading it (its own session), with a {@code sleep} child; the leader's PID. */
    private long startServerGroup() throws IOException {
        Path ready = dir.resolve("server.ready");
        Process p = reaper.start(new ProcessBuilder("/usr/bin/setsid", "/bin/bash", "-c",
                "sleep 300 & echo $! > \"$1\"; wait", "server", ready.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD));
        Await.until("the server's child is up", DEADLINE, () -> ready.toFile().length() > 0);
        assertEquals(p.pid(), Procs.stat(p.pid()).orElseThrow().pgrp, "the server leads its process group");
        return p.pid();
    }

    private long awaitChildOf(long server) throws IOException {
        long child = Long.parseLong(Files.readString(dir.resolve("server.ready")).trim());
        reaper.track(child);
        assertEquals(server, Procs.stat(child).orElseThrow().pgrp, "the child is in the server's group");
        return child;
    }

    /** The watcher as {@link HostWatcher} starts it without perl: setsid, bash -c, stdin a pipe from this JVM. */
    private Process startWatcher(long pid, long ticks, int signal, long stopTimeoutMillis) throws IOException {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/setsid", "/bin/bash", "-c", HostWatcher.bashProgram(),
                "host-watch", Long.toString(pid), Long.toString(ticks), Integer.toString(signal),
                Long.toString(stopTimeoutMillis)));
        return reaper.start(new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD));
    }

    private static int run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), out);
        assertEquals("", out.trim(), "no complaint");
        return p.exitValue();
    }
}
