package dev.omega.sessionserver.agent;

/** The exit statuses of the CLI ({@code java -jar session-server-manager-agent.jar ...}); {@code --help} lists them. */
public final class CliExitStatus {
    /** Done: for {@code attach}, the MBeans are registered in the target; for {@code status}, all are RUNNING. */
    public static final int OK = 0;
    /** An unexpected failure (I/O, a JDK without {@code jdk.attach}, not run from the agent jar). */
    public static final int FAILURE = 1;
    /** The command line is wrong: unknown command, missing or bad PID. */
    public static final int USAGE = 2;
    /** The agent arguments are invalid (checked before anything is loaded). */
    public static final int INVALID_ARGUMENTS = 3;
    /** No such process, or it is not a Java VM (nothing was sent to it). */
    public static final int NO_SUCH_JVM = 4;
    /** The process belongs to another user, or attaching is not permitted. */
    public static final int PERMISSION_DENIED = 5;
    /** The JVM refuses: attach disabled ({@code -XX:+DisableAttachMechanism}) or dynamic agents disallowed. */
    public static final int REFUSED = 6;
    /** The agent loaded but could not register its MBean in the target (the target's reason is printed). */
    public static final int AGENT_FAILED = 7;
    /** {@code attach}: the MBean did not appear in the target before the deadline; {@code status}: no answer in time. */
    public static final int TIMEOUT = 8;
    /**
     * {@code status}: one or more of the session servers in the JVM is not RUNNING (the lines say which); a server in
     * BACKOFF (an automatic restart pending) is not RUNNING.
     */
    public static final int NOT_ALL_RUNNING = 9;
    /** {@code status}, {@code logs}, {@code signal}: the JVM has no session server MBean (no agent loaded, or it failed). */
    public static final int NONE_REGISTERED = 10;
    /** {@code logs}, {@code signal}: the JVM has no session server of the name {@code --server} gives. */
    public static final int NO_SUCH_SERVER = 11;
    /**
     * {@code logs}, {@code signal}: the MBean refused the operation (its message is printed): no server runs, the
     * output is discarded ({@code logFile=discard}), the log is refused or unreadable.
     */
    public static final int OPERATION_FAILED = 12;

    private CliExitStatus() {
    }
}
