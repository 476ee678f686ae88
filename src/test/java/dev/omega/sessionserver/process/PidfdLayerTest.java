package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * The pidfd process layer itself (Java 22+ with native access: the {@code pidfd-path} failsafe run against the
 * multi-release jar); on other hosts only that it is off, and why.
 */
@Timeout(60)
class PidfdLayerTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private PidfdProcesses layer;

    @BeforeEach
    void layerOfThisHost() {
        layer = PidfdSupport.layer().orElse(null);
    }

    @Test
    void theLayerIsOnExactlyWhereTheHostAllowsItAndSaysWhyNotElsewhere() {
        if (Boolean.getBoolean("sessionserver.expect.pidfd")) {
            assertTrue(PidfdSupport.layer().isPresent(), () -> "expected the pidfd layer on this host: "
                    + PidfdSupport.unavailableReason().orElse("?"));
            assertEquals(Optional.empty(), PidfdSupport.unavailableReason());
        } else {
            assertEquals(Optional.empty(), PidfdSupport.layer());
            String why = PidfdSupport.unavailableReason().orElseThrow();
            assertTrue(why.contains("--enable-native-access=ALL-UNNAMED") || why.contains("-D"
                    + PidfdSupport.PROPERTY + "=false"), why);
        }
    }

    @Test
    void aSpawnedServerIsThisJvmsChildInItsOwnSessionWithDefaultSignalsNoInheritedDescriptorsAndStdinFromDevNull()
            throws Exception {
        requireLayer();
        Path log = dir.resolve("server.log");
        PidfdProcess p = spawn(List.of("/bin/sh", script().toString()), Optional.of(log));
        Await.until("the script reported", Duration.ofSeconds(10), () -> read(log).contains("ready"));
        String report = read(log);
        assertTrue(report.contains("pid=" + p.pid() + " ppid=" + ProcessHandle.current().pid() + " pgrp=" + p.pid()
                + " session=" + p.pid()), report);
        Await.until("the script exec'd sleep", Duration.ofSeconds(10),
                () -> Procs.commandLine(p.pid()).contains("60"));
        String status = Files.readString(Path.of("/proc", Long.toString(p.pid()), "status"));
        assertTrue(status.contains("SigBlk:\t0000000000000000"), status);
        assertTrue(status.contains("SigIgn:\t0000000000000000"), status); // glibc's internal 32 and 33 too
        assertTrue(report.contains("stdin=/dev/null"), report);
        assertTrue(report.contains("cwd=" + dir.toRealPath()), report);
        assertTrue(p.isChild());
        assertEquals(Procs.startTicks(p.pid()), p.startTicks());
    }

    @Test
    void nothingOfTheJvmsDescriptorsIsInheritedButTheLogAndDevNull() throws Exception {
        requireLayer();
        Path log = dir.resolve("server.log");
        PidfdProcess p = spawn(List.of("sleep", "60"), Optional.of(log));
        Await.until("sleep runs", Duration.ofSeconds(10), () -> Procs.commandLine(p.pid()).contains("60"));
        // just after its exec, sleep's own start-up (the dynamic loader, the locale) opens and closes files of its
        // own: wait for those to close; an inherited descriptor would stay open for good and fail the wait
        Await.until("sleep holds only descriptors 0, 1 and 2", Duration.ofSeconds(10), () -> Procs.openFileDescriptors(p.pid()).equals(List.of(0, 1, 2)));
        assertEquals("/dev/null", Procs.fdTarget(p.pid(), 0));
        assertEquals(log.toRealPath().toString(), Procs.fdTarget(p.pid(), 1));
        assertEquals(log.toRealPath().toString(), Procs.fdTarget(p.pid(), 2));
    }

    @Test
    void theExitCodeOfAChildIsExactAndItIsReapedAtOnce() throws Exception {
        requireLayer();
        PidfdProcess p = spawn(List.of("/bin/sh", "-c", "exit 7"), Optional.empty());
        assertTrue(p.awaitExit(TimeUnit.SECONDS.toNanos(10)));
        assertEquals(OptionalInt.of(7), p.exitCode());
        assertTrue(Procs.stat(p.pid()).isEmpty(), "reaped: no zombie left");
        assertFalse(p.signal(15), "an exited process is never signalled");
    }

    @Test
    void aSignalThroughThePidfdEndsTheProcessWith128PlusItsNumber() throws Exception {
        requireLayer();
        PidfdProcess p = spawn(List.of("sleep", "60"), Optional.empty());
        assertTrue(p.signal(15));
        assertTrue(p.awaitExit(TimeUnit.SECONDS.toNanos(10)));
        assertEquals(OptionalInt.of(143), p.exitCode());
    }

    @Test
    void aProcessIsOpenedOnlyWithItsOwnStartTime() throws Exception {
        requireLayer();
        Process other = reaper.start(new ProcessBuilder("sleep", "60"));
        long ticks = Procs.startTicks(other.pid());
        assertEquals(Optional.empty(), layer.open(other.pid(), ticks + 1), "a PID whose start time differs");
        PidfdProcess held = layer.open(other.pid(), ticks).orElseThrow();
        assertFalse(held.isChild());
        assertEquals(Optional.of(held), layer.held(other.pid(), ticks), "held once, handed out again");
        other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertTrue(held.awaitExit(TimeUnit.SECONDS.toNanos(10)), "the exit of a process that is not our child");
        assertEquals(OptionalInt.empty(), held.exitCode(), "not our child: its code is its parent's");
        assertEquals(Optional.empty(), layer.held(other.pid(), ticks));
    }

    @Test
    void aMissingProgramIsReportedAt0nceWithTheShellsExitCodeAndTheReasonInTheLog() throws Exception {
        requireLayer();
        Path log = dir.resolve("server.log");
        ServerStartException e = assertThrows(ServerStartException.class,
                () -> spawn(List.of("no-such-program-omega"), Optional.of(log)));
        assertEquals(ServerStartException.Reason.EXITED_DURING_START, e.reason());
        assertEquals(OptionalInt.of(127), e.exitCode());
        assertTrue(read(log).contains("cannot execute no-such-program-omega: No such file or directory"), read(log));
    }

    @Test
    void aLogThatIsASymbolicLinkOrAFifoIsRefusedWithoutBlockingAndNothingIsSpawned() throws Exception {
        requireLayer();
        Path target = Files.writeString(dir.resolve("target"), "");
        Path link = Files.createSymbolicLink(dir.resolve("link.log"), target);
        ServerStartException e = assertThrows(ServerStartException.class,
                () -> spawn(List.of("sleep", "60"), Optional.of(link)));
        assertEquals(ServerStartException.Reason.FILE_UNUSABLE, e.reason());
        assertTrue(e.getMessage().contains("it is a symbolic link"), e.getMessage());
        Path fifo = dir.resolve("fifo.log");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        e = assertThrows(ServerStartException.class, () -> spawn(List.of("sleep", "60"), Optional.of(fifo)));
        assertTrue(e.getMessage().contains("FIFO"), e.getMessage());
        assertEquals(List.of(), reaper.markedProcesses(), "nothing was spawned");
    }

    @Test
    void oneWaiterThreadWatchesEveryServerAndTheJdkKeepsNoReaperForThem() throws Exception {
        requireLayer();
        for (int i = 0; i < 5; i++) {
            spawn(List.of("sleep", "60"), Optional.empty());
        }
        long waiters = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("session-server-pidfd-waiter")).count();
        assertEquals(1, waiters);
    }

    private PidfdProcess spawn(List<String> argv, Optional<Path> log) throws IOException {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put(ProcessReaper.MARKER_ENV, reaper.marker());
        PidfdProcess p = layer.spawn(argv, env, Optional.of(dir), log);
        reaper.track(p.pid());
        return p;
    }

    private Path script() throws IOException {
        Path s = dir.resolve("report-self.sh");
        try (InputStream in = PidfdLayerTest.class.getResourceAsStream("report-self.sh")) {
            Files.write(s, in.readAllBytes());
        }
        return s;
    }

    private void requireLayer() {
        Assumptions.assumeTrue(layer != null, () -> "no pidfd layer on this host: "
                + PidfdSupport.unavailableReason().orElse("?"));
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
