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
 * One agent supervising {@value #SERVERS} servers with a 1 s health interval: the host's CPU over windows of
 * {@value #WINDOW_MS} ms and its thread count, against the same host without the agent in the same run. The servers
 * are {@code examples/session-server/session-server.js} under node where node is installed (a hundred JVMs would
 * measure the machine's memory, not the agent), else the Java example.
 */
final class SupervisionLoadBenchmark {

    static final int SERVERS = 100;
    static final long WINDOW_MS = 2_000;
    static final long SETTLE_SECONDS = 15;

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
        boolean node = onPath("node");
        Path script = node ? ExampleServer.source().resolveSibling("session-server.js") : ExampleServer.source();
        Path config = dir.resolve("agent.properties");
        List<Integer> ports = new ArrayList<>();
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            StringBuilder names = new StringBuilder();
            for (int i = 1; i <= SERVERS; i++) {
                names.append(i == 1 ? "" : ",").append('s').append(i);
            }
            w.write("servers=" + names + "\n");
            w.write("serverScript=" + script + "\n");
            w.write("healthInterval=1000\nautoStart=true\nstartTimeout=60000\n");
            w.write("env." + ProcessReaper.MARKER_ENV + "=" + reaper.marker() + "\n");
            for (int i = 1; i <= SERVERS; i++) {
                int port = FreePort.find();
                while (ports.contains(port)) { // a port just released can be handed out again
                    port = FreePort.find();
                }
                ports.add(port);
                w.write("s" + i + ".port=" + port + "\n");
                w.write("s" + i + ".healthCheckUrl=" + ExampleServer.healthUrl(port) + "\n");
                w.write("s" + i + ".pidFile=" + dir.resolve("s" + i + ".pid") + "\n");
            }
        }
        Measured without = measure(dir, null, List.of());
        Measured with = measure(dir, "-javaagent:" + agentJar + "=config=" + config, ports);
        double cpu = with.cpuPercent.median() - without.cpuPercent.median();
        report.row(SERVERS + " servers, 1 s health interval: agent CPU (% of one core)", "≤ 2 %", cpu,
                "host without agent: " + ProcessBenchmarks.fmt(without.cpuPercent.median()) + " %; with: "
                        + ProcessBenchmarks.fmt(with.cpuPercent.median()) + " % (" + (node ? "node" : "Java")
                        + " servers)",
                cpu <= 2, with.cpuPercent.count());
        int added = with.threads - without.threads;
        report.row(SERVERS + " servers: threads added by the agent", "≤ 4", added,
                "host without agent: " + without.threads + "; with: " + with.threads + " " + with.threadNames,
                added <= 4, 1);
    }

    private static final class Measured {
        final Stats cpuPercent = new Stats();
        int threads;
        Map<String, Integer> threadNames = new TreeMap<>();
    }

    private Measured measure(Path dir, String agentFlag, List<Integer> ports) throws Exception {
        List<String> argv = new ArrayList<>(List.of(ExampleServer.java(), "-Xss512k"));
        if (agentFlag != null) {
            argv.add(agentFlag);
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
            Map<String, Long> before = cpuTicksByThreadName(host.pid());
            long start = System.nanoTime();
            for (int w = 0; w < windows; w++) {
                long t0 = System.nanoTime();
                long c0 = cpuTicks(host.pid());
                Thread.sleep(WINDOW_MS);
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
            return m;
        } finally {
            host.getOutputStream().close();
            host.waitFor(20, TimeUnit.SECONDS);
            reaper.reap();
        }
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
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Paths.get(d, program))) {
                return true;
            }
        }
        return false;
    }

    static String percent(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
