package dev.omega.sessionserver.process;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PID file checked against the kernel: no file, our live server, a stale file (dead process, reused PID, invalid
 * content) or a foreign process. A file with identity is ours only when the live process has the recorded start
 * time; a file with the PID line alone (as the TypeScript tool writes it) only when the live process's command line
 * is the configured server's ({@link ServerCommandLine#isServer(long, List)}).
 *
 * <p>Reads only: it never writes or deletes the file and never signals. Thread-safe as far as {@link PidFile#read()}
 * is; callers that act on the answer hold the {@link PidFileLock}.
 */
final class PidFileCheck {

    private static final Logger LOG = LoggerFactory.getLogger(PidFileCheck.class);

    /** What the PID file says, checked against the kernel. */
    static final class Result {
        enum Kind { NONE, MANAGED, STALE, FOREIGN }

        static final Result NONE = new Result(Kind.NONE, null, false, null);

        final Kind kind;
        /** The live managed process; null unless {@link Kind#MANAGED}. */
        final ProcessIdentity identity;
        /** Managed, from a file without identity: the identity is worth recording now. */
        final boolean adoptedWithoutIdentity;
        /** Why the file is stale or foreign; null otherwise. */
        final String problem;

        private Result(Kind kind, ProcessIdentity identity, boolean adoptedWithoutIdentity, String problem) {
            this.kind = kind;
            this.identity = identity;
            this.adoptedWithoutIdentity = adoptedWithoutIdentity;
            this.problem = problem;
        }

        boolean managed() {
            return kind == Kind.MANAGED;
        }
    }

    private final PidFile pidFile;
    private final ServerCommandLine commandLine;

    PidFileCheck(PidFile pidFile, ServerCommandLine commandLine) {
        this.pidFile = pidFile;
        this.commandLine = commandLine;
    }

    /**
     * Reads the file and checks it.
     *
     * @throws IOException when the file cannot be read or is a symbolic link
     */
    Result check() throws IOException {
        PidFile.Contents c = pidFile.read();
        switch (c.kind) {
            case ABSENT:
                return Result.NONE;
            case INVALID:
                return new Result(Result.Kind.STALE, null, false, c.problem);
            case IDENTIFIED: {
                Optional<PidfdProcess> held = heldByPidfd(c.identity);
                if (held.isPresent()) { // the waiter's event says whether it lives: no /proc read
                    return held.get().hasExited() ? notRunning(c.pid)
                            : new Result(Result.Kind.MANAGED, c.identity, false, null);
                }
                Optional<ProcessIdentity> live = ProcessIdentity.of(c.pid);
                if (live.isEmpty()) {
                    return notRunning(c.pid);
                }
                if (!c.identity.sameProcessAs(live.get())) {
                    return new Result(Result.Kind.STALE, null, false, "PID file " + pidFile.path() + " names pid "
                            + c.pid + ", which now belongs to another process (recorded " + c.identity + ", live "
                            + live.get() + "): the PID was reused");
                }
                holdByPidfd(c.identity);
                return new Result(Result.Kind.MANAGED, c.identity, false, null);
            }
            case PID_ONLY:
            default: {
                Optional<ProcessIdentity> live = ProcessIdentity.of(c.pid);
                if (live.isEmpty()) {
                    return notRunning(c.pid);
                }
                List<String> cmd = ServerCommandLine.liveCommandLine(c.pid);
                if (commandLine.isServer(c.pid, cmd)) {
                    holdByPidfd(live.get());
                    return new Result(Result.Kind.MANAGED, live.get(), true, null);
                }
                return new Result(Result.Kind.FOREIGN, null, false, "PID file " + pidFile.path()
                        + " (no identity recorded) names pid " + c.pid + ", which runs " + cmd
                        + ", not the configured server " + commandLine.launchCommand() + "; it is left alone");
            }
        }
    }

    /** {@link #check()}, with an unreadable file (or a symbolic link) reported as foreign: never throws. */
    Result checkQuietly() {
        try {
            return check();
        } catch (IOException e) {
            LOG.warn("cannot read PID file {}: {}", pidFile.path(), e.getMessage());
            return new Result(Result.Kind.FOREIGN, null, false, "PID file unreadable: " + e.getMessage());
        }
    }

    /** The pidfd the layer already holds for this identity, if any; no system call. */
    private static Optional<PidfdProcess> heldByPidfd(ProcessIdentity id) {
        if (id.startTicks() < 0 || !id.bootId().equals(ProcFs.bootId())) {
            return Optional.empty();
        }
        return PidfdSupport.layer().flatMap(l -> l.held(id.pid(), id.startTicks()));
    }

    /**
     * Holds a pidfd for an adopted server just identified, where the layer exists: the start time is checked again
     * after the open, so the pidfd is that process's (else nothing is held, and the next check reads /proc again).
     */
    private static void holdByPidfd(ProcessIdentity id) {
        if (id.startTicks() >= 0) {
            PidfdSupport.layer().ifPresent(l -> l.open(id.pid(), id.startTicks()));
        }
    }

    private Result notRunning(long pid) {
        return new Result(Result.Kind.STALE, null, false,
                "PID file " + pidFile.path() + " names pid " + pid + ", which is not running");
    }
}
