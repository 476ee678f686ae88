package dev.omega.sessionserver.process;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a server's process tree uses: resident memory, CPU, processes and open files, read from {@code /proc}. The
 * tree is the server, the members of its process group (when it leads one, as after {@code setsid}) and the
 * descendants of all of these: what a stop signals.
 *
 * <h2>Cost</h2>
 * Which processes belong to the tree comes from one pass over {@code /proc} (the stat of every process), shared by
 * every instance in this JVM and taken again only when the last one is older than {@value #SCAN_MAX_AGE_MILLIS} ms:
 * a hundred servers sampled every second cost about one pass a second, not a hundred; a process forked since the
 * last pass is counted from the next one. Each member then costs one read of {@code /proc/<pid>/stat} (parsed in
 * place from a reused buffer: CPU ticks, resident pages, start time) and one listing of {@code /proc/<pid>/fd}.
 *
 * <h2>Values</h2>
 * <ul>
 * <li>memory: the resident set of the members summed, in bytes ({@code rss} pages times the page size); -1
 * unknown;</li>
 * <li>CPU: the fraction of one core the tree used between this sample and the previous one of the same server
 * ({@code utime + stime + cutime + cstime} of the members, so that a child reaped by a member is still counted), NaN
 * for the first sample of a server (nothing to compare with) and where unknown;</li>
 * <li>processes: members alive;</li>
 * <li>open files: descriptors of the members summed; -1 when one member's descriptor table is not readable.</li>
 * </ul>
 * Without {@code /proc} (macOS) the tree is the server and its {@link ProcessHandle#descendants()}: processes are
 * counted and CPU comes from {@link ProcessHandle.Info#totalCpuDuration()} where the platform gives it; memory and open
 * files are unknown.
 *
 * <p>Not thread-safe: one instance per server, used by one monitor pass at a time (the shared scan is
 * thread-safe).
 */
public final class ProcessTreeResources {

    /** How old the shared pass over {@code /proc} may be before a sample takes a new one. */
    static final long SCAN_MAX_AGE_MILLIS = 1000;
    private static final String PROC = "/proc/";
    private static final long PAGE_SIZE = pageSize();

    /** One pass over {@code /proc}: who is whose child and who is in which group. Immutable once published. */
    private static final class Scan {
        final long takenNanos;
        final Map<Long, ProcFs.Stat> all;
        final Map<Long, List<Long>> children = new HashMap<>();
        final Map<Long, List<Long>> groups = new HashMap<>();

        Scan(long takenNanos, Map<Long, ProcFs.Stat> all) {
            this.takenNanos = takenNanos;
            this.all = all;
            for (Map.Entry<Long, ProcFs.Stat> e : all.entrySet()) {
                children.computeIfAbsent(e.getValue().ppid, k -> new ArrayList<>(2)).add(e.getKey());
                groups.computeIfAbsent(e.getValue().pgrp, k -> new ArrayList<>(2)).add(e.getKey());
            }
        }
    }

    private static final Object SCAN_LOCK = new Object();
    private static volatile Scan shared;

    /** What one sample found. Immutable. */
    public static final class Usage {
        /** Nothing runs: no process, no memory, no CPU, no open file. */
        public static final Usage NONE = new Usage(0, 0, 0, 0);
        /** Nothing is known. */
        public static final Usage UNKNOWN = new Usage(-1, Double.NaN, 0, -1);

        private final long memoryBytes;
        private final double cpuUsage;
        private final int processes;
        private final long openFiles;

        Usage(long memoryBytes, double cpuUsage, int processes, long openFiles) {
            this.memoryBytes = memoryBytes;
            this.cpuUsage = cpuUsage;
            this.processes = processes;
            this.openFiles = openFiles;
        }

        /** Resident memory of the tree in bytes; -1 when unknown. */
        public long memoryBytes() {
            return memoryBytes;
        }

        /** Fraction of one core used since the previous sample (1.0: one core busy); NaN when unknown. */
        public double cpuUsage() {
            return cpuUsage;
        }

        /** Processes in the tree. */
        public int processes() {
            return processes;
        }

        /** Open file descriptors of the tree; -1 when not readable. */
        public long openFiles() {
            return openFiles;
        }

        @Override
        public String toString() {
            return "Usage{memoryBytes=" + memoryBytes + ", cpuUsage=" + cpuUsage + ", processes=" + processes
                    + ", openFiles=" + openFiles + "}";
        }
    }

    private final byte[] buffer = new byte[1024];
    private final long[] fields = new long[6];
    // the previous sample, for the CPU delta
    private long previousPid = -1;
    private long previousStartTicks = -1;
    private long previousTicks = -1;
    private long previousNanos;

    /** Samples the tree of {@code server}; {@link Usage#NONE} when it is no longer alive. Never throws. */
    public Usage sample(ProcessIdentity server) {
        try {
            if (!ProcFs.available()) {
                return sampleWithoutProc(server);
            }
            return sampleProc(server);
        } catch (RuntimeException e) {
            return Usage.UNKNOWN;
        }
    }

    /** Forgets the previous sample (the next one has no CPU figure). */
    public void reset() {
        previousPid = -1;
        previousTicks = -1;
    }

    private Usage sampleProc(ProcessIdentity server) {
        long now = System.nanoTime();
        Scan scan = scan(now);
        List<Long> members = members(scan, server);
        long rssPages = 0;
        long ticks = 0;
        long files = 0;
        int alive = 0;
        boolean memoryKnown = true;
        for (int i = 0; i < members.size(); i++) {
            long pid = members.get(i);
            ProcFs.Stat known = scan.all.get(pid);
            if (!readStat(pid) || (known != null && fields[5] != known.startTicks)) {
                continue; // gone since the scan, or another process under that PID
            }
            alive++;
            ticks += fields[0] + fields[1] + fields[2] + fields[3];
            rssPages += fields[4];
            if (files >= 0) {
                String[] fds = new File(PROC + pid + "/fd").list();
                files = fds == null ? -1 : files + fds.length;
            }
        }
        if (alive == 0) {
            reset();
            return Usage.NONE;
        }
        double cpu = Double.NaN;
        if (previousPid == server.pid() && previousStartTicks == server.startTicks() && previousTicks >= 0
                && now > previousNanos) {
            double seconds = (now - previousNanos) / 1e9;
            cpu = Math.max(0, ticks - previousTicks) / (double) ProcFs.TICKS_PER_SECOND / seconds;
        }
        previousPid = server.pid();
        previousStartTicks = server.startTicks();
        previousTicks = ticks;
        previousNanos = now;
        return new Usage(memoryKnown && PAGE_SIZE > 0 ? rssPages * PAGE_SIZE : -1, cpu, alive, files);
    }

    /** The shared pass over {@code /proc}, taken again when older than {@value #SCAN_MAX_AGE_MILLIS} ms. */
    private static Scan scan(long now) {
        long maxAge = TimeUnit.MILLISECONDS.toNanos(SCAN_MAX_AGE_MILLIS);
        Scan s = shared;
        if (s != null && now - s.takenNanos < maxAge) {
            return s;
        }
        synchronized (SCAN_LOCK) {
            s = shared;
            if (s != null && System.nanoTime() - s.takenNanos < maxAge) {
                return s;
            }
            s = new Scan(System.nanoTime(), ProcFs.allProcesses());
            shared = s;
            return s;
        }
    }

    /** The server (when the scan knows it as the same process), its group's members and their descendants. */
    private static List<Long> members(Scan scan, ProcessIdentity server) {
        List<Long> members = new ArrayList<>();
        ProcFs.Stat leader = scan.all.get(server.pid());
        if (leader == null) {
            // forked after the scan: the server alone until the next scan
            members.add(server.pid());
            return members;
        }
        if (server.startTicks() >= 0 && leader.startTicks != server.startTicks()) {
            return members; // that PID is another process now
        }
        ArrayDeque<Long> todo = new ArrayDeque<>();
        todo.add(server.pid());
        if (leader.pgrp == server.pid()) {
            todo.addAll(scan.groups.getOrDefault(server.pid(), List.of()));
        }
        java.util.Set<Long> seen = new java.util.HashSet<>();
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            ProcFs.Stat st = scan.all.get(pid);
            if (st == null || st.exited() || !seen.add(pid)) {
                continue;
            }
            members.add(pid);
            todo.addAll(scan.children.getOrDefault(pid, List.of()));
        }
        return members;
    }

    /**
     * Reads {@code /proc/<pid>/stat} into {@link #fields}: utime, stime, cutime, cstime (fields 14-17), rss (24),
     * start time (22). False when the process is gone, has exited (a zombie) or the file is not readable.
     */
    private boolean readStat(long pid) {
        int len;
        try (FileInputStream in = new FileInputStream(PROC + pid + "/stat")) {
            len = 0;
            int n;
            while (len < buffer.length && (n = in.read(buffer, len, buffer.length - len)) > 0) {
                len += n;
            }
        } catch (IOException | SecurityException e) {
            return false;
        }
        int close = -1;
        for (int i = len - 1; i >= 0; i--) {
            if (buffer[i] == ')') {
                close = i;
                break;
            }
        }
        if (close < 0 || close + 2 >= len) {
            return false;
        }
        byte state = buffer[close + 2];
        if (state == 'Z' || state == 'X') {
            return false;
        }
        // field 3 (state) starts at close + 2; walk the space-separated fields after it
        int field = 3;
        int i = close + 2;
        int found = 0;
        while (i < len && field <= 24) {
            while (i < len && buffer[i] == ' ') {
                i++;
            }
            long value = 0;
            boolean digits = false;
            while (i < len && buffer[i] >= '0' && buffer[i] <= '9') {
                value = value * 10 + (buffer[i] - '0');
                digits = true;
                i++;
            }
            while (i < len && buffer[i] != ' ' && buffer[i] != '\n') {
                i++; // the state letter, or a negative number (none of the fields read here)
            }
            int slot = field >= 14 && field <= 17 ? field - 14 : field == 24 ? 4 : field == 22 ? 5 : -1;
            if (slot >= 0) {
                if (!digits) {
                    return false;
                }
                fields[slot] = value;
                found++;
            }
            field++;
        }
        return found == 6;
    }

    /** macOS and other systems without {@code /proc}: what {@link ProcessHandle} gives. */
    private Usage sampleWithoutProc(ProcessIdentity server) {
        Optional<ProcessHandle> h = ProcessHandle.of(server.pid());
        if (h.isEmpty() || !h.get().isAlive()) {
            reset();
            return Usage.NONE;
        }
        long now = System.nanoTime();
        List<ProcessHandle> members = new ArrayList<>();
        members.add(h.get());
        h.get().descendants().forEach(members::add);
        long cpuNanos = 0;
        boolean cpuKnown = true;
        for (ProcessHandle m : members) {
            Optional<Duration> d = m.info().totalCpuDuration();
            if (d.isPresent()) {
                cpuNanos += d.get().toNanos();
            } else {
                cpuKnown = false;
            }
        }
        double cpu = Double.NaN;
        if (cpuKnown && previousPid == server.pid() && previousTicks >= 0 && now > previousNanos) {
            cpu = Math.max(0, cpuNanos - previousTicks) / (double) (now - previousNanos);
        }
        previousPid = server.pid();
        previousStartTicks = server.startTicks();
        previousTicks = cpuKnown ? cpuNanos : -1;
        previousNanos = now;
        return new Usage(-1, cpu, members.size(), -1);
    }

    /**
     * The page size the {@code rss} field counts in: {@code AT_PAGESZ} from {@code /proc/self/auxv} (64-bit entries
     * on 64-bit JVMs), else 4096; -1 without {@code /proc}.
     */
    private static long pageSize() {
        if (!ProcFs.available()) {
            return -1;
        }
        try {
            byte[] auxv = ProcFs.read(java.nio.file.Paths.get("/proc/self/auxv"));
            boolean wide = !"32".equals(System.getProperty("sun.arch.data.model"));
            int word = wide ? 8 : 4;
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(auxv).order(java.nio.ByteOrder.nativeOrder());
            for (int i = 0; i + 2 * word <= auxv.length; i += 2 * word) {
                long type = wide ? b.getLong(i) : b.getInt(i);
                long value = wide ? b.getLong(i + word) : b.getInt(i + word) & 0xffffffffL;
                if (type == 6) { // AT_PAGESZ
                    return value;
                }
                if (type == 0) { // AT_NULL
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 4096;
    }
}
