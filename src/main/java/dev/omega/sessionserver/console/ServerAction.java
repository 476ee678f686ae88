package dev.omega.sessionserver.console;

import java.util.List;

import javax.management.ObjectName;

/**
 * The no-argument operations the tab's buttons invoke, by name, and how their answers read. Stop and Restart ask for
 * a confirmation first (they end a running server).
 */
enum ServerAction {
    START("Start", SessionServerJmx.START, false),
    STOP("Stop", SessionServerJmx.STOP, true),
    RESTART("Restart", SessionServerJmx.RESTART, true),
    CHECK_HEALTH("Check health", SessionServerJmx.CHECK_HEALTH, false);

    private final String label;
    private final String operation;
    private final boolean confirmed;

    ServerAction(String label, String operation, boolean confirmed) {
        this.label = label;
        this.operation = operation;
        this.confirmed = confirmed;
    }

    /** The button's text. */
    String label() {
        return label;
    }

    /** The MBean operation's name. */
    String operation() {
        return operation;
    }

    /** Whether the button asks before it sends. */
    boolean needsConfirmation() {
        return confirmed;
    }

    /**
     * The request that invokes this operation on {@code server} and words its answer. A restart's answer also names
     * the dependents that run after it: the agent restarts a server's running dependents after it (its
     * {@code restart()} returns only the PID), so those are the ones it restarted; an agent without the
     * {@code Dependents} attribute has none to name.
     */
    JmxChannel.Request<String> on(ObjectName server) {
        return connection -> {
            String answer = describe(connection.invoke(server, operation, new Object[0], new String[0]));
            if (this != RESTART) {
                return answer;
            }
            List<String> restarted = RunningDependents.of(connection, server);
            return restarted.isEmpty() ? answer
                    : answer + "; its running dependents were restarted after it: " + String.join(", ", restarted);
        };
    }

    /** What the operation's answer means, in words ("started, PID 123"). */
    String describe(Object answer) {
        switch (this) {
            case START:
                return "running, PID " + answer;
            case RESTART:
                return "restarted, PID " + answer;
            case STOP:
                return "stopped";
            default:
                return Boolean.TRUE.equals(answer) ? "healthy" : "not healthy";
        }
    }

    /** {@code signal(String)} on {@code server}. */
    static JmxChannel.Request<String> signal(ObjectName server, String signal) {
        return connection -> {
            connection.invoke(server, SessionServerJmx.SIGNAL, new Object[] {signal},
                    new String[] {String.class.getName()});
            return "SIG" + signal + " sent";
        };
    }

    /** {@code tailLog(int)} on {@code server}: the log's last {@code lines} lines. */
    static JmxChannel.Request<String> tailLog(ObjectName server, int lines) {
        return connection -> String.valueOf(connection.invoke(server, SessionServerJmx.TAIL_LOG,
                new Object[] {lines}, new String[] {int.class.getName()}));
    }
}
