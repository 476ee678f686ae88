package dev.omega.sessionserver.jmx;

import java.util.Map;
import java.util.OptionalInt;

/**
 * What a {@link Supervisor} needs from the server it supervises: the operation lock (taken without waiting), a
 * restart under it, the operation epoch that tells a stale observation from a current one, a note in
 * {@code LastError}, and a way to send a notification. {@link SessionServerManager} provides it (through
 * {@link ServerOperations}); tests provide a fake.
 *
 * <p>Implementations are thread-safe. {@link #supervisionNote} and {@link #operationEpoch} may be called with the
 * supervisor's lock held and must not call back into the supervisor.
 */
interface SupervisedServer {

    /** The server's name, for log lines and notification messages. */
    String name();

    /** A count that moves whenever an operation begins or ends: an observation made under another epoch is stale. */
    long operationEpoch();

    /**
     * Takes the operation lock for an automatic restart when no other operation holds it; never waits.
     *
     * @return false when an operation holds the lock (the caller tries again later)
     */
    boolean tryBeginSupervisedOperation();

    /** Releases what {@link #tryBeginSupervisedOperation()} took. */
    void endSupervisedOperation();

    /**
     * An automatic restart, with the operation lock held: a start, after a stop when {@code stopFirst} (a server
     * that still runs: unhealthy, or over its memory limit). When the start fails the server is shown
     * {@code stateIfStartFails} (BACKOFF when another attempt will follow, FAILED when not).
     *
     * @return the new server's PID
     * @throws IllegalStateException when the stop or the start failed (the message says why)
     */
    long supervisedRestart(boolean stopFirst, ServerState stateIfStartFails);

    /** The exit code of the server during the last start, when it exited then; read with the operation lock held. */
    OptionalInt lastStartExitCode();

    /**
     * Edits {@code LastError}: removes {@code oldNote} from its end (when there), then appends {@code newNote} (when
     * not null), separated by "; ". A server that is not running is shown {@code ifDown} (null: the state stays).
     */
    void supervisionNote(String oldNote, String newNote, ServerState ifDown);

    /**
     * Sends a notification of {@code type} (one of {@link SessionServerNotifications}) to the MBean's listeners; a
     * failing listener is logged, never thrown.
     */
    void announce(String type, String message, Map<String, Object> userData);
}
