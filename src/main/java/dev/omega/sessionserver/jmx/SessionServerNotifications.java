package dev.omega.sessionserver.jmx;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.management.AttributeChangeNotification;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;

/**
 * The notifications a session server MBean sends, besides the {@link AttributeChangeNotification}s of its
 * {@code State}. Each is a plain {@link Notification} whose source is the MBean's ObjectName, whose message says
 * what happened in words, and whose user data is a {@code java.util.Map<String, Object>} of JDK values (keys below),
 * so that JConsole, VisualVM and jmxterm show it without this jar's classes.
 *
 * <table>
 * <caption>Types</caption>
 * <tr><th>type</th><th>sent when</th><th>user data keys</th></tr>
 * <tr><td>{@value #CRASH}</td><td>the managed server exited and no stop asked for it (seen by the monitor or
 * {@code checkHealth}); also a clean exit 0</td><td>pid, exitCode, signal, crashes, decision</td></tr>
 * <tr><td>{@value #RESTART}</td><td>an automatic restart attempt begins (after its backoff delay)</td><td>attempt,
 * delayMillis, trigger, cause, restarts</td></tr>
 * <tr><td>{@value #RESTART_FAILED}</td><td>an automatic restart attempt gave no healthy server</td><td>attempt,
 * exitCode, error, decision</td></tr>
 * <tr><td>{@value #GAVE_UP}</td><td>the crash-loop limit is reached: no more automatic restarts until an operator
 * starts the server</td><td>restartsInWindow, restartLimit, restartWindowMillis, cause</td></tr>
 * <tr><td>{@value #MEMORY_LIMIT}</td><td>the resident memory of the server's process tree stayed above
 * {@code maxMemory} for {@code unhealthyThreshold} monitor passes in a row (a restart follows, under the backoff and
 * limit)</td><td>pid, memoryBytes, maxMemory, passes, decision</td></tr>
 * <tr><td>{@value #OPERATOR_SIGNAL}</td><td>an operator's {@code signal} was sent to the server's process
 * tree</td><td>signal (a String here: HUP, USR1, USR2, QUIT or WINCH), pid, members</td></tr>
 * </table>
 */
public final class SessionServerNotifications {

    /** The managed server exited without being asked to (exit code and signal in the user data). */
    public static final String CRASH = "dev.omega.sessionserver.crash";
    /** An automatic restart attempt begins. */
    public static final String RESTART = "dev.omega.sessionserver.restart";
    /** An automatic restart attempt did not give a healthy server. */
    public static final String RESTART_FAILED = "dev.omega.sessionserver.restart-failed";
    /** The crash-loop limit was reached: automatic restarts stop until an operator starts the server. */
    public static final String GAVE_UP = "dev.omega.sessionserver.gave-up";
    /** The server's process tree stayed above its memory limit: it is restarted. */
    public static final String MEMORY_LIMIT = "dev.omega.sessionserver.memory-limit";
    /** An operator's signal ({@code signal} operation) was sent to the server's process tree. */
    public static final String OPERATOR_SIGNAL = "dev.omega.sessionserver.signal";

