package dev.omega.sessionserver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sentinel can fail a test: each trapped signal leaves a mark, and it stays in this JVM's process group. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SignalSentinelTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    @Test
    void sharesThisJvmsProcessGroupAndSessionAndPassesWhenLeftAlone() throws Exception {
        SignalSentinel s = SignalSentinel.start(reaper, dir, "s");
        Procs.Stat self = Procs.stat(ProcessHandle.current().pid()).orElseThrow();
        Procs.Stat st = Procs.stat(s.pid()).orElseThrow();

        assertEquals(self.pgrp, st.pgrp, "in this JVM's process group");
        assertEquals(self.session, st.session, "in this JVM's session");
        s.assertNotSignalled();
        assertEquals("", s.signals());
        s.kill();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "HUP", "INT"})
    void aTrappedSignalIsRecordedAndFailsTheCheck(String signal) throws Exception {
        // a shell cannot trap a signal that was ignored when it started (POSIX), as SIGINT is under a background job
        assumeFalse(signal.equals("INT") && Procs.ignores(ProcessHandle.current().pid(), 2),
                "skipped: this JVM ignores SIGINT (started as a background job), so the sentinel cannot trap it");
        SignalSentinel s = SignalSentinel.start(reaper, dir, "s");
        // the sentinel is this test's own child: signalling it by PID is safe
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(s.pid())).start().waitFor());

        Await.until("the sentinel records " + signal, Duration.ofSeconds(10), () -> s.signals().equals(signal));
        AssertionError e = assertThrows(AssertionError.class, s::assertNotSignalled);
        assertTrue(e.getMessage().contains("was signalled: " + signal), e::getMessage);
        assertTrue(Procs.alive(s.pid()), "it trapped the signal instead of dying");
        s.kill();
    }

    @Test
    void itsScriptIsValidShell() throws Exception {
        assertEquals(0, Commands.exitCode("/bin/sh", "-n", SignalSentinel.script().toString()), "sh -n");
    }

    @Test
    void itEndsByItselfWhenTheJvmThatStartedItIsGone() throws Exception {
        // a parent that starts a sentinel and is then killed, as PIT kills a timed-out test JVM
        Path pidFile = dir.resolve("sentinel.pid");
        Process parent = reaper.start(new ProcessBuilder("/bin/sh", "-c",
                "/bin/sh \"$0\" \"$1\" \"$2\" & echo $! > \"$3\"; wait", SignalSentinel.script().toString(),
                dir.resolve("o.signals").toString(), dir.resolve("o.ready").toString(), pidFile.toString()));
        Await.until("the orphan-to-be has set its traps", Duration.ofSeconds(10),
                () -> Files.exists(dir.resolve("o.ready")) && pidIn(pidFile) > 0);
        long sentinel = pidIn(pidFile);
        reaper.track(sentinel);
        parent.destroyForcibly();
        parent.waitFor();
        Await.until("the sentinel " + sentinel + " ended after its parent", Duration.ofSeconds(10),
                () -> !Procs.alive(sentinel));
    }

    private static long pidIn(Path file) {
        try {
            String text = Files.readString(file).trim();
            return text.matches("[1-9][0-9]*") ? Long.parseLong(text) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
