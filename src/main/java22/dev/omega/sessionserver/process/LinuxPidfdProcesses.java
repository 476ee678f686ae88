package dev.omega.sessionserver.process;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link PidfdProcesses} on Linux through the Foreign Function &amp; Memory API: {@code posix_spawnp} with
 * {@code POSIX_SPAWN_SETSID}, {@code pidfd_open}, {@code pidfd_send_signal}, and one {@link PidfdWaiter}. What a spawn
 * does, in this order, all in the calling thread:
 * <ol>
 * <li>opens the log {@code O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW|O_NOCTTY|O_NONBLOCK|O_CLOEXEC}, mode {@code 0644} (the
 * umask can only remove bits): a symbolic link is refused by the kernel, a FIFO never blocks; then {@code statx} on
 * the descriptor: a regular file owned by the effective user, else refused; then clears {@code O_NONBLOCK};</li>
 * <li>{@code posix_spawnp} with file actions (stdin {@code /dev/null}, the log on stdout and stderr, every other
 * descriptor closed, the working directory) and attributes (a new session, every signal at its default, glibc's
 * internal ones included, and an empty mask). glibc reports an exec failure as the spawn's result, so a missing program is known at once;</li>
 * <li>{@code pidfd_open} of the child, whose PID cannot be reused before this JVM reaps it; the waiter watches it
 * from then on.</li>
 * </ol>
 * Thread-safe.
 */
final class LinuxPidfdProcesses implements PidfdProcesses {

    private static final int SIGKILL = 9;
    private final Libc c;
    private final PidfdWaiter waiter;
    private final int euid;
    /** Every process held and not yet exited, by PID. */
    private final Map<Long, LinuxPidfdProcess> held = new ConcurrentHashMap<>();

