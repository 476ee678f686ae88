package dev.omega.sessionserver.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import dev.omega.sessionserver.process.LogRotation;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FloodLines;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * The bytes a copy-then-truncate rotation loses under a server that writes numbered lines as fast as it can
 * ({@code SESSION_SERVER_FLOOD}: 512 lines, about 22 KiB, per {@code write}). {@value #ROTATIONS} rotations
 * ({@link ProcessManager#rotateLog()}, {@code logMaxBytes=64k}, {@code logBackups=1}), one every
 * {@value #SPACING_MILLIS} ms as a monitor with that interval would; after each, the lines missing between the last
 * complete line of {@code <log>.1} and the first line of the live log are counted. Bytes lost: those lines' bytes,
 * less the start of a line that {@code <log>.1} holds as its partial last line. Run alone:
 * {@code Benchmarks rotation}; {@code -Dbench.rotations=N} for another count.
 */
final class LogRotationLossBenchmark {

    static final int ROTATIONS = 50;
    static final long SPACING_MILLIS = 100;

    private final Path work;
    private final ProcessReaper reaper;

    LogRotationLossBenchmark(Path work, ProcessReaper reaper) {
        this.work = work;
        this.reaper = reaper;
    }

    void run(Report report) throws Exception {
        int rotations = Integer.getInteger("bench.rotations", ROTATIONS);
        Path dir = Files.createTempDirectory(work, "rotation");
        Path log = dir.resolve("server.log");
        int port = FreePort.find();
        ProcessManagerOptions options = ExampleServer.options(dir.resolve("server.pid"), port, reaper.marker(),
                ExampleServer.classesDir()).logFile(log).logMaxBytes(64 * 1024).logBackups(1)
                .environmentVariable("SESSION_SERVER_FLOOD", "true").startTimeout(Duration.ofSeconds(30)).build();
        ProcessManager m = new ProcessManager(options);
        Stats lostBytes = new Stats();
        Stats lostLines = new Stats();
        long copied = 0;
        int nothingLost = 0;
        long t0;
        long pid = m.startServer();
        reaper.track(pid);
        try {
            t0 = System.nanoTime();
            for (int r = 0; r < rotations; r++) {
                Thread.sleep(SPACING_MILLIS);
                LogRotation.Outcome outcome = m.rotateLog();
                if (outcome != LogRotation.Outcome.ROTATED) {
                    throw new IllegalStateException("rotation " + r + ": " + outcome + " " + m.logRotationNote());
                }
                Path backup = log.resolveSibling(log.getFileName() + ".1");
                copied += Files.size(backup);
                long[] lastAndPartial = FloodLines.lastAndPartialTail(backup);
                long first = awaitFirstLine(log);
                long last = lastAndPartial[0];
                if (last < 0 || first <= last) {
                    throw new IllegalStateException("rotation " + r + ": last line of .1 " + last
                            + ", first line of the live log " + first);
                }
                lostLines.add(first - last - 1);
                long lost = FloodLines.bytesBetween(last, first, pid) - lastAndPartial[1];
                lostBytes.add(lost);
                nothingLost += lost == 0 ? 1 : 0;
            }
        } finally {
            m.stopServer();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String detail = String.format(Locale.ROOT, "max %.0f bytes (%.0f lines; median %.0f lines); %d of %d"
                + " rotations lost nothing; the server wrote %.0f MB/s", lostBytes.percentile(100),
                lostLines.percentile(100), lostLines.median(), nothingLost, rotations,
                copied / seconds / 1e6);
        System.out.println("log rotation loss: " + detail);
        report.row("bytes lost per log rotation (copy-then-truncate, a server writing as fast as it can)",
                "measured", lostBytes.median(), detail, true, lostBytes.count());
    }

    /** The first complete flood line of the live log, once the server has written one after the truncation. */
    private static long awaitFirstLine(Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            long first = Files.size(log) > 0 ? FloodLines.first(log) : -1;
            if (first >= 0) {
                return first;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no line in " + log + " within 10 s of the rotation");
            }
            Thread.sleep(1);
        }
    }
}
