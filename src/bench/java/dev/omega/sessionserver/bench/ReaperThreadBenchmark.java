package dev.omega.sessionserver.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * Threads a JVM holds for 100 servers spawned by {@link ProcessManager} (the process side alone: no monitor, no
 * agent), against 100 of the same servers started by {@code ProcessBuilder} with {@code setsid} (the JDK keeps one
 * {@code process reaper} thread per child for the child's whole life).
 */
final class ReaperThreadBenchmark {

    private static final int SERVERS = 100;

    private final Path work;
    private final ProcessReaper reaper;

    ReaperThreadBenchmark(Path work, ProcessReaper reaper) {
        this.work = work;
        this.reaper = reaper;
    }

    void run(Report report) throws Exception {
        int before = threads();
        List<ProcessManager> managers = new ArrayList<>();
        for (int i = 0; i < SERVERS; i++) {
            Path dir = Files.createTempDirectory(work, "threads");
            ProcessManager m = new ProcessManager(ProcessManagerOptions.builder().pidFile(dir.resolve("server.pid"))
                    .port(FreePort.find()).healthCheckUrl("none").startTimeout(Duration.ZERO)
                    .command(List.of("/bin/sleep", "600"))
                    .environmentVariable(ProcessReaper.MARKER_ENV, reaper.marker()).build());
            reaper.track(m.startServer());
            managers.add(m);
        }
        Thread.sleep(200); // the launchers' reaper threads have finished their waits
        int ours = threads() - before;
        int oursReapers = reaperThreads();
        for (ProcessManager m : managers) {
            m.stopServer();
        }

        int plainBefore = threads();
        List<Process> plain = new ArrayList<>();
        for (int i = 0; i < SERVERS; i++) {
            plain.add(reaper.start(new ProcessBuilder("setsid", "/bin/sleep", "600")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true)));
        }
        Thread.sleep(200);
        int plainAdded = threads() - plainBefore;
        for (Process p : plain) {
            p.destroy();
        }
        for (Process p : plain) {
            p.waitFor(5, TimeUnit.SECONDS);
        }
        report.row("100 servers spawned by ProcessManager: threads added to the JVM", "≤ 4", ours,
                "process reaper threads alive: " + oursReapers + " (idle, they time out); 100 children by"
                        + " ProcessBuilder+setsid: +" + plainAdded + " threads",
                ours <= 4, 1);
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static int reaperThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("process reaper")) {
                n++;
            }
        }
        return n;
    }
}
