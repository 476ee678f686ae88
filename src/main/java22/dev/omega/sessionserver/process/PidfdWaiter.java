package dev.omega.sessionserver.process;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that learns of every held process's exit: it polls all pidfds together with an {@code eventfd}
 * that wakes it when the set changes, reaps this JVM's children with {@code waitid(P_PIDFD)} (so their exit codes are
 * exact and no zombie is left), then hands the process to {@link LinuxPidfdProcess#exited(int)}. It is a daemon thread
 * named {@value #THREAD_NAME}, started with the first process watched; it never stops on a failure (it logs it and
 * polls again). Thread-safe.
 */
final class PidfdWaiter implements Runnable {

    static final String THREAD_NAME = "session-server-pidfd-waiter";
    private static final Logger LOG = LoggerFactory.getLogger(PidfdWaiter.class);

    private final Libc c;
    private final int wakeFd;
    private final Consumer<LinuxPidfdProcess> onExit;
    private final Object lock = new Object();
    private final List<LinuxPidfdProcess> added = new ArrayList<>(); // guarded by lock
    private Thread thread; // guarded by lock

    /**
     * @param onExit told of each exit after the process has its code (the layer forgets it there)
     * @throws IllegalStateException when no eventfd can be had
     */
    PidfdWaiter(Libc c, Consumer<LinuxPidfdProcess> onExit) {
        this.c = c;
        this.onExit = onExit;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSegment(a);
            int fd = (int) c.eventfd.invokeExact(err, 0, Libc.EFD_CLOEXEC);
            if (fd < 0) {
                throw new IllegalStateException("eventfd: " + c.describe(Libc.errnoOf(err)));
            }
            wakeFd = fd;
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Watches {@code p} from now on; its exit reaches {@link LinuxPidfdProcess#exited(int)} within microseconds. */
    void watch(LinuxPidfdProcess p) {
        synchronized (lock) {
            added.add(p);
            if (thread == null) {
                thread = new Thread(this, THREAD_NAME);
                thread.setDaemon(true);
                thread.start();
            }
        }
        wake();
    }

    private void wake() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            long n = (long) c.write.invokeExact(Libc.errnoSegment(a), wakeFd, one, 8L);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public void run() {
        List<LinuxPidfdProcess> watched = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSegment(arena);
            MemorySegment counter = arena.allocate(JAVA_LONG);
            MemorySegment info = arena.allocate(Libc.SIGINFO_SIZE, 8);
            MemorySegment fds = arena.allocate(8L * 64, 8);
            int capacity = 64;
            while (true) {
                try {
                    synchronized (lock) {
                        watched.addAll(added);
                        added.clear();
                    }
                    if (watched.size() + 1 > capacity) {
                        capacity = Math.max(capacity * 2, watched.size() + 1);
                        fds = Arena.ofAuto().allocate(8L * capacity, 8);
                    }
                    fds.set(JAVA_INT, 0, wakeFd);
                    fds.set(JAVA_SHORT, 4, Libc.POLLIN);
                    fds.set(JAVA_SHORT, 6, (short) 0);
                    for (int i = 0; i < watched.size(); i++) {
                        fds.set(JAVA_INT, 8L * (i + 1), watched.get(i).descriptor());
                        fds.set(JAVA_SHORT, 8L * (i + 1) + 4, Libc.POLLIN);
                        fds.set(JAVA_SHORT, 8L * (i + 1) + 6, (short) 0);
                    }
                    int n = (int) c.poll.invokeExact(err, fds, (long) watched.size() + 1, -1);
                    if (n < 0) {
                        if (Libc.errnoOf(err) != Libc.EINTR) {
                            LOG.warn("pidfd waiter: poll failed: {}", c.describe(Libc.errnoOf(err)));
                        }
                        continue;
                    }
                    if (fds.get(JAVA_SHORT, 6) != 0) {
                        long r = (long) c.read.invokeExact(err, wakeFd, counter, 8L);
                    }
                    for (int i = watched.size() - 1; i >= 0; i--) {
                        if (fds.get(JAVA_SHORT, 8L * (i + 1) + 6) == 0) {
                            continue;
                        }
                        LinuxPidfdProcess p = watched.remove(i);
                        p.exited(p.isChild() ? reap(p, info, err) : -1);
                        onExit.accept(p);
                    }
                } catch (Throwable t) {
                    LOG.error("pidfd waiter: {} (it keeps watching)", t.toString(), t);
                }
            }
        }
    }

    /** Reaps an exited child through its pidfd: its exit status, or 128 plus its signal; -1 when unknown. */
    private int reap(LinuxPidfdProcess p, MemorySegment info, MemorySegment err) throws Throwable {
        int fd = p.descriptor();
        while (true) {
            info.fill((byte) 0);
            int r = (int) c.waitid.invokeExact(err, Libc.P_PIDFD, fd, info, Libc.WEXITED);
            if (r == 0) {
                int code = info.get(JAVA_INT, Libc.SIGINFO_CODE_OFFSET);
                int status = info.get(JAVA_INT, Libc.SIGINFO_STATUS_OFFSET);
                return code == Libc.CLD_EXITED ? status & 0xff : 128 + status;
            }
            int e = Libc.errnoOf(err);
            if (e != Libc.EINTR) {
                LOG.debug("pidfd waiter: waitid for pid {}: {}", p.pid(), c.describe(e)); // reaped by someone else
                return -1;
            }
        }
    }
}
