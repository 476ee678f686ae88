package dev.omega.sessionserver.process;

import java.util.Optional;

/**
 * One process of a server's {@link ProcessTree}: held as a {@link ProcessHandle} (which carries its start time, so a
 * signal through it never reaches a process that reused the PID) with its start ticks from {@code /proc}, or, on the
 * pidfd path, through its pidfd (opened with its start time checked after the open). Immutable; thread-safe as its
 * handle or pidfd is.
 */
final class ProcessTreeMember {

    final ProcessHandle handle; // null when held through a pidfd
    final long startTicks; // -1 without /proc
    final PidfdProcess pidfd; // null: not held through a pidfd

    ProcessTreeMember(ProcessHandle handle, long startTicks) {
        this(handle, startTicks, null);
    }

    ProcessTreeMember(ProcessHandle handle, long startTicks, PidfdProcess pidfd) {
        this.handle = handle;
        this.startTicks = startTicks;
        this.pidfd = pidfd;
    }

    /** Its PID. */
    long pid() {
        return pidfd != null ? pidfd.pid() : handle.pid();
    }

    /** Whether it is still the same process and has not exited (a zombie has). */
    boolean alive() {
        if (pidfd != null) {
            return !pidfd.hasExited();
        }
        if (!ProcFs.available()) {
            return handle.isAlive();
        }
        Optional<ProcFs.Stat> st = ProcFs.stat(handle.pid());
        return st.isPresent() && !st.get().exited() && st.get().startTicks == startTicks;
    }
}
