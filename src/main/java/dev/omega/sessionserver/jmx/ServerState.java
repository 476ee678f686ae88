package dev.omega.sessionserver.jmx;

/** The lifecycle state of a managed session server, as the {@code State} attribute shows it (the constant's name). */
public enum ServerState {
    /** No managed server process runs (nothing was started, or it was stopped). */
    STOPPED,
    /** A {@code start()} is under way: the server is being spawned and awaited until healthy. */
    STARTING,
    /** The managed server process is alive and its health check answers 2xx. */
    RUNNING,
    /** The managed server process is alive but its health check does not answer 2xx (error, timeout, refused). */
    UNHEALTHY,
    /** A {@code stop()} is under way: the server's process group has been signalled. */
    STOPPING,
    /**
     * The server exited while nobody asked it to stop (or an automatic restart attempt failed), and the restart
     * policy has an automatic restart scheduled: the wait before it (supervisord's name for it). {@code LastError}
     * gives the cause, then {@code restarting in N ms (attempt K)}. Next: STARTING when the attempt begins; FAILED
     * when the policy gives up; whatever an operator's start or stop makes it.
     */
    BACKOFF,
    /**
     * A start failed, or the server exited while nobody asked it to stop (a crash) and no automatic restart follows
     * (none is configured for that exit, or the restart policy gave up). It stays FAILED, with the reason in
     * {@code LastError}, until an operator starts or stops it, or a managed server is seen running again.
     */
    FAILED;

    /** Whether a managed server process is known to be alive in this state (RUNNING or UNHEALTHY). */
    boolean isUp() {
        return this == RUNNING || this == UNHEALTHY;
    }
}
