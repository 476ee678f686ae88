package dev.omega.sessionserver.console;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * What the console knows of a session server MBean, by name only: the ObjectName pattern, the attributes it reads,
 * the operations it invokes and the notification types it shows. The plugin never loads a class of the agent's own
 * packages (it may run in a JConsole whose plugin path holds another version of this jar, against an agent of yet
 * another version): everything goes through the {@code MBeanServerConnection} by these names.
 */
final class SessionServerJmx {

    /** Every session server MBean of a JVM. */
    static final ObjectName PATTERN = objectName("dev.omega.sessionserver:type=SessionServerManager,*");

    static final String RUNNING = "Running";
    static final String STATE = "State";
    static final String PID = "Pid";
    static final String UPTIME_SECONDS = "UptimeSeconds";
    static final String RESTARTS = "Restarts";
    static final String MEMORY_BYTES = "MemoryBytes";
    static final String CPU_USAGE = "CpuUsage";
    static final String LAST_ERROR = "LastError";
    /** Issue 16's attributes (String[]); an older agent has neither, and the console then shows neither. */
    static final String DEPENDS_ON = "DependsOn";
    static final String DEPENDENTS = "Dependents";

    /** The attributes one refresh reads of each server, in one {@code getAttributes} call. */
    static final String[] ROW_ATTRIBUTES = {STATE, PID, UPTIME_SECONDS, RESTARTS, MEMORY_BYTES, CPU_USAGE, LAST_ERROR,
        DEPENDS_ON, DEPENDENTS};

    static final String START = "start";
    static final String STOP = "stop";
    static final String RESTART = "restart";
    static final String CHECK_HEALTH = "checkHealth";
    /** {@code signal(String)}: an operator signal to the server's process tree. */
    static final String SIGNAL = "signal";
    /** {@code tailLog(int)} → String: the last lines of the server's log. */
    static final String TAIL_LOG = "tailLog";

    /** The signals {@code signal(String)} accepts, in the order the chooser offers them. */
    static final List<String> SIGNALS = Collections.unmodifiableList(Arrays.asList("HUP", "USR1", "USR2", "QUIT",
            "WINCH"));
    /** The line counts the log pane offers ({@code tailLog} accepts 1 to 1,000). */
    static final List<Integer> LOG_LINE_COUNTS = Collections.unmodifiableList(Arrays.asList(20, 50, 100, 200, 500,
            1000));

    /** The notification types' common prefix (the agent's types are {@code dev.omega.sessionserver.<kind>}). */
    static final String NOTIFICATION_PREFIX = "dev.omega.sessionserver.";
    static final String CRASH = NOTIFICATION_PREFIX + "crash";
    static final String RESTART_NOTIFICATION = NOTIFICATION_PREFIX + "restart";
    static final String RESTART_FAILED = NOTIFICATION_PREFIX + "restart-failed";
    static final String GAVE_UP = NOTIFICATION_PREFIX + "gave-up";
    static final String MEMORY_LIMIT = NOTIFICATION_PREFIX + "memory-limit";
    static final String SIGNAL_NOTIFICATION = NOTIFICATION_PREFIX + "signal";

    private SessionServerJmx() {
    }

    /** The {@code name} key of a session server's ObjectName (the server's name), or the whole name without one. */
    static String serverName(ObjectName name) {
        String key = name.getKeyProperty("name");
        return key != null ? key : name.getCanonicalName();
    }

    private static ObjectName objectName(String text) {
        try {
            return new ObjectName(text);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
