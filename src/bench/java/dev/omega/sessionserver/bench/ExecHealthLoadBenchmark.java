package dev.omega.sessionserver.bench;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * The figure {@code exec}: what {@code healthCheckUrl=exec:/bin/true} costs. One host JVM ({@link BenchHost}) whose
 * agent spawned {@code N} servers (the tests' Perl server, {@code -Dbench.exec.servers=N}, default 100), each checked
 * every second, once with {@code healthCheckUrl=none} (the baseline: no process, no network) and once with
 * {@code exec:/bin/true} (one process per check: {@code setsid}, then {@code /bin/true}). The CPU is the host's
 * utime + stime <em>plus that of its reaped children</em> (cutime + cstime of {@code /proc/<pid>/stat}: the checks'
 * processes), over {@code bench.exec.seconds} (default 30) after {@code bench.exec.settle} (default 15) s, in windows
 * of 5 s: the median window. The difference divided by the checks per second is the CPU of one check.
 */
final class ExecHealthLoadBenchmark {

    private static final long WINDOW_SECONDS = 5;

    private final Path work;
    private final ProcessReaper reaper;
    private final Path agentJar;
    private final int servers = Integer.getInteger("bench.exec.servers", 100);
    private final long seconds = Long.getLong("bench.exec.seconds", 30);
    private final long settleSeconds = Long.getLong("bench.exec.settle", 15);

    ExecHealthLoadBenchmark(Path work, ProcessReaper reaper) {
        this.work = work;
        this.reaper = reaper;
        this.agentJar = Paths.get(System.getProperty("sessionserver.agent.jar",
                "target/session-server-manager-agent.jar")).toAbsolutePath();
    }

    void run(Report report) throws Exception {
        Path dir = Files.createTempDirectory(work, "exec");
        Path script = SupervisionLoadBenchmark.installFastServer(dir);
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < servers) {
            int port = FreePort.find();
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        Stats none = measure(dir, script, ports, "none");
        Stats exec = measure(dir, script, ports, "exec:/bin/true");
        double difference = exec.median() - none.median();
        double perCheckMillis = difference / 100.0 * 1000.0 / servers; // % of a core -> ms of CPU per check
        String label = servers + " servers checked every 1 s with healthCheckUrl=exec:/bin/true";
        report.row(label + ": host CPU with its checks' processes (% of one core)", "reported", exec.median(),
                "same servers with healthCheckUrl=none: " + ProcessBenchmarks.fmt(none.median()) + " %; difference "
                        + ProcessBenchmarks.fmt(difference) + " % = " + ProcessBenchmarks.fmt(perCheckMillis)
                        + " ms of CPU per check; windows of " + WINDOW_SECONDS + " s, range "
                        + ProcessBenchmarks.fmt(exec.percentile(0)) + "-" + ProcessBenchmarks.fmt(exec.percentile(100))
                        + " % (none: " + ProcessBenchmarks.fmt(none.percentile(0)) + "-"
                        + ProcessBenchmarks.fmt(none.percentile(100)) + ")", true, exec.count());
    }

    private Path config(Path dir, Path script, List<Integer> ports, String health) throws Exception {
        Path config = dir.resolve("agent-" + (health.startsWith("exec") ? "exec" : health) + ".properties");
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            StringBuilder names = new StringBuilder();
            for (int i = 1; i <= ports.size(); i++) {
                names.append(i == 1 ? "" : ",").append('s').append(i);
            }
            w.write("servers=" + names + "\nserverScript=" + script + "\nhealthInterval=1000\nautoStart=true\n");
            w.write("startTimeout=60000\nhealthCheckUrl=" + health + "\n");
            w.write("env." + ProcessReaper.MARKER_ENV + "=" + reaper.marker() + "\n");
            for (int i = 1; i <= ports.size(); i++) {
                w.write("s" + i + ".port=" + ports.get(i - 1) + "\ns" + i + ".pidFile=" + dir.resolve("s" + i + ".pid")
                        + "\n");
            }
        }
        return config;
    }

    /** One host with the agent and these servers; its CPU (children included) per window; killed before returning. */
    private Stats measure(Path dir, Path script, List<Integer> ports, String health) throws Exception {
        Path config = config(dir, script, ports, health);
        List<String> argv = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-javaagent:" + agentJar + "=config=" + config, "-cp",
                Paths.get(BenchHost.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
                BenchHost.class.getName()));
        Path err = dir.resolve("host-" + (health.startsWith("exec") ? "exec" : health) + ".err");
        Process host = reaper.start(new ProcessBuilder(argv).redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120 + 2L * ports.size());
            for (int i = 1; i <= ports.size(); i++) {
                Path pid = dir.resolve("s" + i + ".pid");
                while (!Files.exists(pid) || Files.size(pid) == 0) {
                    ProcessBenchmarks.check(System.nanoTime() < deadline && host.isAlive(),
                            "exec: server s" + i + " did not come up in time; see " + err);
                    Thread.sleep(50);
                }
                reaper.track(Long.parseLong(Files.readAllLines(pid).get(0).trim()));
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(settleSeconds));
            Stats cpu = new Stats();
            for (long w = 0; w < Math.max(1, seconds / WINDOW_SECONDS); w++) {
                long t0 = System.nanoTime();
                long c0 = cpuTicksWithChildren(host.pid());
                Thread.sleep(TimeUnit.SECONDS.toMillis(WINDOW_SECONDS));
                long c1 = cpuTicksWithChildren(host.pid());
                cpu.add((c1 - c0) / 100.0 / ((System.nanoTime() - t0) / 1e9) * 100.0); // 100 clock ticks a second
            }
            System.out.println("  exec (" + health + "): CPU median " + ProcessBenchmarks.fmt(cpu.median()) + " % of "
                    + cpu.count() + " windows");
            return cpu;
        } finally {
            host.getOutputStream().close(); // BenchHost exits when its stdin closes
            host.waitFor(20, TimeUnit.SECONDS);
            reaper.reap();
            for (int i = 1; i <= ports.size(); i++) {
                Files.deleteIfExists(dir.resolve("s" + i + ".pid"));
            }
        }
    }

    /** utime + stime + cutime + cstime of {@code pid}, in clock ticks. */
    private static long cpuTicksWithChildren(long pid) throws java.io.IOException {
        String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }
}
