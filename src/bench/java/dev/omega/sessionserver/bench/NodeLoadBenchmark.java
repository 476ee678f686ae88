package dev.omega.sessionserver.bench;

import java.io.File;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * The figure {@code nodeload}: one host JVM ({@link BenchHost}) whose agent spawned {@code N} node servers itself
 * ({@code examples/session-server/session-server.js}; {@code servers=s1,...,sN}, each with its own port, PID file
 * and log in the bench's temp dir, {@code autoStart=true}, {@code healthInterval=1000}, everything else at its
 * default: resource view, log rotation check, state gauges, Flight Recorder hooks), measured from outside the host,
 * beside the same host without the agent in the same run:
 * <ul>
 * <li>host CPU: utime + stime of the whole host process ({@code /proc/<pid>/stat}, so the JIT and the GC are
 * included), read by this JVM over {@code bench.load.seconds} (default 30) after {@code bench.load.settle} (default
 * 20) seconds of settling once every server answered, in windows of {@code bench.load.window} (default 5) seconds:
 * the median window and the range;</li>
 * <li>retained heap per server: the host's used heap after a full GC ({@code jcmd <pid> GC.run}, then
 * {@code GC.heap_info}), with agent minus without, divided by N, at the start and at the end of the CPU windows; the
 * growth between the two, projected to 20 minutes after the host started;</li>
 * <li>threads added: the host's threads ({@code /proc/<pid>/task}) with the agent minus without, counted before the
 * first {@code jcmd} (which adds the JDK's Attach Listener).</li>
 * </ul>
 * {@code -Dbench.load.servers=N} (default 100); a short run: {@code -Dbench.load.servers=10 -Dbench.load.seconds=10}.
 * Skipped with a message when {@code node} is not on the PATH. Every host and server is killed by PID at the end,
 * also on failure (the {@link ProcessReaper}: hosts it started, servers from their PID files and by the marker in
 * their environment).
 */
final class NodeLoadBenchmark {

    private static final double PROJECT_TO_SECONDS = 20 * 60;

    private final Path work;
    private final ProcessReaper reaper;
    private final Path agentJar;
    private final int servers = Integer.getInteger("bench.load.servers", 100);
    private final long seconds = Long.getLong("bench.load.seconds", 30);
    private final long settleSeconds = Long.getLong("bench.load.settle", 20);
    private final long windowSeconds = Long.getLong("bench.load.window", 5);

    NodeLoadBenchmark(Path work, ProcessReaper reaper) {
        this.work = work;
        this.reaper = reaper;
        this.agentJar = Paths.get(System.getProperty("sessionserver.agent.jar", "target/session-server-manager-agent.jar"))
                .toAbsolutePath();
    }

    /** The host's java and its extra flags for the run under way. */
    private String hostJava = ExampleServer.java();
    private List<String> hostFlags = List.of();

    /**
     * The rows on this JVM's JDK, then on the extra host JDK (skipped with a message when there is none), the latter
     * with {@code --enable-native-access=ALL-UNNAMED} on Java 22+ (the pidfd process layer).
     */
    void run(Report report) throws Exception {
        runOn(report, dev.omega.sessionserver.testing.HostJdk.current());
        dev.omega.sessionserver.testing.HostJdk extra = dev.omega.sessionserver.testing.HostJdk.extra();
        if (!extra.available()) {
            System.out.println("nodeload: the extra host JDK's rows skipped: " + extra.unavailableReason());
            return;
        }
        runOn(report, extra);
    }

    private void runOn(Report report, dev.omega.sessionserver.testing.HostJdk jdk) throws Exception {
        hostJava = jdk.java().toString();
        hostFlags = jdk.feature() >= 22 ? List.of("--enable-native-access=ALL-UNNAMED") : List.of();
        hostLabel = " (Java " + jdk.feature() + " host" + (hostFlags.isEmpty() ? ")" : ", native access on)");
        runOnce(report);
    }

    private String hostLabel = "";

    private void runOnce(Report report) throws Exception {
        Path node = onPath("node");
        if (node == null) {
            System.out.println("nodeload: skipped: no node on the PATH");
            return;
        }
        Path script = exampleNodeServer(agentJar);
        Path dir = Files.createTempDirectory(work, "nodeload");
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < servers) { // a port just released can be handed out again
            ports.add(FreePort.find());
        }
        Measured without = measure(dir, null, List.of());
        // written now: the reaper's marker (in the servers' environment) changes with each reap
        Path config = SupervisionLoadBenchmark.writeConfig(dir, script, new ArrayList<>(ports), "agent.properties",
                reaper);
        Measured with = measure(dir, "-javaagent:" + agentJar + "=config=" + config, new ArrayList<>(ports));
        String label = servers + " node servers the agent spawned, healthInterval=1000, everything on" + hostLabel;
        double cpu = with.cpu.median();
        report.row(label + ": host CPU over " + seconds + " s after " + settleSeconds + " s settling, JIT included"
                + " (% of one core)", "≤ 1.5 %", cpu, "median of " + with.cpu.count() + " windows of " + windowSeconds
                + " s, range " + ProcessBenchmarks.fmt(with.cpu.percentile(0)) + "-"
                + ProcessBenchmarks.fmt(with.cpu.percentile(100)) + " %; host without agent: "
                + ProcessBenchmarks.fmt(without.cpu.median()) + " % (range "
                + ProcessBenchmarks.fmt(without.cpu.percentile(0)) + "-"
                + ProcessBenchmarks.fmt(without.cpu.percentile(100)) + "); difference "
                + ProcessBenchmarks.fmt(cpu - without.cpu.median()) + " %", cpu <= 1.5, with.cpu.count());
        double perServerStart = (with.heapStart - without.heapStart) / (double) servers;
        double perServerEnd = (with.heapEnd - without.heapEnd) / (double) servers;
        double growth = (perServerEnd - perServerStart) / (with.heapEndSeconds - with.heapStartSeconds);
        double projected = perServerEnd + growth * Math.max(0, PROJECT_TO_SECONDS - with.heapEndSeconds);
        report.row(label + ": retained heap per server after a full GC, projected to 20 minutes (KiB)",
                "≤ 48 KiB, not growing", projected / 1024, ProcessBenchmarks.fmt(perServerStart / 1024) + " KiB at "
                        + Math.round(with.heapStartSeconds) + " s, " + ProcessBenchmarks.fmt(perServerEnd / 1024)
                        + " KiB at " + Math.round(with.heapEndSeconds) + " s after the host started: "
                        + ProcessBenchmarks.fmt(growth) + " B/server/s; host without agent "
                        + without.heapEnd / 1024 + " KiB, with " + with.heapEnd / 1024 + " KiB",
                projected <= 48 * 1024, 1);
        int added = with.threads - without.threads;
        java.util.Map<String, Integer> extra = new java.util.TreeMap<>();
        with.threadNames.forEach((name, n) -> {
            int more = n - without.threadNames.getOrDefault(name, 0);
            if (more != 0) {
                extra.put(name, more);
            }
        });
        report.row(label + ": threads added", "≤ 3", added, "host without agent: " + without.threads
                + " threads; with: " + with.threads + " " + extra, added <= 3, 1);
    }

    private static final class Measured {
        final Stats cpu = new Stats(); // % of one core, one sample per window
        int threads;
        final java.util.Map<String, Integer> threadNames = new java.util.TreeMap<>();
        long heapStart;
        long heapEnd;
        double heapStartSeconds; // since the host was spawned
        double heapEndSeconds;
    }

    /** One host, with the agent ({@code agentFlag}) or without (null); killed, with its servers, before returning. */
    private Measured measure(Path dir, String agentFlag, List<Integer> ports) throws Exception {
        List<String> argv = new ArrayList<>(List.of(hostJava));
        argv.addAll(hostFlags);
        if (agentFlag != null) {
            argv.add(agentFlag);
        }
        argv.addAll(List.of("-cp",
                Paths.get(BenchHost.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
                BenchHost.class.getName()));
        String which = agentFlag == null ? "no agent" : "agent";
        Path err = dir.resolve(agentFlag == null ? "plain.err" : "agent.err");
        long spawned = System.nanoTime();
        Process host = reaper.start(new ProcessBuilder(argv).redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120 + 2L * ports.size());
            for (int i = 0; i < ports.size(); i++) {
                int port = ports.get(i);
                Path pid = dir.resolve("s" + (i + 1) + ".pid");
                while (!Files.exists(pid) || ExampleServer.healthStatus(port) != 200) {
                    ProcessBenchmarks.check(System.nanoTime() < deadline && host.isAlive(),
                            "nodeload: server s" + (i + 1) + " did not come up in time; see " + err);
                    Thread.sleep(50);
                }
                reaper.track(Long.parseLong(Files.readAllLines(pid).get(0).trim()));
            }
            System.out.println("  nodeload (" + which + "): " + ports.size() + " servers up after "
                    + Math.round((System.nanoTime() - spawned) / 1e9) + " s; settling " + settleSeconds + " s");
            Thread.sleep(TimeUnit.SECONDS.toMillis(settleSeconds));
            ProcessBenchmarks.check(host.isAlive(), "nodeload: the host exited; see " + err);
            Measured m = new Measured();
            try (var tasks = Files.list(Paths.get("/proc", Long.toString(host.pid()), "task"))) {
                for (Path t : (Iterable<Path>) tasks::iterator) { // before jcmd, which adds the Attach Listener
                    try {
                        m.threadNames.merge(Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N"), 1,
                                Integer::sum);
                        m.threads++;
                    } catch (java.io.IOException e) {
                        // the thread ended meanwhile
                    }
                }
            }
            m.heapStart = SupervisionLoadBenchmark.heapAfterFullGc(host.pid());
            m.heapStartSeconds = (System.nanoTime() - spawned) / 1e9;
            long windows = Math.max(1, seconds / windowSeconds);
            for (long w = 0; w < windows; w++) {
                long t0 = System.nanoTime();
                long c0 = SupervisionLoadBenchmark.cpuTicks(host.pid());
                Thread.sleep(TimeUnit.SECONDS.toMillis(windowSeconds));
                long c1 = SupervisionLoadBenchmark.cpuTicks(host.pid());
                double elapsed = (System.nanoTime() - t0) / 1e9;
                m.cpu.add((c1 - c0) / 100.0 / elapsed * 100.0); // clock ticks: 100 per second
            }
            m.heapEnd = SupervisionLoadBenchmark.heapAfterFullGc(host.pid());
            m.heapEndSeconds = (System.nanoTime() - spawned) / 1e9;
            System.out.println("  nodeload (" + which + "): CPU median " + ProcessBenchmarks.fmt(m.cpu.median())
                    + " % of " + m.cpu.count() + " windows; threads " + m.threads + "; heap after a full GC "
                    + m.heapStart / 1024 + " KiB at " + Math.round(m.heapStartSeconds) + " s, " + m.heapEnd / 1024
                    + " KiB at " + Math.round(m.heapEndSeconds) + " s");
            return m;
        } finally {
            for (int i = 0; i < ports.size(); i++) { // the servers not tracked yet (a failure above)
                try {
                    Path pid = dir.resolve("s" + (i + 1) + ".pid");
                    if (Files.exists(pid)) {
                        reaper.track(Long.parseLong(Files.readAllLines(pid).get(0).trim()));
                    }
                } catch (RuntimeException | java.io.IOException e) {
                    // a PID file being written: its server carries the reaper's marker
                }
            }
            host.getOutputStream().close(); // BenchHost exits when its stdin closes
            host.waitFor(20, TimeUnit.SECONDS);
            reaper.reap();
        }
    }

    /**
     * The example node server ({@code session-server.js} beside the example source), checked to exist, as is the
     * agent jar; shared with {@link AutoStartBenchmark}.
     */
    static Path exampleNodeServer(Path agentJar) {
        Path script = Paths.get(System.getProperty(ExampleServer.SOURCE_PROPERTY,
                "examples/session-server/SessionServer.java")).toAbsolutePath().resolveSibling("session-server.js");
        ProcessBenchmarks.check(Files.isRegularFile(script), "no " + script);
        ProcessBenchmarks.check(Files.isRegularFile(agentJar), "no agent jar at " + agentJar);
        return script;
    }

    static Path onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            Path p = Paths.get(d.isEmpty() ? "." : d, program);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

}
