package dev.omega.sessionserver.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process that tells whether it was signalled: a shell in <em>this test JVM's</em> process group and session (it is
 * not detached) that traps SIGTERM, SIGHUP and SIGINT and, instead of dying, appends the signal's name to a marker
 * file. A signal sent to it, or to this JVM's process group, leaves a trace that outlives the moment; the test JVM's
 * own {@code isAlive()} would not (a JVM that got SIGTERM is still alive while its shutdown hooks run).
 *
 * <p>Started through the {@link ProcessReaper}, which kills it by PID in teardown; {@link #kill()} does so earlier;
 * and it ends by itself once this JVM is gone ({@code signal-sentinel.sh}). (A shell started with SIGHUP or SIGINT
 * ignored, as under {@code nohup} or as a background job, cannot trap them: SIGTERM is always trapped.)
 */
public final class SignalSentinel {

    /**
     * How long {@link #assertNotSignalled()} watches. A signal is queued before {@code kill(2)} returns, so one sent
     * by the operation under test is pending when the operation returns; the shell runs its trap as soon as its
     * current {@code sleep 0.05} ends. This window is a bound on that reaction, far above it, and it is acceptable
     * only because it asserts an absence: a marker fails the test as soon as it appears.
     */
    public static final Duration GRACE = Duration.ofMillis(500);

    private final Process process;
    private final List<String> argv;
    private final Path marker;

    private SignalSentinel(Process process, List<String> argv, Path marker) {
        this.process = process;
        this.argv = argv;
        this.marker = marker;
    }

    /** Starts a sentinel whose files ({@code <name>.signals}, {@code <name>.ready}) go in {@code dir}. */
    public static SignalSentinel start(ProcessReaper reaper, Path dir, String name) throws IOException {
        Path marker = dir.resolve(name + ".signals");
        Path ready = dir.resolve(name + ".ready");
        List<String> argv = List.of("/bin/sh", script().toString(), marker.toString(), ready.toString());
        Process p = reaper.start(new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD));
        Await.until("sentinel " + p.pid() + " has set its traps", Duration.ofSeconds(10), () -> {
            if (!p.isAlive()) {
                throw new AssertionError("sentinel " + p.pid() + " died at start, exit " + p.exitValue());
            }
            return Files.exists(ready);
        });
        return new SignalSentinel(p, argv, marker);
    }

    /** The shell script {@code signal-sentinel.sh}, a test resource beside this class. */
    public static Path script() {
        try {
            return Path.of(SignalSentinel.class.getResource("signal-sentinel.sh").toURI());
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("the test resource signal-sentinel.sh is not beside "
                    + SignalSentinel.class.getName(), e);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Its command line, as {@code /proc/<pid>/cmdline} shows it: a server command that would match it. */
    public List<String> argv() {
        return argv;
    }

    /** The signals it has caught so far ({@code TERM}, {@code HUP}, {@code INT}, one a line); empty when none. */
    public String signals() {
        try {
            return Files.exists(marker) ? Files.readString(marker).trim() : "";
        } catch (IOException e) {
            throw new AssertionError("cannot read " + marker, e);
        }
    }

    /**
     * Watches for {@link #GRACE}: fails as soon as a signal is recorded or the sentinel is gone, passes when neither
     * happened.
     */
    public void assertNotSignalled() {
        long end = System.nanoTime() + GRACE.toNanos();
        while (true) {
            String caught = signals();
            if (!caught.isEmpty()) {
                throw new AssertionError("sentinel pid " + pid() + " (in the test JVM's process group) was signalled: "
                        + caught.replace('\n', ','));
            }
            if (!Procs.alive(pid())) {
                throw new AssertionError("sentinel pid " + pid() + " is gone (killed by an untrappable signal?)");
            }
            if (System.nanoTime() - end >= 0) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while watching sentinel pid " + pid(), e);
            }
        }
    }

    /** SIGKILL by PID (it traps SIGTERM) and waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("sentinel pid " + pid() + " survived SIGKILL");
        }
    }
}
