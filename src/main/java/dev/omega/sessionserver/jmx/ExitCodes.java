package dev.omega.sessionserver.jmx;

import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import dev.omega.sessionserver.process.ProcessManager;

/**
 * Exit codes of the managed server: how they are described, and which one belongs to the server that just died.
 *
 * <p>The JDK reports a process killed by signal N as exit code 128+N; so does a shell. An exit code from 129 to 192
 * is therefore described as {@code signal N (exit code C)} (a server that calls {@code exit(137)} itself looks the
 * same: nobody can tell them apart).
 *
 * <p>Only the parent of a process can read its exit code: the {@link ProcessManager} knows it, per PID, for a server
 * it spawned ({@link ProcessManager#exitCode(long)}, as soon as the JDK has reaped it). An instance of this class
 * remembers which PID is this JVM's child ({@link #started}), so that a crash of any other server (an adopted one)
 * costs no wait. Thread-safe.
 */
final class ExitCodes {

    /** The value of {@code LastExitCode} (and of {@code exitCode} in notifications) when it is unknown. */
    static final int UNKNOWN = -1;
    /** How long a crash waits at most for the exit code of a server this JVM spawned. */
    private static final long WAIT_MILLIS = 250;
    private static final long POLL_MILLIS = 2;

    private final ProcessManager manager;
    /** The server this JVM spawned (its direct child), whose exit code the ProcessManager collects; -1 if none. */
    private volatile long childPid = -1;

    ExitCodes(ProcessManager manager) {
        this.manager = manager;
    }

    /** {@code exit code 3}, {@code signal 9 (exit code 137)}, or {@code exit code unknown}. */
    static String describe(OptionalInt code) {
        if (code.isEmpty()) {
            return "exit code unknown";
        }
        int c = code.getAsInt();
        int signal = signal(c);
        return signal > 0 ? "signal " + signal + " (exit code " + c + ")" : "exit code " + c;
    }

    /** The signal an exit code stands for (exit codes 129..192), or -1. */
    static int signal(int exitCode) {
        return exitCode > 128 && exitCode <= 128 + 64 ? exitCode - 128 : -1;
    }

    /** Records a newly started server: {@code ourChild} when this JVM is its parent. */
    void started(long pid, boolean ourChild) {
        childPid = ourChild ? pid : -1;
    }

    /** Forgets the child (it was stopped, or its crash was handled). */
    void forget() {
        childPid = -1;
    }

    /**
     * The exit code of {@code pid}, which just died: when it was this JVM's child, waits until the JDK has reaped it
     * (at most {@value #WAIT_MILLIS} ms, usually a few); empty at once for any other server (an adopted one: only its
     * parent can read its code).
     */
    OptionalInt awaitExitCode(long pid) {
        if (childPid != pid) {
            return OptionalInt.empty();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        OptionalInt code = manager.exitCode(pid);
        while (code.isEmpty() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            code = manager.exitCode(pid);
        }
        return code;
    }
}
