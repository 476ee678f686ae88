package dev.omega.sessionserver.jmx;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The notifications a {@link Supervisor} sends about one server ({@link SessionServerNotifications}: crash,
 * memory-limit, restart, restart-failed, gave-up): each one's type, message and user data, built in one place.
 *
 * <p>The supervisor decides with its lock held and must send with none held (a listener runs in the sending thread):
 * so each method but {@link #restart} returns the notification as a {@link Runnable} to {@link #send} later, in the
 * order collected. Sending goes through {@link SupervisedServer#announce}, which logs and never throws what a listener
 * throws. Stateless apart from the server and the policy it reads; thread-safe.
 */
final class SupervisionAnnouncements {

    private final SupervisedServer server;
    private final SupervisionPolicy policy;

    SupervisionAnnouncements(SupervisedServer server, SupervisionPolicy policy) {
        this.server = server;
        this.policy = policy;
    }

    /**
     * A {@code crash} notification: server {@code pid} exited ({@code what} says how), {@code decision} says what
     * follows. The exit code is {@link ServerExitStatus#UNKNOWN} and the signal -1 when the exit code is unknown.
     */
    Runnable crash(long pid, OptionalInt exitCode, long crashes, String what, String decision) {
        int code = exitCode.isPresent() ? exitCode.getAsInt() : ServerExitStatus.UNKNOWN;
        return announcement(SessionServerNotifications.CRASH,
                "session server '" + server.name() + "': " + what + "; " + decision,
                SessionServerNotifications.data(SessionServerNotifications.PID, pid,
                        SessionServerNotifications.EXIT_CODE, code, SessionServerNotifications.SIGNAL,
                        code == ServerExitStatus.UNKNOWN ? -1 : ServerExitStatus.signal(code),
                        SessionServerNotifications.CRASHES, crashes, SessionServerNotifications.DECISION,
                        decision));
    }

    /**
     * A {@code memory-limit} notification: the process tree of {@code pid} used {@code rssBytes} above the policy's
     * maxMemory for {@code passes} passes ({@code cause} in words); {@code decision} says what follows.
     */
    Runnable memoryLimit(long pid, long rssBytes, int passes, String cause, String decision) {
        return announcement(SessionServerNotifications.MEMORY_LIMIT,
                "session server '" + server.name() + "': " + cause + "; " + decision,
                SessionServerNotifications.data(SessionServerNotifications.PID, pid,
                        SessionServerNotifications.MEMORY_BYTES, rssBytes, SessionServerNotifications.MAX_MEMORY,
                        policy.maxMemory(), SessionServerNotifications.PASSES, passes,
                        SessionServerNotifications.DECISION, decision));
    }

    /**
     * Adds a {@code gave-up} notification to {@code out} when {@code d} gave up (the crash-loop limit was reached:
     * its text says so, its cause is the last failure); nothing otherwise. The caller adds the notification about the
     * failure itself first.
     */
    void addGaveUp(List<Runnable> out, RestartDecision d) {
        if (d.gaveUp != null) {
            out.add(announcement(SessionServerNotifications.GAVE_UP,
                    "session server '" + server.name() + "': " + d.text + " (last failure: " + d.cause + ")",
                    SessionServerNotifications.data(SessionServerNotifications.RESTARTS_IN_WINDOW,
                            d.gaveUp.attemptsInWindow, SessionServerNotifications.RESTART_LIMIT,
                            policy.restartLimit(), SessionServerNotifications.RESTART_WINDOW_MILLIS,
                            policy.restartWindow().toMillis(), SessionServerNotifications.CAUSE, d.cause)));
        }
    }

    /**
     * Sends a {@code restart} notification now (the caller holds no lock of the supervisor): attempt {@code plan}
     * begins, {@code restarts} attempts in all; {@code message} is the text, as logged.
     */
    void restart(String message, RestartBudget.Plan plan, String trigger, String cause, long restarts) {
        server.announce(SessionServerNotifications.RESTART, message,
                SessionServerNotifications.data(SessionServerNotifications.ATTEMPT, plan.attempt,
                        SessionServerNotifications.DELAY_MILLIS, plan.delayMillis,
                        SessionServerNotifications.TRIGGER, trigger, SessionServerNotifications.CAUSE,
                        cause, SessionServerNotifications.RESTARTS, restarts));
    }

    /**
     * A {@code restart-failed} notification: attempt {@code attempt} failed with {@code failure} (its first line:
     * {@code error}), the server's exit code during the start {@code exitCode} ({@link ServerExitStatus#UNKNOWN}
     * when it did not exit or it is not known); {@code decision} says what follows.
     */
    Runnable restartFailed(int attempt, int exitCode, String error, String failure, String decision) {
        return announcement(SessionServerNotifications.RESTART_FAILED, "session server '" + server.name()
                + "': restart attempt " + attempt + " failed: " + error + "; " + decision,
                SessionServerNotifications.data(SessionServerNotifications.ATTEMPT, attempt,
                        SessionServerNotifications.EXIT_CODE, exitCode, SessionServerNotifications.ERROR, failure,
                        SessionServerNotifications.DECISION, decision));
    }

    /** Sends the collected notifications in order; call with no lock of the supervisor held. */
    static void send(List<Runnable> announcements) {
        for (Runnable a : announcements) {
            a.run();
        }
    }

    /** A notification to send later, once no lock of the supervisor is held. */
    private Runnable announcement(String type, String message, Map<String, Object> userData) {
        return () -> server.announce(type, message, userData);
    }
}
