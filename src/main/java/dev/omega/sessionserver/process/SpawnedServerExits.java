package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The exit codes of the servers one {@link ProcessManager} spawned, and of adopted ones when they can be known.
 *
 * <p>A server launched through the Perl launcher is not this JVM's child (so the JDK keeps no {@code process reaper}
 * thread for it): its parent is a small shim that waits for it and writes its wait status to the <em>exit file</em>
 * beside the PID file, {@code <pidFile>.exit}:
 * <pre>
 * pid=12345
 * start-ticks=4711
 * wait-status=3840
 * </pre>
 * An exit file counts only for the process it names: its PID and start ticks must be those of the server asked
 * about (start ticks {@code -1}, where there is no {@code /proc}, match on the PID alone). The code is the exit
 * status, or 128 plus the signal number for a server killed by a signal (as {@link Process#exitValue()} says).
 * Without Perl, the server is this JVM's child and its code comes from the JDK. Through the pidfd layer (Java 22+,
 * {@link PidfdSupport}) it is this JVM's child too, reaped by the layer's waiter the moment it exits: its code is
 * exact and known at once, and no exit file is written (an adopted server's code is then unknown).
 *
 * <p>Adopted servers (started by an earlier host through the same launcher) have exit codes too, when their shim
 * wrote the exit file: a server found through the PID file is remembered ({@link #adopted}) and its exit file is
 * read like a spawned server's. A server started by an older version or by the TypeScript tool has none.
 *
 * <p>Thread-safe. Queries may wait briefly, at most {@value #REAP_WAIT_MILLIS} ms, for the exit file of a server the
 * kernel already reports gone (the shim writes it within a millisecond of the exit), so that a crash is seen with its
 * code at once.
 */
final class SpawnedServerExits {

    static final long REAP_WAIT_MILLIS = 1_000;
    private static final long FILE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int MAX_EXIT_FILE_BYTES = 1024;

    /**
     * A server whose exit is asked about: its PID, start ticks (-1 unknown), and the JDK's process or the pidfd when
     * it is this JVM's child.
     */
    private static final class Server {
        final long pid;
        final long startTicks;
        final Process child; // null: not the JDK's child
        final PidfdProcess pidfd; // null: not spawned by the pidfd layer

        Server(long pid, long startTicks, Process child, PidfdProcess pidfd) {
            this.pid = pid;
            this.startTicks = startTicks;
            this.child = child;
            this.pidfd = pidfd;
        }
    }

    private final Path exitFile;
    /** The server this instance spawned last; null before any. */
    private volatile Server spawned;
    /** The server last found through the PID file, when this instance did not spawn it; null otherwise. */
    private volatile Server adopted;
    /** The last exit of a server this instance spawned: {pid, exit code}; null before any. */
    private volatile long[] lastExit;
    /** The last exit read for an adopted server: {pid, exit code}; null before any. */
    private volatile long[] adoptedExit;

    SpawnedServerExits(Path pidFile) {
        this.exitFile = exitFileOf(pidFile);
    }

    /** The exit file beside a PID file: {@code <pidFile>.exit}. */
    static Path exitFileOf(Path pidFile) {
        Path name = pidFile.getFileName();
        Path exit = Paths.get(name + ".exit");
        Path parent = pidFile.getParent();
        return parent == null ? exit : parent.resolve(exit);
    }

    /** Where the shim writes the exit status of the servers this instance spawns. */
    Path exitFile() {
        return exitFile;
    }

    /**
     * Before a spawn (under the PID file's lock): removes the exit file of an earlier server, so that the next one
     * read is the new server's. A file that is refused (a symbolic link, another user's) is left: it never matches a
     * server that is not its own, and the shim's rename replaces it (a link itself, never its target).
     */
    void spawning() {
        try {
            SafeFiles.checkExisting(exitFile, "exit file");
            java.nio.file.Files.deleteIfExists(exitFile);
        } catch (IOException e) {
            // left as it is: see above
        }
    }

    /** Records a server just spawned, with its start ticks (-1 when unknown). */
    void spawned(ServerLauncher.Launched launched, long startTicks) {
        spawned = new Server(launched.pid(), startTicks, launched.child().orElse(null),
                launched.pidfd().orElse(null));
        launched.child().ifPresent(p -> p.onExit().thenAccept(done -> lastExit = new long[] {done.pid(),
                done.exitValue()}));
    }

    /** Whether the last server this instance spawned has this PID. */
    boolean isSpawned(long pid) {
        Server s = spawned;
        return s != null && s.pid == pid;
    }

    /** Records a server found running through the PID file: its exit code is read from its exit file. */
    void adopted(ProcessIdentity id) {
        Server s = spawned;
        if (s != null && s.pid == id.pid()) {
            return;
        }
        Server a = adopted;
        if (a == null || a.pid != id.pid() || a.startTicks != id.startTicks()) {
            adopted = new Server(id.pid(), id.startTicks(), null, null);
        }
    }

    /**
     * For a server that exited during its start: waits up to {@code waitMillis} for its exit code, and records it.
     *
     * @return its exit code; empty when it was not known in time or the wait was interrupted (the interrupt status is
     *         kept)
     */
    OptionalInt awaitExitDuringStart(long pid, long waitMillis) {
        Server s = spawned;
        if (s == null || s.pid != pid) {
            return OptionalInt.empty();
        }
        OptionalInt code = awaitCode(s, waitMillis);
        code.ifPresent(c -> lastExit = new long[] {pid, c});
        return code;
    }

    /** The exit code of the last server spawned, once it has exited; empty before any exit. */
    OptionalInt last() {
        Server s = spawned;
        if (s != null) {
            long[] e = lastExit;
            if (e != null && e[0] == s.pid) {
                return OptionalInt.of((int) e[1]);
            }
            OptionalInt code = codeOfGone(s);
            if (code.isPresent()) {
                lastExit = new long[] {s.pid, code.getAsInt()};
                return code;
            }
        }
        long[] e = lastExit;
        return e == null ? OptionalInt.empty() : OptionalInt.of((int) e[1]);
    }

    /** The exit code of the spawned (or adopted) server with this PID, once it has exited; empty otherwise. */
    OptionalInt of(long pid) {
        Server s = spawned;
        if (s != null && s.pid == pid) {
            long[] e = lastExit;
            if (e != null && e[0] == pid) {
                return OptionalInt.of((int) e[1]);
            }
            OptionalInt code = codeOfGone(s);
            code.ifPresent(c -> lastExit = new long[] {pid, c});
            return code;
        }
        Server a = adopted;
        if (a != null && a.pid == pid) {
            long[] e = adoptedExit;
            if (e != null && e[0] == pid) {
                return OptionalInt.of((int) e[1]);
            }
            OptionalInt code = codeOfGone(a);
            code.ifPresent(c -> adoptedExit = new long[] {pid, c});
            return code;
        }
        long[] e = lastExit;
        return e != null && e[0] == pid ? OptionalInt.of((int) e[1]) : OptionalInt.empty();
    }

    /** The code of a server the kernel reports gone (a zombie counts), waiting at most a second for it. */
    private OptionalInt codeOfGone(Server s) {
        if (!gone(s)) {
            return OptionalInt.empty();
        }
        return awaitCode(s, REAP_WAIT_MILLIS);
    }

    private static boolean gone(Server s) {
        if (s.pidfd != null) {
            return s.pidfd.hasExited();
        }
        if (!ProcFs.available()) {
            return s.child != null ? !s.child.isAlive() : ProcessHandle.of(s.pid).map(h -> !h.isAlive()).orElse(true);
        }
        Optional<ProcFs.Stat> st = ProcFs.stat(s.pid);
        return st.isEmpty() || st.get().exited() || (s.startTicks >= 0 && st.get().startTicks != s.startTicks);
    }

    /** Waits up to {@code waitMillis} for the server's code: from the JDK for a child, else from the exit file. */
    private OptionalInt awaitCode(Server s, long waitMillis) {
        if (s.pidfd != null) {
            s.pidfd.awaitExit(TimeUnit.MILLISECONDS.toNanos(waitMillis));
            return s.pidfd.exitCode();
        }
        if (s.child != null) {
            try {
                if (s.child.waitFor(waitMillis, TimeUnit.MILLISECONDS)) {
                    return OptionalInt.of(s.child.exitValue());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return OptionalInt.empty();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (true) {
            OptionalInt code = readExitFile(s);
            if (code.isPresent() || System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                return code;
            }
            LockSupport.parkNanos(FILE_POLL_NANOS);
        }
    }

    /** The code the exit file records for this server; empty when it is missing, another process's, or refused. */
    private OptionalInt readExitFile(Server s) {
        String text;
        try (FileChannel ch = FileChannel.open(exitFile, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (SafeFiles.problem(exitFile).isPresent()) {
                return OptionalInt.empty();
            }
            ByteBuffer buf = ByteBuffer.allocate(MAX_EXIT_FILE_BYTES);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // small file
            }
            text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException | SecurityException e) {
            return OptionalInt.empty();
        }
        return parse(text, s.pid, s.startTicks);
    }

    /**
     * The exit code an exit file's text records for the process {@code pid} started at {@code startTicks}; empty
     * when it names another process or is garbled.
     */
    static OptionalInt parse(String text, long pid, long startTicks) {
        long filePid = -1;
        long ticks = -1;
        long status = -1;
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String value = line.substring(eq + 1).trim();
            try {
                switch (line.substring(0, eq).trim()) {
                    case "pid":
                        filePid = Long.parseLong(value);
                        break;
                    case "start-ticks":
                        ticks = Long.parseLong(value);
                        break;
                    case "wait-status":
                        status = Long.parseLong(value);
                        break;
                    default:
                        break;
                }
            } catch (NumberFormatException e) {
                return OptionalInt.empty();
            }
        }
        if (filePid != pid || status < 0 || status > 0xffff) {
            return OptionalInt.empty();
        }
        if (startTicks >= 0 && ticks >= 0 && ticks != startTicks) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(codeOf((int) status));
    }

    /** A wait status as an exit code: the exit status, or 128 plus the signal number. */
    static int codeOf(int waitStatus) {
        int signal = waitStatus & 0x7f;
        return signal == 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
    }
}
