package dev.omega.sessionserver.process;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The seed's {@code IProcessManager}: start a session server detached, stop it, tell whether it runs and which PID
 * it has. Implementations are thread-safe.
 */
public interface IProcessManager {

    /**
     * Starts the server unless it already runs, and returns its PID.
     *
     * @param extraEnv variables added to the server's environment (over the host's and {@code SESSION_SERVER_PORT})
     * @return the PID of the running server: the existing one when it already ran
     * @throws ServerStartException when no healthy managed server results (see its reason)
     * @throws IOException when the PID file cannot be read, locked or written, or is a symbolic link (refused: it is
     *         neither trusted nor written through)
     */
    long startServer(Map<String, String> extraEnv) throws IOException;

    /** {@link #startServer(Map)} with no extra environment. */
    default long startServer() throws IOException {
        return startServer(Map.of());
    }

    /**
     * Stops the managed server and its process group: SIGTERM, up to the stop timeout, then SIGKILL. Returns only
     * once nothing of it is left, then removes the PID file. A server that does not run is a no-op.
     *
     * @return what happened
     * @throws IOException when the server could not be stopped (it is still alive), the lock could not be had, or
     *         the PID file is a symbolic link (refused, and left as it is)
     */
    StopResult stopServer() throws IOException;

    /**
     * Whether a session server runs: the managed process is alive (its identity verified), or the health URL
     * answers 2xx. A stale PID file found on the way is removed, as in the seed (a symbolic link never is).
     */
    boolean isServerRunning();

    /**
     * The PID the PID file names, when the file holds a valid one (see {@link PidValidator}); empty for a missing
     * file or invalid content. This says nothing about liveness: see {@link #isServerRunning()}.
     */
    OptionalLong getServerPid();
}
