package dev.omega.sessionserver.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.process.StopResult;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.ServerHostMain;
import dev.omega.sessionserver.testing.TestJvm;

/**
 * Whole-process figures of the library: how long after the server's first healthy answer {@code start()} returns,
 * how long after the server's exit {@code stop()} returns (spawned and adopted), and the SIGTERM-ignoring stop. Each
 * next to the original TypeScript tool's algorithm (poll {@code kill(pid, 0)} every 100 ms) measured on the same kind of server.
 */
final class ProcessBenchmarks {

    private final Path work;
    private final int runs;
    private final ProcessReaper reaper;

    ProcessBenchmarks(Path work, int runs, ProcessReaper reaper) {
        this.work = work;
        this.runs = runs;
        this.reaper = reaper;
    }

    private ProcessManagerOptions.Builder options(String tag, int port) throws IOException {
        Path dir = Files.createTempDirectory(work, tag);
        return ExampleServer.options(dir.resolve("server.pid"), port, reaper.marker(), ExampleServer.classesDir());
    }

    /** start() return minus the first healthy answer seen by an independent 1 ms poller; baseline: spawn to healthy. */
    void start(Report report) throws Exception {
        Stats late = new Stats();
        Stats toHealthy = new Stats();
        for (int i = 0; i < runs; i++) {
            int port = FreePort.find();
            ProcessManager m = new ProcessManager(options("start", port).build());
            long t0 = System.nanoTime();
            try (Watch healthy = Watch.firstHealthy(port)) {
                long pid = m.startServer();
                long returned = System.nanoTime();
                reaper.track(pid);
                long seen = healthy.awaitNanos(5_000);
                late.add(ms(returned - seen));
                toHealthy.add(ms(seen - t0));
            } finally {
                m.stopServer();
            }
        }
        report.row("start() returns after the first healthy answer", "≤ 5 ms", late.median(),
                "spawn to first healthy: " + fmt(toHealthy.median()) + " ms", late.median() <= 5, late.count());
    }

    /** stop() return minus the server's exit (a zombie counts), for a server this JVM spawned. */
    void stopSpawned(Report report) throws Exception {
        Stats ours = new Stats();
        Stats original = new Stats();
        for (int i = 0; i < runs; i++) {
            int port = FreePort.find();
            ProcessManager m = new ProcessManager(options("stop", port).build());
            long pid = m.startServer();
            reaper.track(pid);
            try (Watch exit = Watch.exit(pid)) {
                StopResult r = m.stopServer();
                long returned = System.nanoTime();
                check(r == StopResult.EXITED_ON_SIGTERM, "stop gave " + r);
                ours.add(ms(returned - exit.awaitNanos(5_000)));
            }
            original.add(originalStopLateness(startPlain(FreePort.find())));
        }
        report.row("stop() returns after the exit (spawned)", "≤ 5 ms", ours.median(),
                "original tool's 100 ms poll: " + fmt(original.median()) + " ms", ours.median() <= 5, ours.count());
    }

    /** The same for an adopted server: started by another JVM that has exited since. */
    void stopAdopted(Report report) throws Exception {
        Stats ours = new Stats();
        Stats original = new Stats();
        for (int i = 0; i < runs; i++) {
            int port = FreePort.find();
            ProcessManagerOptions opts = options("adopt", port).build();
            long pid = startFromOtherJvm(opts, port);
            ProcessManager m = new ProcessManager(opts);
            check(m.managedProcess().isPresent(), "adopted server not recognised");
            try (Watch exit = Watch.exit(pid)) {
                StopResult r = m.stopServer();
                long returned = System.nanoTime();
                check(r == StopResult.EXITED_ON_SIGTERM, "stop gave " + r);
                ours.add(ms(returned - exit.awaitNanos(5_000)));
            }
            int port2 = FreePort.find();
            long orphan = startFromOtherJvm(options("adopt-original", port2).build(), port2);
            original.add(originalStopLateness(orphan));
        }
        report.row("stop() returns after the exit (adopted)", "≤ 5 ms", ours.median(),
                "original tool's 100 ms kill(pid,0) poll: " + fmt(original.median()) + " ms", ours.median() <= 5,
                ours.count());
    }

