package dev.omega.sessionserver.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the kernel says about a process, read from {@code /proc} by the tests themselves (an oracle independent of the
 * library's own {@code ProcFs}). Linux only.
 */
public final class Procs {

    private static final Path PROC = Paths.get("/proc");

    private Procs() {
    }

    /** The fields of {@code /proc/<pid>/stat} the tests look at. */
    public static final class Stat {
        public final char state;
        public final long ppid;
        public final long pgrp;
        public final long session;
        public final long startTicks;

        Stat(char state, long ppid, long pgrp, long session, long startTicks) {
            this.state = state;
            this.ppid = ppid;
            this.pgrp = pgrp;
            this.session = session;
            this.startTicks = startTicks;
        }

        public boolean exited() {
            return state == 'Z' || state == 'X';
        }
    }

    public static Optional<Stat> stat(long pid) {
        String text;
        try {
            text = Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII).get(0);
        } catch (IOException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
        int close = text.lastIndexOf(')');
        String[] f = text.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state): field n is f[n - 3]
        return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[19])));
    }

    /** Alive: the PID exists and is neither a zombie nor dead. */
    public static boolean alive(long pid) {
        return stat(pid).map(s -> !s.exited()).orElse(false);
    }

    /** Alive and still the process that had {@code startTicks}. */
    public static boolean alive(long pid, long startTicks) {
        return stat(pid).map(s -> !s.exited() && s.startTicks == startTicks).orElse(false);
    }

    public static long startTicks(long pid) {
        return stat(pid).orElseThrow(() -> new AssertionError("no process " + pid)).startTicks;
    }

    public static String bootId() {
        try {
            return Files.readAllLines(PROC.resolve("sys/kernel/random/boot_id")).get(0).trim();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    public static long pidMax() {
        try {
            // one buffered read from offset 0: sysctl files answer reads at an offset > 0 with end-of-file
            return Long.parseLong(Files.readAllLines(PROC.resolve("sys/kernel/pid_max")).get(0).trim());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** argv from {@code /proc/<pid>/cmdline}; empty when unknown. */
    public static List<String> commandLine(long pid) {
        return nulSeparated(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
    }

    /** The environment a process started with; empty when unknown or unreadable. */
    public static List<String> environment(long pid) {
        return nulSeparated(PROC.resolve(Long.toString(pid)).resolve("environ"));
    }

    /** The open file descriptors of {@code pid}; empty when unknown. */
    public static List<Integer> openFileDescriptors(long pid) {
        String[] fds = PROC.resolve(Long.toString(pid)).resolve("fd").toFile().list();
        List<Integer> found = new ArrayList<>();
        for (String fd : fds == null ? new String[0] : fds) {
            found.add(Integer.parseInt(fd));
        }
        java.util.Collections.sort(found);
        return found;
    }

    /** Where file descriptor {@code fd} of {@code pid} points. */
    public static String fdTarget(long pid, int fd) {
        try {
            return Files.readSymbolicLink(PROC.resolve(Long.toString(pid)).resolve("fd").resolve(Integer.toString(fd)))
                    .toString();
        } catch (IOException e) {
            throw new AssertionError("cannot read fd " + fd + " of pid " + pid, e);
        }
    }

    /** The PIDs (zombies included) whose parent is {@code pid}. */
    public static List<Long> children(long pid) {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)
                        && stat(Long.parseLong(name)).map(s -> s.ppid == pid).orElse(false)) {
                    found.add(Long.parseLong(name));
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    /** Every live process whose environment holds exactly the entry {@code entry} ("NAME=value"). */
    /**
     * Whether {@code argv} is the server launcher's (Perl, before it forks the shim and execs the server; it carries
     * the server's environment and, after {@code --}, the server's argv) or the shim's (which started as a fork of
     * the launcher): neither is the server.
     */
    public static boolean isLauncherOrShim(List<String> argv) {
        return !argv.isEmpty() && (argv.get(0).equals(SHIM_NAME) || argv.size() > 2 && argv.get(0).endsWith("perl")
                && argv.get(1).equals("-e") && argv.get(2).startsWith("my ($log, $exit,"));
    }

    /**
     * Whether {@code pid} ignores signal number {@code signal} (its {@code SigIgn} mask in {@code /proc/<pid>/status}):
     * a JVM started as a background job of a script ignores SIGINT, and its children inherit that. False when
     * unreadable.
     */
    public static boolean ignores(long pid, int signal) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"),
                    StandardCharsets.US_ASCII)) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (signal - 1))) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // below
        }
        return false;
    }

    /** Whether {@code program} is an executable file in a directory of this JVM's {@code PATH}. */
    public static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, program))) {
                return true;
            }
        }
        return false;
    }

    /** The argv[0] of the launcher's shim, the parent that waits for a server and records its exit. */
    public static final String SHIM_NAME = "session-server-shim";

    /**
     * The live shims (see {@link #SHIM_NAME}) that wait for one of these servers (their child), and every shim whose
     * server has exited (it is about to write its exit file and exit: a server a supervisor restarted, which no test
     * tracked, has one).
     */
    public static List<Long> shimsOf(java.util.Collection<Long> serverPids) {
        List<Long> found = new ArrayList<>();
        String[] names = PROC.toFile().list();
        java.util.Map<Long, List<Long>> liveChildren = new java.util.HashMap<>();
        List<Long> shims = new ArrayList<>();
        for (String name : names == null ? new String[0] : names) {
            if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                continue;
            }
            long pid = Long.parseLong(name);
            Optional<Stat> st = stat(pid);
            if (st.isEmpty() || st.get().exited()) {
                continue;
            }
            liveChildren.computeIfAbsent(st.get().ppid, k -> new ArrayList<>()).add(pid);
            List<String> argv = commandLine(pid);
            if (!argv.isEmpty() && argv.get(0).equals(SHIM_NAME)) {
                shims.add(pid);
            }
        }
        for (long shim : shims) {
            List<Long> children = liveChildren.getOrDefault(shim, List.of());
            if (children.isEmpty() || children.stream().anyMatch(serverPids::contains)) {
                found.add(shim);
            }
        }
        return found;
    }

    public static List<Long> withEnvironmentEntry(String entry) {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                if (pid == ProcessHandle.current().pid()) {
                    continue;
                }
                if (alive(pid) && environment(pid).contains(entry)) {
                    found.add(pid);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    private static List<String> nulSeparated(Path file) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            return List.of();
        }
        if (raw.length == 0) {
            return List.of();
        }
        String s = new String(raw, StandardCharsets.UTF_8);
        if (s.endsWith("\0")) {
            s = s.substring(0, s.length() - 1);
        }
        return Arrays.asList(s.split("\0", -1));
    }
}
