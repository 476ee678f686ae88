package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What stopping a server whose start failed did: stopped it (with a {@link StopResult}), or failed, and why. A failed
 * start quotes it, so that its message never claims a stop that did not happen.
 *
 * <p>Immutable and thread-safe.
 */
final class StopAttempt {

    private final long pid;
    private final StopResult result; // null when the stop failed
    private final IOException failure; // null when it succeeded

    private StopAttempt(long pid, StopResult result, IOException failure) {
        this.pid = pid;
        this.result = result;
        this.failure = failure;
    }

    /** The stop ended with the server's process tree gone. */
    static StopAttempt stopped(long pid, StopResult result) {
        return new StopAttempt(pid, result, null);
    }

    /** The stop threw: something of the server's process tree may still run. */
    static StopAttempt failed(long pid, IOException failure) {
        return new StopAttempt(pid, null, failure);
    }

    /** Whether the server's process tree is known to be gone. */
    boolean stopped() {
        return failure == null;
    }

    /** Why the stop failed; empty when it succeeded. */
    Optional<IOException> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * The clause a start failure message ends with: {@code "it was stopped (EXITED_ON_SIGTERM)"}, or, when the stop
     * failed, that it failed, why, what may still run, and that the PID file {@code pidFile} is kept so that a later
     * stop can retry.
     */
    String describe(Path pidFile) {
        if (failure == null) {
            return "it was stopped (" + result + ")";
        }
        return "stopping it failed (" + failure.getMessage() + "): pid " + pid
                + " or a process of its group may still be running; the PID file " + pidFile
                + " is kept so that a stop can retry";
    }
}
