package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Reads what the Linux kernel says about a process from {@code /proc}. Every method answers "unknown"
 * ({@link Optional#empty()}) rather than throwing when the process is gone, {@code /proc} is absent (macOS) or
 * unreadable. Stateless and thread-safe.
 */
final class ProcFs {

    private static final Path PROC = Paths.get("/proc");
    private static final boolean AVAILABLE = Files.isReadable(PROC.resolve("self/stat"));
    private static volatile String bootId;

    private ProcFs() {
    }

    /**
     * Reads a small {@code /proc} file whole. Not {@link Files#readAllBytes}: {@code /proc} files report size 0, so
     * that reads one byte first and then continues at offset 1, and sysctl files ({@code /proc/sys/kernel/pid_max})
     * answer any read at a non-zero offset with end-of-file: {@code readAllBytes} gives "3" for "32768". One large
     * read from offset 0 gets the whole value.
     */
    static byte[] read(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[8192];
            int len = 0;
            while (true) {
                if (len == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    return Arrays.copyOf(buf, len);
                }
                len += n;
            }
        }
    }

    /** Whether this machine has a Linux {@code /proc} to read. */
    static boolean available() {
        return AVAILABLE;
    }

    /** The fields of {@code /proc/<pid>/stat} this tool uses. */
    static final class Stat {
        final char state;
        final long pgrp;
        final long session;
        final long startTicks;

        Stat(char state, long pgrp, long session, long startTicks) {
            this.state = state;
            this.pgrp = pgrp;
            this.session = session;
            this.startTicks = startTicks;
        }

        /** A zombie ({@code Z}) or dead ({@code X}) task has exited; it only waits for its parent to reap it. */
        boolean exited() {
            return state == 'Z' || state == 'X';
        }
    }

    /**
     * Parses {@code /proc/<pid>/stat}. The command name (field 2) may hold spaces and parentheses, so fields are
     * counted after the last {@code ')'}: state is field 3, pgrp 5, session 6, start time 22 (clock ticks since boot).
     */
    static Optional<Stat> stat(long pid) {
        if (!AVAILABLE) {
            return Optional.empty();
        }
        String text;
        try {
            text = new String(read(PROC.resolve(Long.toString(pid)).resolve("stat")),
                    StandardCharsets.US_ASCII);
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        return parseStat(text);
    }

    static Optional<Stat> parseStat(String text) {
        int close = text.lastIndexOf(')');
        if (close < 0 || close + 2 > text.length()) {
            return Optional.empty();
        }
        String[] f = text.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state), so field n is f[n - 3]
        if (f.length < 20 || f[0].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[19])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code /proc/sys/kernel/random/boot_id}: differs after every reboot, so a start time is only compared within one boot. */
    static Optional<String> bootId() {
        if (!AVAILABLE) {
            return Optional.empty();
        }
        String id = bootId;
        if (id == null) {
            try {
                id = new String(read(PROC.resolve("sys/kernel/random/boot_id")), StandardCharsets.US_ASCII)
                        .trim();
            } catch (IOException | SecurityException e) {
                return Optional.empty();
            }
            bootId = id;
        }
        return Optional.of(id);
    }

    /** The process's argv from {@code /proc/<pid>/cmdline}; empty for kernel threads, zombies and unknown PIDs. */
    static Optional<List<String>> commandLine(long pid) {
        if (!AVAILABLE) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = read(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        if (raw.length == 0) {
            return Optional.empty();
        }
        String s = new String(raw, StandardCharsets.UTF_8);
        if (s.endsWith("\0")) {
            s = s.substring(0, s.length() - 1);
        }
        return Optional.of(Collections.unmodifiableList(Arrays.asList(s.split("\0", -1))));
    }

    /** Every live (not yet reaped) task whose process group is {@code pgid}. */
    static List<Long> processGroupMembers(long pgid) {
        List<Long> members = new ArrayList<>();
        if (!AVAILABLE) {
            return members;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || name.charAt(0) < '0' || name.charAt(0) > '9') {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(name);
                } catch (NumberFormatException e) {
                    continue;
                }
                Optional<Stat> st = stat(pid);
                if (st.isPresent() && st.get().pgrp == pgid) {
                    members.add(pid);
                }
            }
        } catch (IOException | SecurityException e) {
            // unknown: the caller falls back to ProcessHandle descendants
        }
        return members;
    }
}
