package dev.omega.sessionserver.process;

import java.io.IOException;
import java.util.OptionalInt;

/** A start that did not give a healthy managed server. Its message says what happened and what to do. */
public final class ServerStartException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the start failed. */
    public enum Reason {
        /** The health URL already answers, from a process this manager did not start; nothing was spawned. */
        PORT_SERVED_BY_UNMANAGED_SERVER,
        /**
         * A file the start needs cannot be used: the log file or the PID file is a symbolic link, not a regular file
         * or another user's, or cannot be created or written (the message names the file and the system's reason,
         * e.g. {@code No space left on device}, {@code Read-only file system}). Nothing was spawned, or what was
         * spawned was stopped before this was reported.
         */
        FILE_UNUSABLE,
        /** The server could not be launched (missing executor or script, permissions). */
        SPAWN_FAILED,
        /** The server exited before it became healthy. */
        EXITED_DURING_START,
        /**
         * The server did not answer healthy within the start timeout; it was stopped, or, when that stop failed, the
         * message says why, the cause is the stop's exception and the PID file is kept (the server may still run).
         */
        NOT_HEALTHY_IN_TIME
    }

    private final Reason reason;
    private final transient OptionalInt exitCode;
    private final String logTail;

    ServerStartException(Reason reason, String message, OptionalInt exitCode, String logTail, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.exitCode = exitCode;
        this.logTail = logTail == null ? "" : logTail;
    }

    public Reason reason() {
        return reason;
    }

    /** The server's exit code, when it exited during start and was this JVM's child. */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : exitCode;
    }

    /** The last lines the server wrote to its log during this start (empty when discarded or silent). */
    public String logTail() {
        return logTail;
    }
}
