package dev.omega.sessionserver.process;

import java.util.OptionalInt;

/**
 * One process held through its pidfd (see {@link PidfdProcesses}). The pidfd is released by the layer's waiter once
 * the process has exited; after that every signal is refused. Thread-safe.
 */
interface PidfdProcess {

    long pid();

    /** Its start time in clock ticks since boot, as checked when the pidfd was opened. */
    long startTicks();

    /** Whether this JVM spawned it (its exit code is then known exactly: the waiter reaps it). */
    boolean isChild();

    /**
     * Sends {@code signal} (a Linux signal number) through the pidfd: it can only reach this process.
     *
     * @return whether it was sent; false once the process has exited (it is not signalled then)
     */
    boolean signal(int signal);

    /** Whether the process has exited, as the waiter learned it from the pidfd: no system call. */
    boolean hasExited();

    /**
     * Waits up to {@code timeoutNanos} for the exit. An interrupt ends the wait early (the interrupt status is kept).
     *
     * @return whether it has exited
     */
    boolean awaitExit(long timeoutNanos);

    /**
     * The exit code, once a child has exited and was reaped: its exit status, or 128 plus the signal that killed it.
     * Empty while it runs, and for a process this JVM did not spawn.
     */
    OptionalInt exitCode();
}
