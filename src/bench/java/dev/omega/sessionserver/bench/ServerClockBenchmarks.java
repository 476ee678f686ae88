package dev.omega.sessionserver.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.process.StopResult;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * Figures seen from the server's own clock: a Perl one-liner (no module: the wall clock comes from the
 * {@code gettimeofday} system call) writes the time, in microseconds since the epoch, when its own code first runs and
 * when it receives SIGTERM; the harness compares it with the wall clock at the call ({@link Instant#now()}, in
 * microseconds on Linux). Same machine, same clock.
 * <ul>
 * <li>{@code start()} called → the server's process runs its own code (exec done, Perl's own start-up included);
 * baseline: the same one-liner started by {@link ProcessBuilder#start()} directly.</li>
 * <li>{@code stop()} called → the server receives the stop signal; baseline: {@link ProcessHandle#destroy()} of the
 * same kind of server, the least a Java caller can do.</li>
 * </ul>
 */
final class ServerClockBenchmarks {

    /**
     * Writes "ready <µs>" to $ARGV[0] when its code first runs and "term <µs>" to $ARGV[1] on SIGTERM, then exits.
     * The signal handler is installed before the first write, so a stop after "ready" is seen.
     */
    private static final String SERVER = String.join("\n",
            "sub now { my $b = \"\\0\" x 16; syscall(" + gettimeofdayNr() + ", $b, 0); my ($s, $u) = unpack('q q', $b);"
                    + " return $s * 1000000 + $u }",
            "my $t0 = now();",
            "sub put { my ($f, $w) = @_; open(my $h, '>', \"$f.tmp\") or die; print $h $w; close $h;"
                    + " rename(\"$f.tmp\", $f) }",
            "$SIG{TERM} = sub { my $t = now(); put($ARGV[1], \"term $t\"); exit 0 };",
            "put($ARGV[0], \"ready $t0\");",
            "sleep 1 while 1;");

    private final Path work;
    private final int runs;
    private final ProcessReaper reaper;

    ServerClockBenchmarks(Path work, int runs, ProcessReaper reaper) {
        this.work = work;
        this.runs = runs;
        this.reaper = reaper;
    }

    /** Both figures. */
    void run(Report report) throws Exception {
        Stats toExec = new Stats();
        Stats toExecPlain = new Stats();
        Stats toSignal = new Stats();
        Stats toSignalPlain = new Stats();
        for (int i = -2; i < runs; i++) { // two warm-up rounds, not counted
            Path dir = Files.createTempDirectory(work, "clock");
            Path ready = dir.resolve("ready");
            Path term = dir.resolve("term");
            ProcessManager m = new ProcessManager(ProcessManagerOptions.builder().pidFile(dir.resolve("server.pid"))
                    .port(FreePort.find()).healthCheckUrl("none").startTimeout(Duration.ZERO)
                    .stopTimeout(Duration.ofSeconds(5)).command(command(ready, term))
                    .environmentVariable(ProcessReaper.MARKER_ENV, reaper.marker()).build());
            long called = nowMicros();
            long pid = m.startServer();
            reaper.track(pid);
            long ran = awaitTime(ready, "ready");
            long signalCalled = nowMicros();
            StopResult r = m.stopServer();
            ProcessBenchmarks.check(r == StopResult.EXITED_ON_SIGTERM, "stop gave " + r);
            long received = awaitTime(term, "term");
            if (i >= 0) {
                toExec.add((ran - called) / 1000.0);
                toSignal.add((received - signalCalled) / 1000.0);
            }

            Path readyPlain = dir.resolve("ready-plain");
            Path termPlain = dir.resolve("term-plain");
            long plainCalled = nowMicros();
            Process p = reaper.start(new ProcessBuilder(command(readyPlain, termPlain))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true));
            long plainRan = awaitTime(readyPlain, "ready");
            long plainSignalCalled = nowMicros();
            p.toHandle().destroy();
            long plainReceived = awaitTime(termPlain, "term");
            ProcessBenchmarks.check(p.waitFor(5, TimeUnit.SECONDS), "plain server did not exit");
            if (i >= 0) {
                toExecPlain.add((plainRan - plainCalled) / 1000.0);
                toSignalPlain.add((plainReceived - plainSignalCalled) / 1000.0);
            }
        }
        report.row("start() called → the server runs its own code (exec done, Perl one-liner)", "≤ 5 ms",
                toExec.median(), "ProcessBuilder.start() of the same one-liner: " + fmt(toExecPlain.median())
                        + " ms; p90 " + fmt(toExec.percentile(90)) + " ms",
                toExec.median() <= 5, toExec.count());
        report.row("stop() called → the server receives SIGTERM (server's clock)", "≤ 2 ms", toSignal.median(),
                "ProcessHandle.destroy(): " + fmt(toSignalPlain.median()) + " ms; p90 " + fmt(toSignal.percentile(90))
                        + " ms",
                toSignal.median() <= 2, toSignal.count());
    }

    private static List<String> command(Path ready, Path term) {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/perl", "-e", SERVER, ready.toString(), term.toString()));
        return argv;
    }

    /** The microseconds a server wrote to {@code file} after {@code tag}, waiting up to 10 s for the file. */
    private static long awaitTime(Path file, String tag) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(file)) {
            ProcessBenchmarks.check(System.nanoTime() < deadline, "the server did not write " + file);
            Thread.sleep(0, 200_000);
        }
        String text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
        ProcessBenchmarks.check(text.startsWith(tag + " "), file + " holds '" + text + "'");
        return Long.parseLong(text.substring(tag.length() + 1));
    }

    /** The wall clock in microseconds since the epoch. */
    static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private static int gettimeofdayNr() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return arch.equals("aarch64") ? 169 : 96;
    }

    private static String fmt(double v) {
        return ProcessBenchmarks.fmt(v);
    }
}
