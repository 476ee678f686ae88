package dev.omega.sessionserver.process;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a server's process tree uses: resident memory, CPU, processes and open files, read from {@code /proc}. The
 * tree is the server, the members of its process group (when it leads one, as after {@code setsid}) and the
 * descendants of all of these: what a stop signals.
 *
 * <h2>Cost</h2>
 * Each member costs one read of {@code /proc/<pid>/stat} (parsed in place from a reused buffer: CPU ticks, resident
 * pages, start time, threads, process group), one {@code stat} of {@code /proc/<pid>/fd} (whose size is the number of
 * open descriptors on Linux 6.2 and later; older kernels list the directory) and one read of
 * {@code /proc/<pid>/task/<pid>/children} (of every thread's children file when the process has several threads: a
 * listing of {@code /proc/<pid>/task} and one small read per thread, a few microseconds each): the descendants are
 * found from the server down, at every sample, without visiting other processes. Only the children of a member with
 * more than {@value #CHILDREN_FILES_MAX_THREADS} threads (a large JVM, say; a Node.js server has about a dozen) come
 * from the shared pass over {@code /proc} described next, taken again when older than {@value #SCAN_MAX_AGE_MILLIS}
 * ms, which then costs less than a file per thread. The members
 * of the server's process group whose parent exited (no descendants of the server any more) are found by a pass
 * over {@code /proc} (the stat of every process), shared by every instance in this JVM and taken again only when
 * the last one is older than {@value #GROUP_SCAN_MAX_AGE_MILLIS} ms: such a member is counted from the first pass
 * after its parent exited. Without children files (a kernel built without {@code CONFIG_PROC_CHILDREN}) the whole
 * tree comes from that pass, taken again when older than {@value #SCAN_MAX_AGE_MILLIS} ms: a hundred servers sampled
 * every second cost about one pass a second, not a hundred, and a process forked since the last pass is counted
 * from the next one. A sample allocates little: the members are kept in reused arrays. How often a server is
 * sampled is the caller's choice (the JMX monitor samples when an attribute or meter is read, at most once per
 * health interval, and in every pass only with a memory limit).
 *
 * <h2>Values</h2>
 * <ul>
 * <li>memory: the resident set of the members summed, in bytes ({@code rss} pages times the page size); -1
 * unknown;</li>
 * <li>CPU: the fraction of one core the tree used between this sample and the previous one of the same server by
 * this instance, however far apart they are (an average over that time: 1.0 is one core busy all along;
 * {@code utime + stime + cutime + cstime} of the members, so that a child reaped by a member is still counted), NaN
 * for the first sample of a server (nothing to compare with: also the first after another server was sampled, or
 * after {@link #reset()}) and where unknown;</li>
 * <li>processes: members alive;</li>
 * <li>open files: descriptors of the members summed; -1 when one member's descriptor count is not readable.</li>
 * </ul>
 * Without {@code /proc} (macOS) the tree is the server and its {@link ProcessHandle#descendants()}: processes are
 * counted and CPU comes from {@link ProcessHandle.Info#totalCpuDuration()} where the platform gives it; memory and open
 * files are unknown.
 *
 * <p>Thread-safe: one instance per server; {@link #sample} and {@link #reset} of one instance are serialized by
 * its lock (a sample holds it for its reads of {@code /proc}, well under a millisecond for a small tree), and the
 * shared scan is thread-safe. A sample of a process that has died (a zombie included) finds nothing of it:
 * {@link ProcessTreeUsage#NONE} when no member is alive.
 */
public final class ProcessTreeResources {

    /** How old the shared pass over {@code /proc} may be before a sample takes a new one. */
    static final long SCAN_MAX_AGE_MILLIS = 1000;
    /**
     * How old the shared pass over {@code /proc} may be when it only serves to find the members of a server's process
     * group that are not its descendants (their parent exited): the descendants come from the children files.
     */
    static final long GROUP_SCAN_MAX_AGE_MILLIS = 10_000;
    private static final String PROC = "/proc/";
    private static final long PAGE_SIZE = ProcKernelFacts.PAGE_SIZE;


    private final byte[] buffer = new byte[1024];
    /** utime, stime, cutime, cstime, rss, start time, number of threads, process group of the last stat read. */
    private final long[] fields = new long[8];
    /** Whether the last stat read found a zombie. */
    private boolean exited;
    private static final int START = 5;
    private static final int THREADS = 6;
    private static final int GROUP = 7;
    /** The members found by the current sample, in the order found (the queue of the walk). */
    private long[] members = new long[8];
    /** The start ticks each member must have (known from a pass over {@code /proc}), -1 when not checked. */
    private long[] memberStarts = new long[8];
    private int memberCount;
    /** {@code /proc/<pid>/task/<tid>/children}, grown when a process has many children. */
    private byte[] childrenBuffer = new byte[256];
    // the previous sample, for the CPU delta
    private long previousPid = -1;
    private long previousStartTicks = -1;
    private long previousTicks = -1;
    private long previousNanos;
    /** Samples that took the children of a member from the shared pass over {@code /proc} (for tests). */
    private long childrenFromScan;

    /**
     * Samples the tree of {@code server} now (no cache: every call reads {@code /proc}); {@link ProcessTreeUsage#NONE} when it is
     * no longer alive (or that PID is another process now), {@link ProcessTreeUsage#UNKNOWN} when the read failed. Its CPU figure
     * covers the time since this instance's previous sample of the same process. Never throws; waits for a sample of
     * this instance under way in another thread.
     */
    public synchronized ProcessTreeUsage sample(ProcessIdentity server) {
        try {
            if (!ProcFs.available()) {
                return sampleWithoutProc(server);
            }
            return sampleProc(server);
        } catch (RuntimeException e) {
            return ProcessTreeUsage.UNKNOWN;
        }
    }

    /**
     * How many times this instance took a member's children from the shared pass over {@code /proc} rather than from
     * the children files (a member with more than {@value #CHILDREN_FILES_MAX_THREADS} threads, an unreadable
     * children file, or no children files at all). For tests.
     */
    synchronized long childrenFromScan() {
        return childrenFromScan;
    }

    /** Forgets the previous sample (the next one has no CPU figure). */
    public synchronized void reset() {
        previousPid = -1;
        previousTicks = -1;
    }

    private ProcessTreeUsage sampleProc(ProcessIdentity server) {
        long now = System.nanoTime();
        long pid0 = server.pid();
        memberCount = 0;
        boolean childrenFiles = ProcKernelFacts.CHILDREN_FILES;
        ProcScan scan = null;
        if (!childrenFiles) {
            scan = ProcScan.shared(now, SCAN_MAX_AGE_MILLIS);
            ProcFs.Stat leader = scan.all.get(pid0);
            if (leader == null) {
                add(pid0, -1); // forked after the scan: the server alone until the next scan
            } else if (server.startTicks() < 0 || leader.startTicks == server.startTicks()) {
                add(pid0, leader.startTicks);
                if (leader.pgrp == pid0) {
                    addAll(scan.groups.get(pid0), scan);
                }
            } // else that PID is another process now
        } else {
            add(pid0, server.startTicks());
        }
        long rssPages = 0;
        long ticks = 0;
        long files = 0;
        int alive = 0;
        for (int i = 0; i < memberCount; i++) {
            long pid = members[i];
            boolean read = readStat(pid);
            if (i == 0 && childrenFiles && (read || exited) && fields[GROUP] == pid0
                    && (server.startTicks() < 0 || fields[START] == server.startTicks())) {
                // the server leads its group (a zombie leader too): members whose parent has gone are no
                // descendants of it, a pass over /proc finds them
                ProcScan groups = ProcScan.shared(now, GROUP_SCAN_MAX_AGE_MILLIS);
                addAll(groups.groups.get(pid0), groups);
            }
            if (!read || (memberStarts[i] >= 0 && fields[START] != memberStarts[i])) {
                continue; // gone, exited, or another process under that PID
            }
            long threads = fields[THREADS];
            alive++;
            ticks += fields[0] + fields[1] + fields[2] + fields[3];
            rssPages += fields[4];
            if (files >= 0) {
                long open = ProcKernelFacts.openFiles(pid);
                files = open < 0 ? -1 : files + open;
            }
            if (!childrenFiles) {
                addAll(scan.children.get(pid), scan);
                continue;
            }
            if (threads > CHILDREN_FILES_MAX_THREADS || !addChildren(pid, threads)) {
                // many threads, each with its children file: one pass over /proc, shared, costs less; or the
                // children file went away with the process, or is not readable: the pass knows them too
                childrenFromScan++;
                ProcScan s = ProcScan.shared(now, SCAN_MAX_AGE_MILLIS);
                addAll(s.children.get(pid), s);
            }
        }
        if (alive == 0) {
            reset();
            return ProcessTreeUsage.NONE;
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
        return new ProcessTreeUsage(PAGE_SIZE > 0 ? rssPages * PAGE_SIZE : -1, cpu, alive, files);
    }

    /** Adds a member unless it is one already. */
    private void add(long pid, long startTicks) {
        for (int i = 0; i < memberCount; i++) {
            if (members[i] == pid) {
                return;
            }
        }
        if (memberCount == members.length) {
            members = java.util.Arrays.copyOf(members, memberCount * 2);
            memberStarts = java.util.Arrays.copyOf(memberStarts, memberCount * 2);
        }
        members[memberCount] = pid;
        memberStarts[memberCount] = startTicks;
        memberCount++;
    }

    /** Adds the processes of a pass over {@code /proc} that had not exited then, with their start ticks. */
    private void addAll(List<Long> pids, ProcScan scan) {
        if (pids == null) {
            return;
        }
        for (int i = 0; i < pids.size(); i++) {
            long pid = pids.get(i);
            ProcFs.Stat st = scan.all.get(pid);
            if (st != null && !st.exited()) {
                add(pid, st.startTicks);
            }
        }
    }

    /**
     * The most threads a member may have for its children to be read from the children file of each thread; the
     * children of a member with more come from the shared pass over {@code /proc}, taken again when older than
     * {@value #SCAN_MAX_AGE_MILLIS} ms.
     */
    static final int CHILDREN_FILES_MAX_THREADS = 128;

    /**
     * Adds the children of {@code pid} from {@code /proc/<pid>/task/<tid>/children} of each of its threads (only the
     * main thread's file when it has one thread). False when a file is not readable.
     */
    private boolean addChildren(long pid, long threads) {
        if (threads <= 1) {
            return addChildrenOf(PROC + pid + "/task/" + pid + "/children");
        }
        String task = PROC + pid + "/task";
        String[] tids = new File(task).list();
        if (tids == null) {
            return false;
        }
        String prefix = task + '/';
        for (String tid : tids) {
            if (!addChildrenOf(prefix + tid + "/children")) {
                return false;
            }
        }
        return true;
    }

    /** Adds the PIDs of one children file (decimal numbers separated by spaces). */
    private boolean addChildrenOf(String file) {
        int len = 0;
        try (FileInputStream in = new FileInputStream(file)) {
            int n;
            while ((n = in.read(childrenBuffer, len, childrenBuffer.length - len)) > 0) {
                len += n;
                if (len == childrenBuffer.length) {
                    childrenBuffer = java.util.Arrays.copyOf(childrenBuffer, len * 2);
                }
            }
        } catch (IOException | SecurityException e) {
            return false;
        }
        long value = 0;
        boolean digits = false;
        for (int i = 0; i <= len; i++) {
            byte b = i < len ? childrenBuffer[i] : (byte) ' ';
            if (b >= '0' && b <= '9') {
                value = value * 10 + (b - '0');
                digits = true;
            } else if (digits) {
                add(value, -1);
                value = 0;
                digits = false;
            }
        }
        return true;
    }

    /**
     * Reads {@code /proc/<pid>/stat} into {@link #fields}: utime, stime, cutime, cstime (fields 14-17), rss (24),
     * start time (22), number of threads (20), process group (5); {@link #exited} tells a zombie. False when the
     * process is gone, has exited (a zombie: its fields are read all the same) or the file is not readable.
     */
    private boolean readStat(long pid) {
        exited = false;
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
            int slot = field >= 14 && field <= 17 ? field - 14
                    : field == 24 ? 4 : field == 22 ? START : field == 20 ? THREADS : field == 5 ? GROUP : -1;
            if (slot >= 0) {
                if (!digits) {
                    return false;
                }
                fields[slot] = value;
                found++;
            }
            field++;
        }
        if (found != 8) {
            return false;
        }
        exited = state == 'Z' || state == 'X';
        return !exited;
    }

    /** macOS and other systems without {@code /proc}: what {@link ProcessHandle} gives. */
    private ProcessTreeUsage sampleWithoutProc(ProcessIdentity server) {
        Optional<ProcessHandle> h = ProcessHandle.of(server.pid());
        if (h.isEmpty() || !h.get().isAlive()) {
            reset();
            return ProcessTreeUsage.NONE;
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
        return new ProcessTreeUsage(-1, cpu, members.size(), -1);
    }
}