    /** User data: the PID of the server that exited (Long). */
    public static final String PID = "pid";
    /** User data: the exit code (Integer), {@code -1} when unknown (a server this JVM did not spawn). */
    public static final String EXIT_CODE = "exitCode";
    /**
     * User data: the signal that killed the server (Integer; exit code 128+N), {@code -1} when none or unknown; in a
     * {@value #OPERATOR_SIGNAL} notification the signal sent, by name without {@code SIG} (String: {@code HUP}).
     */
    public static final String SIGNAL = "signal";
    /** User data: crashes seen by this manager so far (Long). */
    public static final String CRASHES = "crashes";
    /** User data: what the supervisor does about it, in words (String). */
    public static final String DECISION = "decision";
    /** User data: the attempt's number since the backoff was last reset, 1 for the first (Integer). */
    public static final String ATTEMPT = "attempt";
    /** User data: the backoff delay waited before the attempt (Long, milliseconds). */
    public static final String DELAY_MILLIS = "delayMillis";
    /**
     * User data: what made the restart necessary: {@code crash}, {@code unhealthy}, {@code restart-failed} or
     * {@code memory-limit}.
     */
    public static final String TRIGGER = "trigger";
    /** User data: the failure behind the restart or the give-up, in words (String). */
    public static final String CAUSE = "cause";
    /** User data: automatic restarts attempted so far, this one included (Long). */
    public static final String RESTARTS = "restarts";
    /** User data: why the attempt failed (String). */
    public static final String ERROR = "error";
    /** User data: restart attempts within the window when the manager gave up (Integer). */
    public static final String RESTARTS_IN_WINDOW = "restartsInWindow";
    /** User data: the policy's restartLimit (Integer). */
    public static final String RESTART_LIMIT = "restartLimit";
    /** User data: the policy's restartWindow (Long, milliseconds). */
    public static final String RESTART_WINDOW_MILLIS = "restartWindowMillis";
    /** User data: the resident memory of the server's process tree, in bytes, at the last pass (Long). */
    public static final String MEMORY_BYTES = "memoryBytes";
    /** User data: the policy's maxMemory, in bytes (Long). */
    public static final String MAX_MEMORY = "maxMemory";
    /** User data: monitor passes in a row that found the tree above the limit (Integer). */
    public static final String PASSES = "passes";
    /** User data: the PIDs the signal was sent to, the server's first (a {@code java.util.List} of Long). */
    public static final String MEMBERS = "members";

    private SessionServerNotifications() {
    }

    /**
     * What the MBean declares: the State change notification, the five supervision types, then the operator's
     * signal, each described.
     */
    static MBeanNotificationInfo[] infos() {
        String data = " User data: a java.util.Map with keys ";
        return new MBeanNotificationInfo[] {
            new MBeanNotificationInfo(new String[] {AttributeChangeNotification.ATTRIBUTE_CHANGE},
                    AttributeChangeNotification.class.getName(),
                    "Sent on every change of the State attribute (STOPPED, STARTING, RUNNING, UNHEALTHY, STOPPING,"
                            + " BACKOFF, FAILED); old and new values are Strings."),
            new MBeanNotificationInfo(new String[] {CRASH}, Notification.class.getName(),
                    "The session server exited and no stop asked for it (a clean exit 0 included). The message"
                            + " gives the exit code, or the signal for exit codes 129-192." + data
                            + "pid, exitCode (-1: unknown, for a server this JVM did not start), signal (-1: none),"
                            + " crashes, decision (restarting, not restarted, or gave up)."),
            new MBeanNotificationInfo(new String[] {RESTART}, Notification.class.getName(),
                    "An automatic restart attempt begins, after its backoff delay." + data + "attempt, delayMillis,"
                            + " trigger (crash, unhealthy, restart-failed, memory-limit), cause, restarts."),
            new MBeanNotificationInfo(new String[] {RESTART_FAILED}, Notification.class.getName(),
                    "An automatic restart attempt gave no healthy server; the next follows the backoff." + data
                            + "attempt, exitCode (-1: unknown), error, decision."),
            new MBeanNotificationInfo(new String[] {GAVE_UP}, Notification.class.getName(),
                    "Crash-loop limit reached (more than restartLimit restarts within restartWindow): State is"
                            + " FAILED and nothing is restarted until an operator starts the server." + data
                            + "restartsInWindow, restartLimit, restartWindowMillis, cause."),
            new MBeanNotificationInfo(new String[] {MEMORY_LIMIT}, Notification.class.getName(),
                    "The resident memory of the session server's process tree stayed above maxMemory for"
                            + " unhealthyThreshold monitor passes in a row; it is restarted (stopped, then started)"
                            + " under the backoff and limit." + data + "pid, memoryBytes, maxMemory, passes,"
                            + " decision."),
            new MBeanNotificationInfo(new String[] {OPERATOR_SIGNAL}, Notification.class.getName(),
                    "An operator's signal (the signal operation: HUP, USR1, USR2, QUIT or WINCH) was sent to the"
                            + " session server's process tree, identity-checked. A server that exits on it is then"
                            + " a crash for the supervision policy." + data + "signal (String, e.g. HUP), pid,"
                            + " members (a java.util.List of the PIDs signalled, the server's first).")};
    }

    /** An unmodifiable map of alternating keys and values, in that order. */
    static Map<String, Object> data(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }
}
