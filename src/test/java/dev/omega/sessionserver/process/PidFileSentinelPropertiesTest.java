package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import dev.omega.sessionserver.process.PidFileContents.Content;
import dev.omega.sessionserver.testing.CapturedStderr;
import dev.omega.sessionserver.testing.SentinelTries;
import dev.omega.sessionserver.testing.SignalSentinel;

/**
 * Against a live process that is not ours, no PID file content ever leads to a signal: for each generated content
 * (built around a {@link SignalSentinel}'s PID, start ticks, boot id and start time, never its exact identity), a real
 * {@link ProcessManager#stopServer()} in this JVM answers what {@link PidFileSpec} says (stale: removed; foreign: left
 * alone; no file: not running), and the sentinel, in this JVM's own process group, has caught no signal: checked at
 * every try and watched for {@link SignalSentinel#GRACE} at the end. 10,000 tries; {@code -Pbench} runs 100,000
 * ({@link SentinelTries}). The manager's log lines are kept out of the build's output.
 */
class PidFileSentinelPropertiesTest {

    private static SentinelTarget live;
    private static Path pidFile;
    private static SignalSentinel sentinel;
    private static ProcessManager manager;
    private static CapturedStderr log;

    @BeforeContainer
    static void startSentinel() throws IOException {
        live = SentinelTarget.start("pid-file-sentinel");
        sentinel = live.sentinel;
        pidFile = live.dir.resolve("server.pid");
        manager = new ProcessManager(PidFilePropertiesTest.options(pidFile));
        log = CapturedStderr.withoutEcho();
    }

    @AfterContainer
    static void stopSentinel() throws Exception {
        if (log != null) {
            log.close();
        }
        if (live != null) {
            live.close();
        }
    }

    @Provide
    Arbitrary<Content> notTheSentinelsIdentity() {
        return PidFileContents.around(live.target, false);
    }

    @Property(tries = 10_000)
    @AddLifecycleHook(SentinelTries.class)
    void noContentMakesAStopSignalALiveProcessThatIsNotOurs(@ForAll("notTheSentinelsIdentity") Content c)
            throws IOException {
        PidFilePropertiesTest.write(pidFile, c);
        PidFileCheck.Result.Kind decision = PidFileSpec.decision(c.bytes);
        // random text that hit the sentinel's exact identity would make it ours: not this property's case
        Assume.that(decision != PidFileCheck.Result.Kind.MANAGED);

        StopResult result = manager.stopServer();

        // a process named by the file started or ended meanwhile (another build's): no verdict on this one
        Assume.that(decision == PidFileSpec.decision(c.bytes));
        assertEquals(expected(decision), result, c::toString);
        assertEquals(decision == PidFileCheck.Result.Kind.FOREIGN, Files.exists(pidFile),
                "a foreign file is kept, a stale one removed: " + c);
        assertEquals("", sentinel.signals(), () -> "the sentinel was signalled after " + c);
        Statistics.collect(result);
    }

    @AfterProperty
    void theSentinelCaughtNoSignalAndNothingWasStopped() {
        sentinel.assertNotSignalled();
        assertEquals(0, log.lines("stopped:"), "no stop went as far as a signal");
    }

    private static StopResult expected(PidFileCheck.Result.Kind decision) {
        switch (decision) {
            case NONE:
                return StopResult.NOT_RUNNING;
            case FOREIGN:
                return StopResult.FOREIGN_PROCESS_LEFT_ALONE;
            default:
                return StopResult.STALE_PID_FILE_REMOVED;
        }
    }
}
