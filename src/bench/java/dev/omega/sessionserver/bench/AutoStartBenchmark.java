package dev.omega.sessionserver.bench;

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
 * The figure {@code autostart}: a freshly started host JVM whose agent has {@code N} node servers with
 * {@code autoStart=true} ({@code examples/session-server/session-server.js}; {@code -Dbench.autostart.servers=N},
 * default 4), timed by this JVM from spawning the host until every server's health URL answers 200 (polled every
 * 5 ms), over {@code -Dbench.autostart.runs} runs (default 10; the two agent variants go first in turn). Beside it,
 * in the same run:
 * <ul>
 * <li>the same servers chained by {@code dependsOn} ({@code s2} on {@code s1}, ...), which makes autoStart start them
 * one after the other, as every autoStart did before independent servers started side by side;</li>
 * <li>a bare spawn of the same {@code N} node servers at once by this JVM (no host JVM), until all answer.</li>
 * </ul>
 * Skipped with a message when {@code node} is not on the PATH. Hosts and servers are killed by PID after each run.
 */
final class AutoStartBenchmark {

    private final Path work;
    private final ProcessReaper reaper;
    private final Path agentJar;
    private final int servers = Integer.getInteger("bench.autostart.servers", 4);
    private final int runs = Integer.getInteger("bench.autostart.runs", 10);

    AutoStartBenchmark(Path work, ProcessReaper reaper) {
        this.work = work;
        this.reaper = reaper;
        this.agentJar = Paths.get(System.getProperty("sessionserver.agent.jar",
                "target/session-server-manager-agent.jar")).toAbsolutePath();
    }

    void run(Report report) throws Exception {
        Path node = NodeLoadBenchmark.onPath("node");
        if (node == null) {
            System.out.println("autostart: skipped: no node on the PATH");
            return;
        }
        Path script = NodeLoadBenchmark.exampleNodeServer(agentJar);
        Stats sideBySide = new Stats();
        Stats chained = new Stats();
        Stats bare = new Stats();
        for (int r = 0; r < runs; r++) { // interleaved, each first in turn, so that a slow moment hits all three
            if (r % 2 == 0) {
                sideBySide.add(viaAgent(script, false));
                chained.add(viaAgent(script, true));
            } else {
                chained.add(viaAgent(script, true));
                sideBySide.add(viaAgent(script, false));
            }
            bare.add(bareSpawn(node, script));
        }
        double ratio = sideBySide.median() / bare.median();
        report.row("autoStart of " + servers + " node servers in a fresh Java " + Runtime.version().feature()
                + " host: host spawned -> all answer 200 (ms)", "side by side, not one after the other",
                sideBySide.median(), "chained by dependsOn (one after the other): "
                        + ProcessBenchmarks.fmt(chained.median()) + " ms; bare spawn of the " + servers
                        + " node servers at once, no host: " + ProcessBenchmarks.fmt(bare.median()) + " ms ("
                        + ProcessBenchmarks.fmt(ratio) + " x); ranges " + range(sideBySide) + " / " + range(chained)
                        + " / " + range(bare),
                sideBySide.median() < chained.median(), runs);
    }

    private static String range(Stats s) {
        return ProcessBenchmarks.fmt(s.percentile(0)) + "-" + ProcessBenchmarks.fmt(s.percentile(100));
    }

    private List<Integer> ports() {
        Set<Integer> ports = new HashSet<>();
        while (ports.size() < servers) {
            ports.add(FreePort.find());
        }
        return new ArrayList<>(ports);
    }

    /** Milliseconds from spawning a host with the agent until every server answers; all killed afterwards. */
    private double viaAgent(Path script, boolean chain) throws Exception {
        Path dir = Files.createTempDirectory(work, chain ? "autostart-chain" : "autostart");
        List<Integer> ports = ports();
        Path config = SupervisionLoadBenchmark.writeConfig(dir, script, ports, "agent.properties", reaper);
        if (chain) {
            StringBuilder more = new StringBuilder();
            for (int i = 2; i <= servers; i++) {
                more.append('s').append(i).append(".dependsOn=s").append(i - 1).append('\n');
            }
            Files.writeString(config, more, java.nio.file.StandardOpenOption.APPEND);
        }
        List<String> argv = new ArrayList<>(List.of(ExampleServer.java(), "-javaagent:" + agentJar + "=config="
                + config, "-cp", Paths.get(BenchHost.class.getProtectionDomain().getCodeSource().getLocation()
                        .toURI()).toString(), BenchHost.class.getName()));
        Path err = dir.resolve("host.err");
        long t0 = System.nanoTime();
        Process host = reaper.start(new ProcessBuilder(argv).redirectError(err.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD));
        try {
            awaitAll(ports, () -> host.isAlive(), "autostart: the servers did not all answer; see " + err);
            return (System.nanoTime() - t0) / 1e6;
        } finally {
            reaper.reap();
        }
    }

    /** Milliseconds from spawning the node servers (no host) until every one answers; all killed afterwards. */
    private double bareSpawn(Path node, Path script) throws Exception {
        List<Integer> ports = ports();
        long t0 = System.nanoTime();
        try {
            for (int port : ports) {
                ProcessBuilder pb = new ProcessBuilder(node.toString(), script.toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.environment().put("SESSION_SERVER_PORT", Integer.toString(port));
                reaper.start(pb);
            }
            awaitAll(ports, () -> true, "autostart: the bare node servers did not all answer");
            return (System.nanoTime() - t0) / 1e6;
        } finally {
            reaper.reap();
        }
    }

    private static void awaitAll(List<Integer> ports, java.util.function.BooleanSupplier stillUp, String failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Set<Integer> waiting = new HashSet<>(ports);
        while (!waiting.isEmpty()) {
            waiting.removeIf(port -> ExampleServer.healthStatus(port) == 200);
            ProcessBenchmarks.check(System.nanoTime() < deadline && stillUp.getAsBoolean(), failure);
            if (!waiting.isEmpty()) {
                Thread.sleep(5); // the poll interval of an outside observer
            }
        }
    }
}
