package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;

/**
 * {@code stopSignal}: the first signal of a stop reaches the server's whole process tree. The server here (a small
 * Perl program with one child) ignores SIGTERM and shuts down cleanly only on SIGINT, writing a marker file from its
 * handler, as PM2-style servers do.
 */
class ProcessManagerStopSignalTest extends ExampleServerTest {

    /** Ignores SIGTERM; on SIGINT writes {@code <marker>} (the child: {@code <marker>.child}) and exits 0. */
    private static final String INT_ONLY_SERVER = String.join("\n",
            "my ($ready, $marker) = @ARGV;",
            "$SIG{TERM} = 'IGNORE';",
            "my $child = fork();",
            "if ($child == 0) {",
            "  $SIG{INT} = sub { open(my $f, '>', \"$marker.child\"); close $f; exit 0 };",
            "  open(my $r, '>', \"$ready.child\"); close $r;",
            "  sleep 1 while 1;",
            "}",
            "$SIG{INT} = sub { select(undef, undef, undef, 0.2); open(my $f, '>', $marker); print $f \"INT\\n\";",
            "  close $f; waitpid($child, 0); exit 0 };",
            "open(my $r, '>', $ready); close $r;",
            "sleep 1 while 1;");

    private Path ready;
    private Path marker;

    private ProcessManager intOnlyServer(StopSignal signal, Duration stopTimeout) {
        ready = dir.resolve("ready");
        marker = dir.resolve("stopped-by-int");
        return manager(b -> b.command(List.of("/usr/bin/perl", "-e", INT_ONLY_SERVER, ready.toString(),
                marker.toString())).healthCheckUrl("none").stopSignal(signal).stopTimeout(stopTimeout));
    }

    private long startAndAwaitHandlers(ProcessManager pm) throws IOException {
        long pid = start(pm);
        Await.until("the server and its child installed their handlers", Duration.ofSeconds(20),
                () -> Files.exists(ready) && Files.exists(dir.resolve("ready.child")));
        return pid;
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stopSignalIntStopsAServerThatOnlyHandlesSigint() throws IOException {
        ProcessManager pm = intOnlyServer(StopSignal.INT, Duration.ofSeconds(30));
        long pid = startAndAwaitHandlers(pm);

        StopResult result = pm.stopServer();

        assertEquals(StopResult.EXITED_ON_SIGTERM, result, "exited on the stop signal, not killed");
        assertEquals(List.of("INT"), Files.readAllLines(marker, StandardCharsets.UTF_8), "its SIGINT handler ran");
        assertTrue(Files.exists(dir.resolve("stopped-by-int.child")), "the child, in its group, got SIGINT too");
        assertEquals(OptionalInt.of(0), pm.exitCode(pid), "a clean exit, not SIGKILL (137)");
        assertFalse(Files.exists(pidFile));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theDefaultSigtermNeedsSigkillAfterTheStopTimeout() throws IOException {
        ProcessManager pm = intOnlyServer(StopSignal.TERM, Duration.ofMillis(300));
        assertEquals(StopSignal.TERM, pm.options().stopSignal(), "the default is TERM");
        assertEquals(StopSignal.TERM, ProcessManagerOptions.builder().build().stopSignal());
        long pid = startAndAwaitHandlers(pm);

        StopResult result = pm.stopServer();

        assertEquals(StopResult.KILLED, result);
        assertFalse(Files.exists(marker), "no SIGINT was sent");
        assertEquals(OptionalInt.of(137), pm.exitCode(pid), "SIGKILL");
    }

    /** A server stopped by SIGSTOP still gets its stop signal handled: SIGCONT follows it. */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aStoppedServerIsContinuedToHandleTheStopSignal() throws Exception {
        ProcessManager pm = intOnlyServer(StopSignal.INT, Duration.ofSeconds(30));
        long pid = startAndAwaitHandlers(pm);
        Process stop = new ProcessBuilder("/bin/kill", "-s", "STOP", Long.toString(pid)).start();
        assertEquals(0, stop.waitFor());
        Await.until("the server is stopped", Duration.ofSeconds(10),
                () -> ProcFs.stat(pid).map(st -> st.state == 'T').orElse(false));

        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
        assertTrue(Files.exists(marker));
    }

    @Test
    @Timeout(10)
    void signalNamesWithOrWithoutSigInAnyCase() {
        assertEquals(StopSignal.INT, StopSignal.parse("int").orElseThrow());
        assertEquals(StopSignal.INT, StopSignal.parse(" SIGINT ").orElseThrow());
        assertEquals(StopSignal.QUIT, StopSignal.parse("SigQuit").orElseThrow());
        assertEquals(StopSignal.USR1, StopSignal.parse("usr1").orElseThrow());
        for (String bad : new String[] {"KILL", "SIGKILL", "9", "", "SIG", "STOP", "CONT"}) {
            assertTrue(StopSignal.parse(bad).isEmpty(), bad);
        }
        assertEquals("TERM, INT, HUP, QUIT, USR1 or USR2", StopSignal.names());
        InvalidOptionException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidOptionException.class,
                () -> ProcessManagerOptions.builder().stopSignal(null).build());
        assertEquals("stopSignal", e.key());
    }
}