    /** A server ignoring SIGTERM: stop() duration minus the stop timeout, and nothing of the tree left. */
    void stopIgnoringSigterm(Report report) throws Exception {
        long timeoutMs = 1000;
        Stats over = new Stats();
        int leftovers = 0;
        for (int i = 0; i < runs; i++) {
            int port = FreePort.find();
            Path childPidFile = work.resolve("child-" + i + ".pid");
            ProcessManager m = new ProcessManager(options("ignore", port).stopTimeout(Duration.ofMillis(timeoutMs))
                    .environmentVariable("SESSION_SERVER_IGNORE_SIGTERM", "true")
                    .environmentVariable("SESSION_SERVER_SPAWN_CHILD", "true")
                    .environmentVariable("SESSION_SERVER_CHILD_PID_FILE", childPidFile.toString()).build());
            long pid = m.startServer();
            reaper.track(pid);
            long t0 = System.nanoTime();
            StopResult r = m.stopServer();
            long took = System.nanoTime() - t0;
            check(r == StopResult.KILLED, "stop gave " + r);
            over.add(ms(took) - timeoutMs);
            if (Procs.alive(pid)) {
                leftovers++;
            }
            if (Files.exists(childPidFile)) {
                long child = Long.parseLong(Files.readString(childPidFile).trim());
                if (Procs.alive(child)) {
                    leftovers++;
                }
            }
        }
        report.row("stop() of a SIGTERM-ignoring server, over the stop timeout", "≤ 50 ms", over.median(),
                "stop timeout " + timeoutMs + " ms; processes left: " + leftovers, over.median() <= 50 && leftovers == 0,
                over.count());
    }

    /** A server started with setsid by this JVM directly, for the original tool's baseline. */
    private long startPlain(int port) throws Exception {
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(ExampleServer.command());
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put(ProcessManagerOptions.PORT_ENV, Integer.toString(port));
        Process p = reaper.start(pb);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ExampleServer.healthStatus(port) != 200) {
            check(System.nanoTime() < deadline && p.isAlive(), "baseline server did not become healthy");
            Thread.sleep(5);
        }
        return p.pid();
    }

    /** A server started by {@link ServerHostMain} in another JVM, which then exits: the server is an orphan. */
    private long startFromOtherJvm(ProcessManagerOptions opts, int port) throws Exception {
        Process host = reaper.start(new ProcessBuilder(TestJvm.command(ServerHostMain.class,
                Map.of("pidFile", opts.pidFile().toString(), "port", Integer.toString(port), "marker", reaper.marker(),
                        "classes", ExampleServer.classesDir().toString())))
                .redirectError(work.resolve("host-" + port + ".err").toFile()));
        String line;
        try (InputStream in = host.getInputStream()) {
            line = readLine(in);
        }
        host.getOutputStream().close(); // EOF: the host exits
        check(host.waitFor(30, TimeUnit.SECONDS), "host JVM did not exit");
        check(line.startsWith("PID "), "host printed '" + line + "'; its stderr: "
                + Files.readString(work.resolve("host-" + port + ".err")));
        long pid = Long.parseLong(line.substring(4).trim());
        reaper.track(pid);
        return pid;
    }

    /** The original tool's stop: SIGTERM, then poll kill(pid, 0) every 100 ms. Returns ms from the exit to its return. */
    private static double originalStopLateness(long pid) throws Exception {
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
        try (Watch exit = Watch.exit(pid)) {
            h.destroy();
            long start = System.nanoTime();
            while (h.isAlive() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
                Thread.sleep(100);
            }
            long returned = System.nanoTime();
            return ms(returned - exit.awaitNanos(5_000));
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            sb.append((char) c);
        }
        return sb.toString();
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.1f", v);
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
