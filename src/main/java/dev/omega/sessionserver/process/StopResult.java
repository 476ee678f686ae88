package dev.omega.sessionserver.process;

/**
 * What {@link ProcessManager#stopServer()} did. The signal a stop begins with is the manager's
 * {@link ProcessManagerOptions#stopSignal()} (SIGTERM by default); {@link #EXITED_ON_SIGTERM} keeps its name whichever
 * signal that is.
 */
public enum StopResult {
    /** No PID file: nothing to stop, nothing signalled. */
    NOT_RUNNING,
    /** The PID file named a dead process, a reused PID or an invalid value: it was removed, nothing signalled. */
    STALE_PID_FILE_REMOVED,
    /**
     * The PID file (without identity) names a live process whose command line is not the configured server's: it was
     * left alone, not signalled, and the file kept.
     */
    FOREIGN_PROCESS_LEFT_ALONE,
    /**
     * The server's process tree exited within the stop timeout after the stop signal (SIGTERM by default, else the
     * configured {@link ProcessManagerOptions#stopSignal()}).
     */
    EXITED_ON_SIGTERM,
    /**
     * Something of the server's process tree outlived the stop timeout after the stop signal and was killed with
     * SIGKILL.
     */
    KILLED;

    /** Whether a server was running and is now gone. */
    public boolean stoppedSomething() {
        return this == EXITED_ON_SIGTERM || this == KILLED;
    }
}
