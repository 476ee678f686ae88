package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed start's message says what its stop did: "it was stopped (…)" only when the server's process tree is gone;
 * a stop that threw is reported as failed, with its reason, what may still run, and the kept PID file. (A stop that
 * fails cannot be provoked with real processes here: the tests run as a user that may SIGKILL all they start, and
 * SIGKILL is not survivable; so the message building is tested directly.)
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StopAttemptTest {

    @TempDir
    Path dir;

    @Test
    void aSuccessfulStopSaysHowTheServerWent() {
        StopAttempt stop = StopAttempt.stopped(42, StopResult.KILLED);

        assertTrue(stop.stopped());
        assertEquals(Optional.empty(), stop.failure());
        assertEquals("it was stopped (KILLED)", stop.describe(dir.resolve("server.pid")));
        assertEquals("it was stopped (EXITED_ON_SIGTERM)",
                StopAttempt.stopped(42, StopResult.EXITED_ON_SIGTERM).describe(dir.resolve("server.pid")));
    }

    @Test
    void aFailedStopIsNeverReportedAsAStop() {
        IOException why = new IOException("session server pid 42 (or a process of its group) is still alive 5000 ms"
                + " after SIGKILL: [42, 43]");
        StopAttempt stop = StopAttempt.failed(42, why);
        String text = stop.describe(dir.resolve("server.pid"));

        assertFalse(stop.stopped());
        assertEquals(Optional.of(why), stop.failure());
        assertFalse(text.contains("was stopped"), text);
        assertFalse(text.contains("KILLED"), text);
        assertTrue(text.startsWith("stopping it failed (" + why.getMessage() + ")"), text);
        assertTrue(text.contains("pid 42 or a process of its group may still be running"), text);
        assertTrue(text.contains("the PID file " + dir.resolve("server.pid") + " is kept"), text);
    }

    @Test
    void theStartTimeoutMessageQuotesWhatTheStopDid() {
        ProcessManager pm = new ProcessManager(ProcessManagerOptions.builder().pidFile(dir.resolve("server.pid"))
                .port(3999).healthCheckUrl("http://127.0.0.1:3999/api/health").build());

        String failed = pm.notHealthyInTimeMessage(42, 1500, HealthCheck.Outcome.ERROR_STATUS,
                StopAttempt.failed(42, new IOException("no permission to signal pid 43")));
        String stopped = pm.notHealthyInTimeMessage(42, 1500, HealthCheck.Outcome.ERROR_STATUS,
                StopAttempt.stopped(42, StopResult.EXITED_ON_SIGTERM));

        assertEquals("session server (pid 42) was not healthy within the start timeout of 1500 ms (last check of"
                + " http://127.0.0.1:3999/api/health: ERROR_STATUS); stopping it failed (no permission to signal pid"
                + " 43): pid 42 or a process of its group may still be running; the PID file "
                + dir.resolve("server.pid") + " is kept so that a stop can retry", failed);
        assertEquals("session server (pid 42) was not healthy within the start timeout of 1500 ms (last check of"
                + " http://127.0.0.1:3999/api/health: ERROR_STATUS); it was stopped (EXITED_ON_SIGTERM)", stopped);
    }
}
