package dev.omega.sessionserver.process;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The C library functions of the pidfd layer, looked up by name in the C library the JVM already uses (no system
 * call numbers), with the Linux constants they take. Only Linux on x86_64 and aarch64 (glibc 2.36 or newer):
 * {@link #load()} says why not elsewhere. Every function that sets {@code errno} captures it with the call.
 *
 * <p>Immutable and thread-safe once loaded.
 */
final class Libc {

    // open(2) flags: the same on x86_64 and aarch64 but O_NOFOLLOW (asm-generic vs x86)
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 01;
    static final int O_CREAT = 0100;
    static final int O_NOCTTY = 0400;
    static final int O_APPEND = 02000;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 02000000;
    final int oNoFollow;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    // posix_spawn flags (glibc's spawn.h)
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;
    // statx(2)
    static final int AT_EMPTY_PATH = 0x1000;
    static final int STATX_TYPE = 0x1;
    static final int STATX_UID = 0x8;
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final long STATX_UID_OFFSET = 20;
    static final long STATX_MODE_OFFSET = 28;
    static final long STATX_SIZE = 256;
    // waitid(2), poll(2)
    static final int P_PID = 1;
    static final int P_PIDFD = 3;
    static final int WEXITED = 4;
    static final int CLD_EXITED = 1;
    static final long SIGINFO_SIZE = 128;
    static final long SIGINFO_CODE_OFFSET = 8;
    static final long SIGINFO_STATUS_OFFSET = 24;
    static final short POLLIN = 0x1;
    static final int EFD_CLOEXEC = O_CLOEXEC;
    // errno values
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int ENOEXEC = 8;
    static final int ECHILD = 10;
    static final int EACCES = 13;
    static final int EMLINK = 31;
    static final int ELOOP = 40;
    static final int ENOSYS = 38;
    /** Generous sizes for glibc's opaque spawn structures (80 and 336 bytes on x86_64). */
    static final long SPAWN_FILE_ACTIONS_SIZE = 256;
    static final long SPAWN_ATTR_SIZE = 1024;
    static final long SIGSET_SIZE = 128;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    final MethodHandle open;
    final MethodHandle close;
    final MethodHandle fcntl;
    final MethodHandle statx;
    final MethodHandle write;
    final MethodHandle read;
    final MethodHandle strerror;
    final MethodHandle geteuid;
    final MethodHandle kill;
    final MethodHandle poll;
    final MethodHandle eventfd;
    final MethodHandle pidfdOpen;
    final MethodHandle pidfdSendSignal;
    final MethodHandle waitid;
    final MethodHandle fileActionsInit;
    final MethodHandle fileActionsDestroy;
    final MethodHandle fileActionsAddOpen;
    final MethodHandle fileActionsAddDup2;
    final MethodHandle fileActionsAddChdir;
    final MethodHandle fileActionsAddCloseFrom;
    final MethodHandle attrInit;
    final MethodHandle attrDestroy;
    final MethodHandle attrSetFlags;
    final MethodHandle attrSetSigMask;
    final MethodHandle attrSetSigDefault;
    final MethodHandle sigEmptySet;
    final MethodHandle posixSpawnp;

    private Libc(SymbolLookup c, int oNoFollow) {
        this.oNoFollow = oNoFollow;
        open = errno(c, "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
        close = plain(c, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        fcntl = errno(c, "fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
        statx = errno(c, "statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), -1);
        write = errno(c, "write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
        read = errno(c, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
        strerror = plain(c, "strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        geteuid = plain(c, "geteuid", FunctionDescriptor.of(JAVA_INT));
        kill = errno(c, "kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
        poll = errno(c, "poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
        eventfd = errno(c, "eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
        pidfdOpen = errno(c, "pidfd_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
        pidfdSendSignal = errno(c, "pidfd_send_signal",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        waitid = errno(c, "waitid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        fileActionsInit = plain(c, "posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        fileActionsDestroy = plain(c, "posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        fileActionsAddOpen = plain(c, "posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        fileActionsAddDup2 = plain(c, "posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        fileActionsAddChdir = plain(c, "posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        fileActionsAddCloseFrom = plain(c, "posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        attrInit = plain(c, "posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        attrDestroy = plain(c, "posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        attrSetFlags = plain(c, "posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
        attrSetSigMask = plain(c, "posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        attrSetSigDefault = plain(c, "posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        sigEmptySet = plain(c, "sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        posixSpawnp = plain(c, "posix_spawnp",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    }

    /**
     * The C library's functions for this platform.
     *
     * @throws UnsupportedOperationException naming what is missing: another system or architecture, or a C library
     *         without one of the functions (glibc before 2.36 has no {@code pidfd_open})
     */
    static Libc load() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            throw new UnsupportedOperationException("this system is " + System.getProperty("os.name")
                    + "; the pidfd process layer is Linux's");
        }
        int noFollow;
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            noFollow = 0400000;
        } else if (arch.equals("aarch64")) {
            noFollow = 0100000;
        } else {
            throw new UnsupportedOperationException("this machine is " + arch
                    + "; the pidfd process layer supports x86_64 and aarch64");
        }
        return new Libc(LINKER.defaultLookup(), noFollow);
    }

    private static MethodHandle plain(SymbolLookup c, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(c, name), fd);
    }

    /** A handle whose first argument is the capture segment for errno ({@code firstVariadic} &lt; 0: not variadic). */
    private static MethodHandle errno(SymbolLookup c, String name, FunctionDescriptor fd, int firstVariadic) {
        Linker.Option capture = Linker.Option.captureCallState("errno");
        return firstVariadic < 0 ? LINKER.downcallHandle(find(c, name), fd, capture)
                : LINKER.downcallHandle(find(c, name), fd, capture, Linker.Option.firstVariadicArg(firstVariadic));
    }

    private static MemorySegment find(SymbolLookup c, String name) {
        Optional<MemorySegment> s = c.find(name);
        if (s.isEmpty()) {
            throw new UnsupportedOperationException("the C library has no " + name
                    + " (the pidfd process layer needs glibc 2.36 or newer)");
        }
        return s.get();
    }

    /** A segment to capture errno in, for one call. */
    static MemorySegment errnoSegment(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errnoOf(MemorySegment captured) {
        return (int) ERRNO.get(captured, 0L);
    }

    /** The system's text for an error number ({@code "No such file or directory"}). */
    String describe(int errno) {
        try {
            MemorySegment s = (MemorySegment) strerror.invokeExact(errno);
            return s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new IllegalStateException(t);
    }

}
