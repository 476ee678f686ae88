package dev.omega.sessionserver.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * One agent supervising {@value #SERVERS} servers it spawned itself (autoStart, nothing adopted) with a 1 s health
 * interval and everything of the operations and fleet issues on (resource view, the log rotation check of the default
 * log file, state gauges, Flight Recorder hooks): the host's CPU over windows of at least {@value #WINDOW_MS} ms (at
 * least 30 s in all) after {@value #SETTLE_SECONDS} s of warm-up, its thread count, and its heap after a full GC at
 * the start and at the end of those windows, each against the same host without the agent in the same run. The
 * servers are the tests' Perl server ({@code fast-session-server.pl}, about 5 MB each: a hundred JVMs would measure the
 * machine's memory, not the agent).
 */
final class SupervisionLoadBenchmark {

    static final int SERVERS = 100;
    /** The smaller load whose heap, subtracted from the full load's, gives the cost of one more server. */
    static final int FEW_SERVERS = 10;
    static final String RESOURCE_VIEW_PROPERTY = "dev.omega.sessionserver.resourceView";
    static final long WINDOW_MS = 2_000;
    static final long SETTLE_SECONDS = 20;
    static final long MIN_STEADY_MS = 30_000;
    private static final java.util.regex.Pattern HEAP_USED = java.util.regex.Pattern.compile("used (\\d+)K");

    private final Path work;
    private final int windows;
    private final ProcessReaper reaper;
    private final Path agentJar;

    SupervisionLoadBenchmark(Path work, int windows, ProcessReaper reaper) {
        this.work = work;
        this.windows = windows;
        this.reaper = reaper;
        this.agentJar = Paths.get(System.getProperty("sessionserver.agent.jar", "target/session-server-manager-agent.jar"))
                .toAbsolutePath();
    }

    void run(Report report) throws Exception {
        Path dir = Files.createTempDirectory(work, "load");
        Path script = installFastServer(dir);
        List<Integer> ports = new ArrayList<>();
        for (int i = 1; i <= SERVERS; i++) {
            int port = FreePort.find();
            while (ports.contains(port)) { // a port just released can be handed out again
                port = FreePort.find();
            }
            ports.add(port);
        }
        Path config = writeConfig(dir, script, ports, "agent.properties", reaper);
        Path configFew = writeConfig(dir, script, ports.subList(0, FEW_SERVERS), "agent-few.properties", reaper);
        Measured without = measure(dir, null, List.of(), windows);
        Measured with = measure(dir, "-javaagent:" + agentJar + "=config=" + config, ports, windows);
        // the same load with the resource view switched off: what the view costs
        Measured noView = measure(dir, "-D" + RESOURCE_VIEW_PROPERTY + "=false -javaagent:" + agentJar + "=config="
                + config, ports, windows);
        // few servers, heap only: the difference to the full load is what one more server costs
        Measured few = measure(dir, "-javaagent:" + agentJar + "=config=" + configFew,
                ports.subList(0, FEW_SERVERS), 0);
        report(report, without, with, noView, few);
    }

    /** The tests' Perl server ({@code fast-session-server.pl}) copied into {@code dir}, mode 0700. */
    static Path installFastServer(Path dir) throws IOException {
        Path script = dir.resolve("fast-session-server.pl");
        try (InputStream in = SupervisionLoadBenchmark.class
                .getResourceAsStream("/dev/omega/sessionserver/jmx/fast-session-server.pl")) {
            ProcessBenchmarks.check(in != null, "test resource fast-session-server.pl not on the class path");
            Files.copy(in, script);
        }
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    /**
     * An agent config file {@code dir/fileName} for servers {@code s1..sN} on these ports (a PID file each in
     * {@code dir}), all running {@code script}, autoStart, healthInterval=1000, the reaper's marker in their
     * environment. Shared with {@link NodeLoadBenchmark}.
     */
    static Path writeConfig(Path dir, Path script, List<Integer> ports, String fileName, ProcessReaper reaper)
            throws Exception {
        Path config = dir.resolve(fileName);
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            StringBuilder names = new StringBuilder();
            for (int i = 1; i <= ports.size(); i++) {
                names.append(i == 1 ? "" : ",").append('s').append(i);
            }
            w.write("servers=" + names + "\n");
            w.write("serverScript=" + script + "\n");
            w.write("healthInterval=1000\nautoStart=true\nstartTimeout=60000\n");
            w.write("env." + ProcessReaper.MARKER_ENV + "=" + reaper.marker() + "\n");
            for (int i = 1; i <= ports.size(); i++) {
                int port = ports.get(i - 1);
                w.write("s" + i + ".port=" + port + "\n");
                w.write("s" + i + ".healthCheckUrl=" + ExampleServer.healthUrl(port) + "\n");
                w.write("s" + i + ".pidFile=" + dir.resolve("s" + i + ".pid") + "\n");
            }
        }
        return config;
    }

    private static void report(Report report, Measured without, Measured with, Measured noView, Measured few) {
        double cpu = with.cpuPercent.median() - without.cpuPercent.median();
        report.row(SERVERS + " spawned servers, 1 s health interval: agent CPU (% of one core)", "≤ 2 %", cpu,
                "host without agent: " + ProcessBenchmarks.fmt(without.cpuPercent.median()) + " %; with: "
                        + ProcessBenchmarks.fmt(with.cpuPercent.median()) + " % over " + with.cpuPercent.count()
                        + " windows of " + with.windowMs + " ms (Perl servers); by thread: " + with.cpuByThread,
                cpu <= 2, with.cpuPercent.count());
        int added = with.threads - without.threads;
        int reapers = with.threadNames.getOrDefault("process reaper", 0);
        report.row(SERVERS + " spawned servers: threads added by the agent", "≤ 4", added,
                "host without agent: " + without.threads + "; with: " + with.threads + " " + with.threadNames
                        + "; without the JDK's process reapers: " + (added - reapers),
                added <= 4, 1);
        double perServer = (with.heapEnd - without.heapEnd) / (double) SERVERS / 1024;
        double growth = (with.heapEnd - with.heapStart) / (double) SERVERS / with.heapSeconds;
        report.row(SERVERS + " spawned servers: agent's retained heap per server after a full GC (KiB)", "≤ 64 KiB",
                perServer, "host without agent: " + without.heapEnd / 1024 + " KiB; with: " + with.heapEnd / 1024
                        + " KiB; growth over " + Math.round(with.heapSeconds) + " s: "
                        + ProcessBenchmarks.fmt(growth) + " bytes per server per second",
                perServer <= 64, 1);
        double viewCost = with.cpuPercent.median() - noView.cpuPercent.median();
        double viewRatio = (with.cpuPercent.median() - without.cpuPercent.median())
                / (noView.cpuPercent.median() - without.cpuPercent.median());
        report.row(SERVERS + " spawned servers: agent CPU with the resource view over without it (ratio)", "≤ 1.25",
                viewRatio, "with the view: " + ProcessBenchmarks.fmt(with.cpuPercent.median()) + " %; without ("
                        + "-D" + RESOURCE_VIEW_PROPERTY + "=false): " + ProcessBenchmarks.fmt(noView.cpuPercent.median())
                        + " %; host without agent: " + ProcessBenchmarks.fmt(without.cpuPercent.median())
                        + " %; the view costs " + ProcessBenchmarks.fmt(viewCost) + " % of a core",
                viewRatio <= 1.25, with.cpuPercent.count());
        double marginal = (with.heapEnd - few.heapEnd) / (double) (SERVERS - FEW_SERVERS) / 1024;
        report.row("agent's retained heap per additional server after a full GC (" + FEW_SERVERS + " -> " + SERVERS
                + " servers, KiB)", "≤ 64 KiB", marginal, FEW_SERVERS + " servers: " + few.heapEnd / 1024 + " KiB; "
                        + SERVERS + " servers: " + with.heapEnd / 1024 + " KiB (one-off costs such as the platform"
                        + " MBeanServer and the registry cancel out)",
                marginal <= 64, 1);
    }

    private static final class Measured {
        final Stats cpuPercent = new Stats();
        int threads;
        Map<String, Integer> threadNames = new TreeMap<>();
        String cpuByThread = "";
        long windowMs;
        long heapStart; // bytes used after a full GC, before the CPU windows
        long heapEnd; // and after them
        double heapSeconds;
    }

    private Measured measure(Path dir, String agentFlag, List<Integer> ports, int windows) throws Exception {
        List<String> argv = new ArrayList<>(List.of(ExampleServer.java(), "-Xss512k"));
        if (agentFlag != null) {
            argv.addAll(List.of(agentFlag.split(" ")));
            String extra = System.getProperty("bench.hostFlags", ""); // e.g. -XX:StartFlightRecording=... to profile
            if (!extra.isBlank()) {
                argv.addAll(List.of(extra.trim().split("\\s+")));
            }
        }
        argv.addAll(List.of("-cp",
                Paths.get(BenchHost.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
                BenchHost.class.getName()));
        Process host = reaper.start(new ProcessBuilder(argv)
                .redirectError(dir.resolve(agentFlag == null ? "plain.err" : "agent.err").toFile()));
        try (InputStream ignored = host.getInputStream()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            for (int i = 0; i < ports.size(); i++) {
                int port = ports.get(i);
                Path pid = dir.resolve("s" + (i + 1) + ".pid");
                while (!Files.exists(pid) || ExampleServer.healthStatus(port) != 200) {
                    ProcessBenchmarks.check(System.nanoTime() < deadline && host.isAlive(),
                            "server s" + (i + 1) + " did not come up; see " + dir.resolve("agent.err"));
                    Thread.sleep(50);
                }
                reaper.track(Long.parseLong(Files.readAllLines(pid).get(0).trim()));
            }
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
            while (System.nanoTime() < settle) { // steady state: the loader thread ended, the JIT has caught up
                Thread.sleep(100);
            }
            Measured m = new Measured();
            // threads first: jcmd below adds the JDK's Attach Listener
            try (var tasks = Files.list(Paths.get("/proc", Long.toString(host.pid()), "task"))) {
                for (Path t : (Iterable<Path>) tasks::iterator) {
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N");
                    m.threadNames.merge(name, 1, Integer::sum);
                    m.threads++;
                }
            }
            if (agentFlag != null) {
                m.threadNames.keySet().removeIf(n -> !(n.startsWith("session") || n.startsWith("process reaper")));
            }
            long heapT0 = System.nanoTime();
            m.heapStart = heapAfterFullGc(host.pid());
            m.windowMs = windows == 0 ? 0 : Math.max(WINDOW_MS, (MIN_STEADY_MS + windows - 1) / windows);
            Map<String, Long> before = cpuTicksByThreadName(host.pid());
            long start = System.nanoTime();
            for (int w = 0; w < windows; w++) {
                long t0 = System.nanoTime();
                long c0 = cpuTicks(host.pid());
                Thread.sleep(m.windowMs);
                long c1 = cpuTicks(host.pid());
                double seconds = (System.nanoTime() - t0) / 1e9;
                m.cpuPercent.add((c1 - c0) / 100.0 / seconds * 100.0);
            }
            Map<String, Long> after = cpuTicksByThreadName(host.pid());
            double seconds = (System.nanoTime() - start) / 1e9;
            StringBuilder top = new StringBuilder();
            after.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                    .filter(e -> e.getValue() > 0).sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).limit(6)
                    .forEach(e -> top.append(top.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                            .append(percent(e.getValue() / 100.0 / seconds * 100)).append('%'));
            System.out.println("  CPU by thread (" + (agentFlag == null ? "no agent" : "agent") + "): " + top);
            m.cpuByThread = top.toString();
            m.heapEnd = heapAfterFullGc(host.pid());
            m.heapSeconds = (System.nanoTime() - heapT0) / 1e9;
            System.out.println("  heap after a full GC (" + (agentFlag == null ? "no agent" : "agent") + "): "
                    + m.heapStart / 1024 + " KiB, " + Math.round(m.heapSeconds) + " s later " + m.heapEnd / 1024
                    + " KiB");
            return m;
        } finally {
            host.getOutputStream().close();
            host.waitFor(20, TimeUnit.SECONDS);
            reaper.reap();
        }
    }

    /** Runs a full GC in the host ({@code jcmd GC.run}) and returns the heap's used bytes after it. */
    static long heapAfterFullGc(long pid) throws Exception {
        Path jcmd = Paths.get(ExampleServer.java()).resolveSibling("jcmd");
        jcmdOutput(jcmd, pid, "GC.run");
        String info = jcmdOutput(jcmd, pid, "GC.heap_info");
        java.util.regex.Matcher m = HEAP_USED.matcher(info);
        ProcessBenchmarks.check(m.find(), "no 'used NK' in jcmd GC.heap_info: " + info);
        return Long.parseLong(m.group(1)) * 1024;
    }

    private static String jcmdOutput(Path jcmd, long pid, String command) throws Exception {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ProcessBenchmarks.check(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0,
                "jcmd " + pid + " " + command + " failed: " + out);
        return out;
    }

    /** utime + stime of each of a process's threads, summed by thread name (digits folded), in clock ticks. */
    private static Map<String, Long> cpuTicksByThreadName(long pid) throws IOException {
        Map<String, Long> byName = new TreeMap<>();
        try (var tasks = Files.list(Paths.get("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "N");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    byName.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return byName;
    }

    /** utime + stime of a process, in clock ticks (100 per second). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static String percent(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
