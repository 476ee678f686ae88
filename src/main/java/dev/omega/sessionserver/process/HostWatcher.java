package dev.omega.sessionserver.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What stops a server after a {@code kill -9} (or a crash) of the host JVM that spawned it, when no shutdown hook
 * can run ({@code stopWithHost=true}): a small watcher process, the Perl program {@code host-watch.pl}, started as a
 * child of the host. It polls every 100 ms: when the server is gone (its start ticks checked, so a reused PID is not
 * it) it exits, so it never outlives the server; when its own parent changes (the host died) it sends the server's
 * process group the stop signal, then SIGKILL after the stop timeout, and exits. It lives in a session of its own
 * (the host's terminal and process group do not reach it) with stdin, stdout and stderr on {@code /dev/null}.
 *
 * <p>The same watcher serves both process layers: on the Perl path the server's parent is the launcher's shim, which
 * is reparented away from the host at once and so cannot tell the host's death; on the pidfd path the server is the
 * host's own child and nothing else waits for it. Only a server this host spawned is watched: an adopted one stays.
 * Without Perl (a Java 22+ host on the pidfd path can run without it) the watcher is {@code host-watch.sh}, run by
 * bash: its stdin is a pipe whose only writer is this JVM, so the end-of-file the kernel gives it when this JVM ends
 * is its sign; it looks at the server every 100 ms as the Perl one does. With neither there is no watcher (a warning
 * says so); a normal exit of the host still stops the server (the shutdown hook). Thread-safe.
 */
public final class HostWatcher {

    private static final Logger LOG = LoggerFactory.getLogger(HostWatcher.class);
    /** The watcher for a machine without perl: a resource of this package, run by bash. */
    static final String BASH_PROGRAM = "host-watch.sh";
    private static final String[] BASH = {"/bin/bash", "/usr/bin/bash"};
    private static final String[] SETSID = {"/usr/bin/setsid", "/bin/setsid"};
    /** The running {@code host-watch.sh} watchers, each holding this JVM's end of its stdin pipe. */
    private static final Set<Process> PIPE_WATCHERS = ConcurrentHashMap.newKeySet();
    private static volatile String bashProgram;

    private HostWatcher() {
    }

    /**
     * Starts the watcher of the server {@code pid} when {@code manager} spawned it (its last spawn) and it still
     * runs. Never throws: a failure is logged.
     *
     * @return the watcher process, empty when none was started (not spawned by this manager, gone, neither perl nor
     *         bash)
     */
    public static Optional<Process> watch(ProcessManager manager, long pid) {
        if (!manager.spawnedByThisManager(pid)) {
            return Optional.empty();
        }
        Optional<ProcessIdentity> id = ProcessIdentity.of(pid);
        if (id.isEmpty() || id.get().startTicks() < 0) {
            return Optional.empty();
        }
        ProcessManagerOptions o = manager.options();
        List<String> watched = List.of(Long.toString(pid), Long.toString(id.get().startTicks()),
                Integer.toString(o.stopSignal().linuxNumber()), Long.toString(o.stopTimeout().toMillis()));
        Optional<Path> perl = ServerLauncher.perl();
        Optional<Path> bash = perl.isPresent() ? Optional.empty() : firstExecutable(BASH);
        List<String> argv = new ArrayList<>();
        if (perl.isPresent()) {
            argv.addAll(List.of(perl.get().toString(), "-e", PerlProgram.HOST_WATCH.text(), "--"));
        } else if (bash.isPresent()) {
            firstExecutable(SETSID).ifPresent(setsid -> argv.add(setsid.toString()));
            argv.addAll(List.of(bash.get().toString(), "-c", bashProgram(), "host-watch"));
        } else {
            LOG.warn("stopWithHost: neither perl nor bash on this machine, so nothing stops session server pid {} if"
                    + " this JVM is killed with SIGKILL (a normal exit still stops it)", pid);
            return Optional.empty();
        }
        argv.addAll(watched);
        ProcessBuilder builder = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        if (perl.isPresent()) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        } // else stdin is a pipe from this JVM: its end-of-file is how host-watch.sh learns of this JVM's death
        try {
            Process p = builder.start();
            if (bash.isPresent()) {
                // Kept reachable until it exits: were the Process collected, the JDK would close this JVM's end of
                // the pipe, and the watcher would take that for the host's death.
                PIPE_WATCHERS.add(p);
                p.onExit().thenRun(() -> PIPE_WATCHERS.remove(p));
            }
            LOG.debug("stopWithHost: watcher pid {} watches session server pid {}", p.pid(), pid);
            return Optional.of(p);
        } catch (IOException | RuntimeException e) {
            LOG.warn("stopWithHost: could not start the watcher of session server pid {} ({}): a kill -9 of this JVM"
                    + " would leave it running", pid, e.toString());
            return Optional.empty();
        }
    }

    /** {@code host-watch.sh} as run: without its comment lines, read once. */
    static String bashProgram() {
        String t = bashProgram;
        if (t == null) {
            t = PerlProgram.withoutComments(PerlProgram.read(BASH_PROGRAM));
            bashProgram = t; // a race reads the same resource twice and keeps equal strings
        }
        return t;
    }

    private static Optional<Path> firstExecutable(String... candidates) {
        for (String c : candidates) {
            Path p = Paths.get(c);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
