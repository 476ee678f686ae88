package dev.omega.sessionserver.process;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A process held through its pidfd. The descriptor is closed by {@link PidfdWaiter} once the process has exited (and,
 * for a child, been reaped); the lock on this object keeps a signal from ever using a closed (and perhaps reused)
 * descriptor number. Thread-safe.
 */
final class LinuxPidfdProcess implements PidfdProcess {

    private final Libc c;
    private final long pid;
    private final long startTicks;
    private final boolean child;
    private final CountDownLatch exit = new CountDownLatch(1);
    private int pidfd; // guarded by this; -1 once closed
    private volatile boolean exited;
    private volatile int exitCode = -1; // children only, once reaped

    LinuxPidfdProcess(Libc c, long pid, long startTicks, boolean child, int pidfd) {
        this.c = c;
        this.pid = pid;
        this.startTicks = startTicks;
        this.child = child;
        this.pidfd = pidfd;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public long startTicks() {
        return startTicks;
    }

    @Override
    public boolean isChild() {
        return child;
    }

    @Override
    public synchronized boolean signal(int signal) {
        if (exited || pidfd < 0) {
            return false;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSegment(a);
            int r = (int) c.pidfdSendSignal.invokeExact(err, pidfd, signal, MemorySegment.NULL, 0);
            return r == 0;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public boolean hasExited() {
        return exited;
    }

    @Override
    public boolean awaitExit(long timeoutNanos) {
        if (exited) {
            return true;
        }
        try {
            return exit.await(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return exited;
        }
    }

    @Override
    public OptionalInt exitCode() {
        int code = exitCode;
        return exited && code >= 0 ? OptionalInt.of(code) : OptionalInt.empty();
    }

    /** The descriptor for the waiter's poll; -1 once closed. */
    synchronized int descriptor() {
        return pidfd;
    }

    /**
     * Called by the waiter once the pidfd reported the exit: records the code (-1 unknown), closes the descriptor and
     * wakes every waiting thread.
     */
    void exited(int code) {
        synchronized (this) {
            exitCode = code;
            exited = true;
            if (pidfd >= 0) {
                try {
                    int r = (int) c.close.invokeExact(pidfd);
                } catch (Throwable t) {
                    // the descriptor is gone either way
                }
                pidfd = -1;
            }
        }
        exit.countDown();
    }

    @Override
    public String toString() {
        return "pidfd of pid " + pid + (child ? " (child)" : "") + (exited ? ", exited" : "");
    }
}