    LinuxPidfdProcesses(Libc c) {
        this.c = c;
        this.waiter = new PidfdWaiter(c, p -> held.remove(p.pid(), p));
        try {
            this.euid = (int) c.geteuid.invokeExact();
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Proves that this kernel has pidfds: a pidfd of this JVM is opened and closed.
     *
     * @throws UnsupportedOperationException naming the reason (a kernel before 5.3 has no {@code pidfd_open})
     */
    void probe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSegment(a);
            int fd = (int) c.pidfdOpen.invokeExact(err, (int) ProcessHandle.current().pid(), 0);
            if (fd < 0) {
                throw new UnsupportedOperationException("pidfd_open failed (" + c.describe(Libc.errnoOf(err))
                        + "): the pidfd process layer needs Linux 5.4 or newer");
            }
            int r = (int) c.close.invokeExact(fd);
        } catch (UnsupportedOperationException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public PidfdProcess spawn(List<String> argv, Map<String, String> env, Optional<Path> directory,
            Optional<Path> log) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            int logFd = log.isPresent() ? openLog(a, log.get()) : -1;
            int pid;
            try {
                pid = posixSpawn(a, argv, env, directory, logFd);
            } catch (ServerStartException e) {
                if (logFd >= 0 && e.exitCode().isPresent()) {
                    appendLine(a, logFd, "cannot execute " + argv.get(0) + ": " + e.getCause().getMessage());
                }
                throw e;
            } finally {
                if (logFd >= 0) {
                    int r = (int) c.close.invokeExact(logFd);
                }
            }
            return child(a, pid, argv);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The log's descriptor, checked; the messages are those of the Java 11-21 launcher. */
    private int openLog(Arena a, Path log) throws Throwable {
        MemorySegment err = Libc.errnoSegment(a);
        int flags = Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | c.oNoFollow | Libc.O_NOCTTY | Libc.O_NONBLOCK
                | Libc.O_CLOEXEC;
        int fd = (int) c.open.invokeExact(err, a.allocateFrom(log.toString()), flags, 0644);
        if (fd < 0) {
            int e = Libc.errnoOf(err);
            throw refusedLog(log, e == Libc.ELOOP || e == Libc.EMLINK
                    ? "it is a symbolic link, which is never written through"
                    : e == Libc.ENXIO ? "it is a FIFO or socket, not a regular file" : c.describe(e));
        }
        boolean ok = false;
        try {
            MemorySegment stx = a.allocate(Libc.STATX_SIZE, 8);
            int r = (int) c.statx.invokeExact(err, fd, a.allocateFrom(""), Libc.AT_EMPTY_PATH,
                    Libc.STATX_TYPE | Libc.STATX_UID, stx);
            if (r != 0) {
                throw refusedLog(log, "statx: " + c.describe(Libc.errnoOf(err)));
            }
            int mode = Short.toUnsignedInt(stx.get(java.lang.foreign.ValueLayout.JAVA_SHORT, Libc.STATX_MODE_OFFSET));
            int uid = stx.get(JAVA_INT, Libc.STATX_UID_OFFSET);
            if ((mode & Libc.S_IFMT) != Libc.S_IFREG) {
                throw refusedLog(log, "it is not a regular file");
            }
            if (uid != euid) {
                throw refusedLog(log, "it belongs to uid " + Integer.toUnsignedString(uid) + ", not to uid "
                        + Integer.toUnsignedString(euid));
            }
            int fl = (int) c.fcntl.invokeExact(err, fd, Libc.F_GETFL, 0);
            if (fl < 0 || (int) c.fcntl.invokeExact(err, fd, Libc.F_SETFL, fl & ~Libc.O_NONBLOCK) < 0) {
                throw refusedLog(log, "fcntl: " + c.describe(Libc.errnoOf(err)));
            }
            ok = true;
            return fd;
        } finally {
            if (!ok) {
                int r = (int) c.close.invokeExact(fd);
            }
        }
    }

    private static ServerStartException refusedLog(Path log, String why) {
        return new ServerStartException(ServerStartException.Reason.FILE_UNUSABLE,
                "refusing to use log file '" + log + "': " + why + "; nothing was started", OptionalInt.empty(), "",
                null);
    }

    /** Spawns and returns the child's PID. */
    private int posixSpawn(Arena a, List<String> argv, Map<String, String> env, Optional<Path> directory, int logFd)
            throws Throwable {
        MemorySegment fa = a.allocate(Libc.SPAWN_FILE_ACTIONS_SIZE, 16);
        MemorySegment attr = a.allocate(Libc.SPAWN_ATTR_SIZE, 16);
        check((int) c.fileActionsInit.invokeExact(fa), "posix_spawn_file_actions_init");
        try {
            check((int) c.attrInit.invokeExact(attr), "posix_spawnattr_init");
            try {
                MemorySegment devNull = a.allocateFrom("/dev/null");
                check((int) c.fileActionsAddOpen.invokeExact(fa, 0, devNull, Libc.O_RDONLY, 0), "addopen");
                if (logFd >= 0) {
                    check((int) c.fileActionsAddDup2.invokeExact(fa, logFd, 1), "adddup2");
                    check((int) c.fileActionsAddDup2.invokeExact(fa, logFd, 2), "adddup2");
                } else {
                    check((int) c.fileActionsAddOpen.invokeExact(fa, 1, devNull, Libc.O_WRONLY, 0), "addopen");
                    check((int) c.fileActionsAddDup2.invokeExact(fa, 1, 2), "adddup2");
                }
                // the JDK opens many descriptors without close-on-exec (the PID file's lock among them)
                check((int) c.fileActionsAddCloseFrom.invokeExact(fa, 3), "addclosefrom_np");
                if (directory.isPresent()) {
                    check((int) c.fileActionsAddChdir.invokeExact(fa, a.allocateFrom(directory.get().toString())),
                            "addchdir_np");
                }
                check((int) c.attrSetFlags.invokeExact(attr,
                        (short) (Libc.POSIX_SPAWN_SETSID | Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF)),
                        "posix_spawnattr_setflags");
                MemorySegment none = a.allocate(Libc.SIGSET_SIZE, 8);
                MemorySegment all = a.allocate(Libc.SIGSET_SIZE, 8);
                check((int) c.sigEmptySet.invokeExact(none), "sigemptyset");
                // every bit set, not sigfillset: that leaves out glibc's two internal signals (32 and 33), which
                // glibc's posix_spawn would then set to SIG_IGN in the child, and an exec keeps what is ignored
                all.fill((byte) 0xff);
                check((int) c.attrSetSigMask.invokeExact(attr, none), "posix_spawnattr_setsigmask");
                check((int) c.attrSetSigDefault.invokeExact(attr, all), "posix_spawnattr_setsigdefault");
                MemorySegment pid = a.allocate(JAVA_INT);
                int rc = (int) c.posixSpawnp.invokeExact(pid, a.allocateFrom(argv.get(0)), fa, attr,
                        strings(a, argv), strings(a, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                                .toList()));
                if (rc != 0) {
                    throw spawnFailed(argv, rc);
                }
                return pid.get(JAVA_INT, 0);
            } finally {
                int r = (int) c.attrDestroy.invokeExact(attr);
            }
        } finally {
            int r = (int) c.fileActionsDestroy.invokeExact(fa);
        }
    }

    private ServerStartException spawnFailed(List<String> argv, int errno) {
        String why = c.describe(errno);
        if (errno == Libc.ENOENT || errno == Libc.EACCES || errno == Libc.ENOEXEC) {
            int code = errno == Libc.ENOENT ? 127 : 126;
            return new ServerStartException(ServerStartException.Reason.EXITED_DURING_START,
                    "session server could not be executed: " + argv.get(0) + ": " + why + " (exit code " + code
                            + ", as a shell reports it; the executor or script could not be run: is it installed and"
                            + " on the PATH?)",
                    OptionalInt.of(code), "", new IOException(why));
        }
        return new ServerStartException(ServerStartException.Reason.SPAWN_FAILED,
                "could not launch " + argv + ": posix_spawn: " + why + "; nothing was started", OptionalInt.empty(),
                "", new IOException(why));
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed with error " + rc);
        }
    }

    private static MemorySegment strings(Arena a, List<String> values) {
        MemorySegment array = a.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, a.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private void appendLine(Arena a, int fd, String line) throws Throwable {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        MemorySegment buf = a.allocate(bytes.length);
        MemorySegment.copy(bytes, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
        long n = (long) c.write.invokeExact(Libc.errnoSegment(a), fd, buf, (long) bytes.length);
    }

    /** Holds the child just spawned through its pidfd; its PID is pinned until this JVM reaps it. */
    private PidfdProcess child(Arena a, int pid, List<String> argv) throws Throwable {
        MemorySegment err = Libc.errnoSegment(a);
        int fd = (int) c.pidfdOpen.invokeExact(err, pid, 0);
        if (fd < 0) {
            // no pidfd (out of descriptors): the child is ours and unreaped, so its PID is still its own
            String why = c.describe(Libc.errnoOf(err));
            int r = (int) c.kill.invokeExact(err, pid, SIGKILL);
            MemorySegment info = a.allocate(Libc.SIGINFO_SIZE, 8);
            r = (int) c.waitid.invokeExact(err, Libc.P_PID, pid, info, Libc.WEXITED);
            throw new ServerStartException(ServerStartException.Reason.SPAWN_FAILED, "could not launch " + argv
                    + ": pidfd_open: " + why + "; the spawned process was killed", OptionalInt.empty(), "", null);
        }
        long ticks = ProcFs.stat(pid).map(st -> st.startTicks).orElse(-1L);
        LinuxPidfdProcess p = new LinuxPidfdProcess(c, pid, ticks, true, fd);
        held.put((long) pid, p);
        waiter.watch(p);
        return p;
    }

    @Override
    public Optional<PidfdProcess> open(long pid, long startTicks) {
        Optional<PidfdProcess> known = held(pid, startTicks);
        if (known.isPresent() || pid <= 0 || pid > Integer.MAX_VALUE) {
            return known;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSegment(a);
            int fd = (int) c.pidfdOpen.invokeExact(err, (int) pid, 0);
            if (fd < 0) {
                return Optional.empty();
            }
            // the pidfd names one process from now on: it is that one only when its start time is still the same
            Optional<ProcFs.Stat> st = ProcFs.stat(pid);
            if (st.isEmpty() || st.get().exited() || st.get().startTicks != startTicks) {
                int r = (int) c.close.invokeExact(fd);
                return Optional.empty();
            }
            LinuxPidfdProcess p = new LinuxPidfdProcess(c, pid, startTicks, false, fd);
            LinuxPidfdProcess earlier = held.putIfAbsent(pid, p);
            if (earlier != null) {
                int r = (int) c.close.invokeExact(fd);
                return earlier.startTicks() == startTicks && !earlier.hasExited() ? Optional.of(earlier)
                        : Optional.empty();
            }
            waiter.watch(p);
            return Optional.of(p);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public Optional<PidfdProcess> held(long pid, long startTicks) {
        LinuxPidfdProcess p = held.get(pid);
        return p != null && p.startTicks() == startTicks && !p.hasExited() ? Optional.of(p) : Optional.empty();
    }

    @Override
    public boolean groupExists(long pgid) {
        if (pgid <= 1 || pgid > Integer.MAX_VALUE) {
            return true; // never probed: unknown counts as present
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = Libc.errnoSegment(a);
            int r = (int) c.kill.invokeExact(err, (int) -pgid, 0);
            return r == 0 || Libc.errnoOf(err) != Libc.ESRCH;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
