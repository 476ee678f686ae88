package dev.omega.sessionserver.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Kills, after each test and whether it passed or not, every process the test started, and nothing else.
 *
 * <p>A test records what it starts: {@link #track(Process)} for processes it launched itself, {@link #track(long)}
 * for PIDs it learnt of (a server PID returned by the manager, a child PID read from a file). Each record holds the
 * process's start instant as seen at that moment. In teardown a PID is killed ({@code destroyForcibly}, SIGKILL) only
 * if the live process with that PID still has the recorded start instant: a PID reused meanwhile is never signalled.
 *
 * <p>Processes started indirectly (a server spawned by a child JVM, a server's own children) are found by a marker:
 * every process the test launches gets {@link #MARKER_ENV}{@code =}{@link #marker()} in its environment
 * ({@link #mark(ProcessBuilder)}, or the manager's {@code environmentVariable}), which its children inherit. Teardown
 * records every live process whose environment holds this test's unique marker before killing.
 *
 * <p>Use as {@code @RegisterExtension final ProcessReaper reaper = new ProcessReaper();} (one per test instance).
 */
public final class ProcessReaper implements AfterEachCallback {

    /** The environment variable that marks a process as started by one particular test. */
    public static final String MARKER_ENV = "OMEGA_TEST_MARKER";
    private static final Duration KILL_DEADLINE = Duration.ofSeconds(10);

    private static final class Entry {
        final long pid;
        final Instant start;
        final String what;

        Entry(long pid, Instant start, String what) {
            this.pid = pid;
            this.start = start;
            this.what = what;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private String marker = newMarker();

    /** This test's unique marker value. */
    public synchronized String marker() {
        return marker;
    }

    /** {@code OMEGA_TEST_MARKER=<marker>}, as it appears in {@code /proc/<pid>/environ}. */
    public String markerEntry() {
        return MARKER_ENV + "=" + marker();
    }

    /** Adds the marker to a process builder's environment and returns it. */
    public ProcessBuilder mark(ProcessBuilder pb) {
        pb.environment().put(MARKER_ENV, marker());
        return pb;
    }

    /** Starts {@code pb} with the marker and records the process. */
    public Process start(ProcessBuilder pb) throws java.io.IOException {
        Process p = mark(pb).start();
        track(p);
        return p;
    }

    /** Records a process this test launched. */
    public Process track(Process p) {
        record(p.toHandle(), p.info().commandLine().orElse("pid " + p.pid()));
        return p;
    }

    /** Records the process that has {@code pid} now (no-op when there is none). */
    public void track(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> record(h, "pid " + pid));
    }

    private synchronized void record(ProcessHandle h, String what) {
        Optional<Instant> start = h.info().startInstant();
        if (start.isEmpty()) {
            return; // exited already, or unknowable: nothing that could be safely killed later
        }
        for (Entry e : entries) {
            if (e.pid == h.pid() && e.start.equals(start.get())) {
                return;
            }
        }
        entries.add(new Entry(h.pid(), start.get(), what));
    }

    /** The live processes that carry this test's marker (started by it, directly or not). */
    public List<Long> markedProcesses() {
        return Procs.withEnvironmentEntry(markerEntry());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        reap();
    }

    /** How many times teardown scans for marked processes: a process may fork between a scan and its kill. */
    private static final int REAP_ROUNDS = 5;

    /**
     * Kills what was recorded (and what carries the marker) and waits until it is gone. The marker scan is repeated
     * after each round of kills until it finds nothing alive: a server that forked a child between the scan and its
     * own SIGKILL leaves that child behind otherwise (it carries the marker, so the next scan finds it).
     */
    public synchronized void reap() {
        String entry = markerEntry();
        List<Entry> killed = new ArrayList<>();
        List<String> survivors = new ArrayList<>();
        for (int round = 0; round < REAP_ROUNDS; round++) {
            for (long pid : Procs.withEnvironmentEntry(entry)) {
                track(pid);
            }
            List<Entry> now = killLiveEntries(killed);
            if (now.isEmpty()) {
                break;
            }
            killed.addAll(now);
            survivors.addAll(awaitGone(now));
        }
        List<Long> servers = new ArrayList<>();
        entries.forEach(e -> servers.add(e.pid));
        entries.clear();
        marker = newMarker();
        // a server's shim writes its exit file beside the PID file after the server is gone: wait for it, so that
        // nothing writes into the test's directory once the test is over (it is never signalled: it exits by itself)
        for (long shim : Procs.shimsOf(servers)) {
            try {
                Await.until("the shim (pid " + shim + ") of a server exits", KILL_DEADLINE, () -> !Procs.alive(shim));
            } catch (AssertionError err) {
                throw new AssertionError("the shim pid " + shim + " did not exit after its server", err);
            }
        }
        if (!survivors.isEmpty()) {
            throw new AssertionError("processes survived SIGKILL in teardown: " + survivors);
        }
    }

    /** SIGKILLs each recorded process that still runs with its recorded start instant and is not in {@code done}. */
    private List<Entry> killLiveEntries(List<Entry> done) {
        List<Entry> killed = new ArrayList<>();
        for (Entry e : entries) {
            if (done.contains(e)) {
                continue;
            }
            Optional<ProcessHandle> h = ProcessHandle.of(e.pid);
            if (h.isPresent() && h.get().isAlive() && Procs.alive(e.pid)
                    && h.get().info().startInstant().map(e.start::equals).orElse(false)) {
                System.err.println("[reaper] SIGKILL to pid " + e.pid + ", still running at teardown (" + e.what + "): "
                        + String.join(" ", Procs.commandLine(e.pid)));
                h.get().destroyForcibly();
                killed.add(e);
            }
        }
        return killed;
    }

    /** Waits until each of {@code killed} is gone; returns those that are not, described. */
    private static List<String> awaitGone(List<Entry> killed) {
        List<String> survivors = new ArrayList<>();
        for (Entry e : killed) {
            try {
                Await.until("pid " + e.pid + " is gone after SIGKILL", KILL_DEADLINE, () -> !Procs.alive(e.pid)
                        || !ProcessHandle.of(e.pid).flatMap(x -> x.info().startInstant()).map(e.start::equals)
                                .orElse(false));
            } catch (AssertionError err) {
                survivors.add(e.pid + " (" + e.what + ")");
            }
        }
        return survivors;
    }

    private static String newMarker() {
        return UUID.randomUUID().toString();
    }

    /** For diagnostics: what is recorded now. */
    public synchronized Map<Long, Instant> recorded() {
        Map<Long, Instant> m = new java.util.LinkedHashMap<>();
        for (Entry e : entries) {
            m.put(e.pid, e.start);
        }
        return m;
    }
}
