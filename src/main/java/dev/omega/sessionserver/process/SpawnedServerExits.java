package dev.omega.sessionserver.process;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The exit codes of the servers one {@link ProcessManager} spawned. Only this JVM's own child has an exit code to
 * read: an adopted server (started by another JVM, or by the TypeScript tool) has none here.
 *
 * <p>Thread-safe. Queries may wait briefly, at most {@value #REAP_WAIT_MILLIS} ms, for the JDK to reap a child the
 * kernel already reports dead (a zombie), so that a crash is seen with its code at once.
 */
final class SpawnedServerExits {

    static final long REAP_WAIT_MILLIS = 1_000;

    /** The server this instance spawned, while it may still be ours to reap; null otherwise. */
    private volatile Process child;
    /** The last exit of a server this instance spawned: {pid, exit code}; null before any. */
    private volatile long[] lastExit;

    /** Records a server just spawned: its exit code is remembered when it exits. */
    void spawned(Process p) {
        child = p;
        p.onExit().thenAccept(done -> lastExit = new long[] {done.pid(), done.exitValue()});
    }

    /**
     * For a server that exited during its start: waits up to {@code waitMillis} for its exit, records it, and forgets
     * the child.
     *
     * @return its exit code; empty when it did not exit in time or the wait was interrupted (the interrupt status is
     *         kept)
     */
    OptionalInt awaitExitDuringStart(Process p, long waitMillis) {
        OptionalInt code = OptionalInt.empty();
        try {
            if (p.waitFor(waitMillis, TimeUnit.MILLISECONDS)) {
                code = OptionalInt.of(p.exitValue());
                lastExit = new long[] {p.pid(), p.exitValue()};
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        child = null;
        return code;
    }

    /** The exit code of the last server spawned, once it has exited; empty before any exit. */
    OptionalInt last() {
        Process p = child;
        if (p != null) {
            OptionalInt code = exitCodeOfDead(p);
            if (code.isPresent()) {
                return code;
            }
        }
        long[] e = lastExit;
        return e == null ? OptionalInt.empty() : OptionalInt.of((int) e[1]);
    }

    /** The exit code of the spawned server with this PID, once it has exited; empty otherwise. */
    OptionalInt of(long pid) {
        Process p = child;
        if (p != null && p.pid() == pid) {
            OptionalInt code = exitCodeOfDead(p);
            if (code.isPresent()) {
                return code;
            }
        }
        long[] e = lastExit;
        return e != null && e[0] == pid ? OptionalInt.of((int) e[1]) : OptionalInt.empty();
    }

    /** The exit code of a child that has exited (a zombie counts), waiting at most a second for the JDK's reaper. */
    private static OptionalInt exitCodeOfDead(Process p) {
        if (p.isAlive()) {
            Optional<ProcFs.Stat> st = ProcFs.stat(p.pid());
            boolean dead = ProcFs.available() && (st.isEmpty() || st.get().exited());
            if (!dead) {
                return OptionalInt.empty();
            }
            try {
                if (!p.waitFor(REAP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    return OptionalInt.empty();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return OptionalInt.empty();
            }
        }
        return OptionalInt.of(p.exitValue());
    }
}
