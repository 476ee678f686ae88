package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pidfd process layer: spawning with {@code posix_spawn}, holding a pidfd for every server, signalling through
 * it, and learning of exits from one waiter thread. Implemented on Java 22 and newer through the Foreign Function
 * &amp; Memory API (the agent jar's {@code META-INF/versions/22}); {@link PidfdSupport#layer()} says whether this host
 * has it. Where it is absent the Java 11-21 path (the Perl launcher, {@code /proc} polling) does the same work.
 *
 * <p>Safety: a {@link PidfdProcess} refers to one process for its whole life, so a signal sent through it can never
 * reach a process that reused the PID. A handle is only ever handed out for a process whose start time was checked
 * <em>after</em> its pidfd was opened.
 *
 * <p>Implementations are thread-safe.
 */
interface PidfdProcesses {

    /**
     * Spawns {@code argv} as a new session and process group (the server is this JVM's child): stdin from
     * {@code /dev/null}, stdout and stderr appended to {@code log} (opened by the JVM without following a symbolic
     * link, never blocking on a FIFO, checked to be a regular file owned by this user) or to {@code /dev/null}, every
     * signal at its default disposition and an empty signal mask, in {@code directory} (else the JVM's).
     *
     * @param env the server's whole environment
     * @throws ServerStartException {@link ServerStartException.Reason#FILE_UNUSABLE} when the log is refused (naming
     *         it and the reason), {@link ServerStartException.Reason#EXITED_DURING_START} with exit code 127 or 126
     *         (as a shell reports it) when the program cannot be executed (the reason is also appended to the log),
     *         {@link ServerStartException.Reason#SPAWN_FAILED} otherwise; nothing is left running
     */
    PidfdProcess spawn(List<String> argv, Map<String, String> env, Optional<Path> directory, Optional<Path> log)
            throws IOException;

    /**
     * The handle of the live process {@code pid} whose start time (clock ticks since boot) is {@code startTicks}:
     * the one already held when this layer spawned or opened it before, else a new pidfd, kept only when the start
     * time read <em>after</em> the open is still {@code startTicks}.
     *
     * @return empty when no such process is alive (gone, a zombie, or the PID now names another process)
     */
    Optional<PidfdProcess> open(long pid, long startTicks);

    /** The handle already held for this process, without opening one; no system call. */
    Optional<PidfdProcess> held(long pid, long startTicks);

    /**
     * Whether any process (a zombie included) is in the process group {@code pgid}: {@code kill(-pgid, 0)}, which
     * sends nothing. A group outlives its leader while it has members, and its id is not reused meanwhile.
     */
    boolean groupExists(long pgid);
}
