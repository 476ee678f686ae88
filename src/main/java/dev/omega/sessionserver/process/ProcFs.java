package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private static volatile long bootMillis;

    private ProcFs() {
    }

    /**
     * Reads a small {@code /proc} file whole. Not {@link Files#readAllBytes}: {@code /proc} files report size 0, so
     * that reads one byte first and then continues at offset 1, and sysctl files ({@code /proc/sys/kernel/pid_max})
     * answer any read at a non-zero offset with end-of-file: {@code readAllBytes} gives "3" for "32768". One large
     * read from offset 0 gets the whole value.
     */
    static byte[] read(Path file) throws IOException {
        try (java.io.FileInputStream in = new java.io.FileInputStream(file.toFile())) {
            byte[] buf = new byte[512];
            int len = 0;
            while (true) {
                if (len == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 4);
                }
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    return len == buf.length ? buf : Arrays.copyOf(buf, len);
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
        final long ppid;
        final long pgrp;
        final long session;
        final long startTicks;

        Stat(char state, long ppid, long pgrp, long session, long startTicks) {
            this.state = state;
            this.ppid = ppid;
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
     * counted after the last {@code ')'}: state is field 3, ppid 4, pgrp 5, session 6, start time 22 (clock ticks
     * since boot).
     */
    static Optional<Stat> stat(long pid) {
        if (!AVAILABLE) {
            return Optional.empty();
        }
        byte[] buf = STAT_BUFFER.get();
        int len;
        try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/" + pid + "/stat")) {
            len = 0;
            int n;
            while (len < buf.length && (n = in.read(buf, len, buf.length - len)) > 0) {
                len += n;
            }
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        return parseStat(buf, len);
    }

    /** One reused buffer per thread for {@code /proc/<pid>/stat} (a few hundred bytes): a poll allocates little. */
    private static final ThreadLocal<byte[]> STAT_BUFFER = ThreadLocal.withInitial(() -> new byte[1024]);

    /** {@link #parseStat(String)} of ASCII bytes, without making a string of them. */
    static Optional<Stat> parseStat(byte[] text, int length) {
        int close = -1;
        for (int i = length - 1; i >= 0; i--) {
            if (text[i] == ')') {
                close = i;
                break;
            }
        }
        if (close < 0 || close + 3 > length) {
            return Optional.empty();
        }
        long[] numbers = new long[20];
        char state = (char) text[close + 2];
        int field = 0;
        int i = close + 2;
        while (i < length && field < 20) {
            while (i < length && text[i] == ' ') {
                i++;
            }
            int start = i;
            long value = 0;
            boolean negative = false;
            while (i < length && text[i] != ' ' && text[i] != '\n') {
                if (field > 0) {
                    byte b = text[i];
                    if (b == '-' && i == start) {
                        negative = true;
                    } else if (b >= '0' && b <= '9') {
                        value = value * 10 + (b - '0');
                    } else {
                        return Optional.empty();
                    }
                }
                i++;
            }
            if (field > 0) {
                if (i == start) {
                    return Optional.empty();
                }
                numbers[field] = negative ? -value : value;
            }
            field++;
            if (i < length && text[i] == '\n') {
                break;
            }
        }
        if (field < 20) {
            return Optional.empty();
        }
        return Optional.of(new Stat(state, numbers[1], numbers[2], numbers[3], numbers[19]));
    }

    static Optional<Stat> parseStat(String text) {
        int close = text.lastIndexOf(')');
        if (close < 0 || close + 3 > text.length()) {
            return Optional.empty();
        }
        // fields after the command name, starting with field 3 (state); field n is at index n - 3
        long[] numbers = new long[20];
        char state = text.charAt(close + 2);
        int field = 0;
        int i = close + 2;
        int n = text.length();
        while (i < n && field < 20) {
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && text.charAt(i) != ' ' && text.charAt(i) != '\n') {
                i++;
            }
            if (field > 0) {
                try {
                    numbers[field] = Long.parseLong(text, start, i, 10);
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    return Optional.empty();
                }
            }
            field++;
            if (i < n && text.charAt(i) == '\n') {
                break;
            }
        }
        if (field < 20) {
            return Optional.empty();
        }
        return Optional.of(new Stat(state, numbers[1], numbers[2], numbers[3], numbers[19]));
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

    /**
     * One pass over {@code /proc}: the stat of every process that exists now (zombies included), by PID. Empty when
     * there is no {@code /proc}. Costs one small read per process: callers take it once per decision, not per poll.
     */
    static Map<Long, Stat> allProcesses() {
        Map<Long, Stat> all = new HashMap<>();
        if (!AVAILABLE) {
            return all;
        }
        String[] names = PROC.toFile().list();
        if (names == null) {
            return all; // unknown: callers fall back to what they already know
        }
        try {
            for (String name : names) {
                if (name.isEmpty() || name.charAt(0) < '1' || name.charAt(0) > '9') {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(name);
                } catch (NumberFormatException e) {
                    continue;
                }
                stat(pid).ifPresent(st -> all.put(pid, st));
            }
        } catch (SecurityException e) {
            // unknown: callers fall back to what they already know
        }
        return all;
    }

    /**
     * Whether the process {@code pid} has a child now: any of its threads' {@code /proc/<pid>/task/<tid>/children}
     * is not empty (one small read per thread). True when that cannot be told (no such files: a kernel without
     * {@code CONFIG_PROC_CHILDREN}, or no {@code /proc}), so that callers take the careful way.
     */
    static boolean hasChildren(long pid) {
        if (!AVAILABLE) {
            return true;
        }
        String[] tids = PROC.resolve(Long.toString(pid)).resolve("task").toFile().list();
        if (tids == null) {
            return false; // gone
        }
        byte[] one = new byte[1];
        for (String tid : tids) {
            try (java.io.FileInputStream in = new java.io.FileInputStream("/proc/" + pid + "/task/" + tid
                    + "/children")) {
                if (in.read(one) > 0) {
                    return true;
                }
            } catch (java.io.FileNotFoundException e) {
                if (!PROC.resolve(Long.toString(pid)).resolve("task").resolve(tid).toFile().exists()) {
                    continue; // that thread ended meanwhile
                }
                return true;
            } catch (IOException | SecurityException e) {
                return true;
            }
        }
        return false;
    }

    /** Every process (zombies included) whose process group is {@code pgid}. */
    static List<Long> processGroupMembers(long pgid) {
        List<Long> members = new ArrayList<>();
        allProcesses().forEach((pid, st) -> {
            if (st.pgrp == pgid) {
                members.add(pid);
            }
        });
        return members;
    }

    /**
     * The system's boot time in epoch milliseconds ({@code btime} in {@code /proc/stat}), or -1 when unknown. With
     * the start ticks it gives a process's start instant without {@link ProcessHandle.Info} (which reads several
     * files).
     */
    static long bootEpochMillis() {
        long b = bootMillis;
        if (b == 0) {
            b = -1;
            try {
                for (String line : new String(read(PROC.resolve("stat")), StandardCharsets.US_ASCII).split("\n")) {
                    if (line.startsWith("btime ")) {
                        b = Long.parseLong(line.substring(6).trim()) * 1000;
                        break;
                    }
                }
            } catch (IOException | SecurityException | NumberFormatException e) {
                b = -1;
            }
            bootMillis = b;
        }
        return b;
    }

    /** Clock ticks per second of the start time field: USER_HZ, 100 on every Linux architecture the JDK supports. */
    static final long TICKS_PER_SECOND = 100;
}
