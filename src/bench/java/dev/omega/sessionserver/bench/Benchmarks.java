package dev.omega.sessionserver.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * The benchmark harness: {@code java -cp <test class path> dev.omega.sessionserver.bench.Benchmarks [names...]}, run
 * by {@code mvn -B -Pbench -DskipTests verify} (see docs/PERFORMANCE.md). Prints one Markdown row per goal: the median
 * over {@code -Dbench.runs} (default 20) runs next to its baseline measured in the same run. Kills every process it
 * started, also on failure.
 */
public final class Benchmarks {

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.getInteger("bench.runs", 20);
        List<String> only = Arrays.asList(args);
        Path work = Files.createTempDirectory("ssm-bench-");
        ProcessReaper reaper = new ProcessReaper();
        Report report = new Report();
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                + System.getProperty("java.version") + "; runs per figure: " + runs);
        try {
            ProcessBenchmarks process = new ProcessBenchmarks(work, runs, reaper);
            if (wanted(only, "start")) {
                process.start(report);
            }
            if (wanted(only, "stop")) {
                process.stopSpawned(report);
                process.stopAdopted(report);
            }
            if (wanted(only, "clock")) new ServerClockBenchmarks(work, runs, reaper).run(report);
            if (wanted(only, "threads")) new ReaperThreadBenchmark(work, reaper).run(report);
            if (wanted(only, "kill")) {
                process.stopIgnoringSigterm(report);
            }
            JmxBenchmarks jmx = new JmxBenchmarks(work, runs, reaper);
            if (wanted(only, "jmx")) {
                jmx.attributeReads(report, false);
                jmx.attributeReads(report, true);
            }
            StartupBenchmarks startup = new StartupBenchmarks(runs);
            if (wanted(only, "startup")) {
                startup.run(report);
            }
            if (wanted(only, "premain")) new PremainBenchmark(work, runs, reaper).run(report);
            if (wanted(only, "jar")) {
                startup.jarSize(report);
            }
            if (wanted(only, "load")) {
                new SupervisionLoadBenchmark(work, runs, reaper).run(report);
            }
            if (wanted(only, "nodeload")) new NodeLoadBenchmark(work, reaper).run(report);
            if (wanted(only, "exec")) new ExecHealthLoadBenchmark(work, reaper).run(report);
            if (wanted(only, "autostart")) new AutoStartBenchmark(work, reaper).run(report);
            if (wanted(only, "rotation")) {
                new LogRotationLossBenchmark(work, reaper).run(report);
            }
            if (wanted(only, "outside")) new OutsideBenchmarks(work, runs, reaper).run(report);
        } finally {
            reaper.reap();
        }
        report.print();
    }

    private static boolean wanted(List<String> only, String name) {
        return only.isEmpty() || only.contains(name);
    }
}
