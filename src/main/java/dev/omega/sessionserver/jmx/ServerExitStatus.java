package dev.omega.sessionserver.jmx;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

import dev.omega.sessionserver.process.ProcessManager;

/**
 * A managed server's exit status as this host sees it: how an exit code is described, and which code belongs to the
 * server that just died.
 *
 * <p>The JDK reports a process killed by signal N as exit code 128+N; so does a shell. An exit code from 129 to 192
 * is therefore described as {@code signal N (exit code C)} (a server that calls {@code exit(137)} itself looks the
 * same: nobody can tell them apart).
 *
 * <p>Only the parent of a process can read its exit code: for a server it spawned, the {@link ProcessManager} learns it
 * from the launcher's waiting process, which writes it beside the PID file ({@link ProcessManager#exitCode(long)}, as
 * soon as that file is there). An instance of this class remembers which PID this manager spawned ({@link #started}),
 * so that a crash of any other server (an adopted one) costs no wait, and {@link #awaitExitCode} answers within {@value #WAIT_MILLIS} ms in all: one deadline for the whole
 * wait, however long a single look-up blocks. Thread-safe.
 */
final class ServerExitStatus {

    /** The value of {@code LastExitCode} (and of {@code exitCode} in notifications) when it is unknown. */
    static final int UNKNOWN = -1;
    /** How long {@link #awaitExitCode} waits at most, in all, for the exit code of a server this JVM spawned. */
    static final long WAIT_MILLIS = 250;
    private static final long POLL_MILLIS = 2;

    /** The exit code of a PID, when known; may block (ProcessManager#exitCode waits up to a second for the reaper). */
    private final LongFunction<OptionalInt> exitCodeOf;
    /** The server this JVM spawned (its direct child), whose exit code {@link #exitCodeOf} knows; -1 if none. */
    private final AtomicLong childPid = new AtomicLong(-1);

    /** Reads exit codes from {@code manager} ({@link ProcessManager#exitCode(long)}). */
    ServerExitStatus(ProcessManager manager) {
        this(manager::exitCode);
    }

    /** Reads exit codes with {@code exitCodeOf}, which may block; {@link #awaitExitCode} bounds the wait. */
    ServerExitStatus(LongFunction<OptionalInt> exitCodeOf) {
        this.exitCodeOf = exitCodeOf;
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
        childPid.set(ourChild ? pid : -1);
    }

    /** Forgets the child (it was stopped). */
    void forget() {
        childPid.set(-1);
    }

    /** Forgets the child if it is still {@code pid} (its crash was handled; a newer start is kept). */
    void forget(long pid) {
        childPid.compareAndSet(pid, -1);
    }

    /**
     * The exit code of {@code pid}, which just died: when this manager spawned it, waits until its exit status is
     * known, at most {@value #WAIT_MILLIS} ms in all (usually a few), then empty; empty at once for any other server (an
     * adopted one: only its parent can read its code). The look-ups run on a short-lived daemon thread, so that one
     * that blocks longer than the deadline does not hold up the caller (it ends by itself, its answer unused).
     * Interrupted: empty, with the interrupt status kept.
     */
    OptionalInt awaitExitCode(long pid) {
        if (childPid.get() != pid) {
            return OptionalInt.empty();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        CompletableFuture<OptionalInt> answer = new CompletableFuture<>();
        Thread lookup = new Thread(() -> poll(pid, deadline, answer), "session-server-exit-status-" + pid);
        lookup.setDaemon(true);
        lookup.start();
        try {
            return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        } finally {
            answer.complete(OptionalInt.empty()); // tells the look-up thread to stop
        }
    }

    private void poll(long pid, long deadline, CompletableFuture<OptionalInt> answer) {
        try {
            while (!answer.isDone()) {
                OptionalInt code = exitCodeOf.apply(pid);
                if (code.isPresent() || System.nanoTime() - deadline >= 0) {
                    answer.complete(code);
                    return;
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            answer.complete(OptionalInt.empty());
        } catch (RuntimeException e) {
            answer.completeExceptionally(e);
        }
    }
}
