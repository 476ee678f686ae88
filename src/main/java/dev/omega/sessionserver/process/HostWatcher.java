package dev.omega.sessionserver.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
 * Without Perl there is no watcher (a warning says so); a normal exit of the host still stops the server (the
 * shutdown hook). Stateless and thread-safe.
 */
public final class HostWatcher {

    private static final Logger LOG = LoggerFactory.getLogger(HostWatcher.class);

    private HostWatcher() {
    }

    /**
     * Starts the watcher of the server {@code pid} when {@code manager} spawned it (its last spawn) and it still
     * runs. Never throws: a failure is logged.
     *
     * @return the watcher process, empty when none was started (not spawned by this manager, gone, no Perl)
     */
    public static Optional<Process> watch(ProcessManager manager, long pid) {
        if (!manager.spawnedByThisManager(pid)) {
            return Optional.empty();
        }
        Optional<ProcessIdentity> id = ProcessIdentity.of(pid);
        Optional<Path> perl = ServerLauncher.perl();
        if (id.isEmpty() || id.get().startTicks() < 0) {
            return Optional.empty();
        }
        if (perl.isEmpty()) {
            LOG.warn("stopWithHost: no perl on this machine, so nothing stops session server pid {} if this JVM is"
                    + " killed with SIGKILL (a normal exit still stops it)", pid);
            return Optional.empty();
        }
        ProcessManagerOptions o = manager.options();
        List<String> argv = new ArrayList<>(List.of(perl.get().toString(), "-e", PerlProgram.HOST_WATCH.text(), "--",
                Long.toString(pid), Long.toString(id.get().startTicks()),
                Integer.toString(o.stopSignal().linuxNumber()), Long.toString(o.stopTimeout().toMillis())));
        File devNull = new File("/dev/null");
        try {
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(devNull))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            LOG.debug("stopWithHost: watcher pid {} watches session server pid {}", p.pid(), pid);
            return Optional.of(p);
        } catch (IOException | RuntimeException e) {
            LOG.warn("stopWithHost: could not start the watcher of session server pid {} ({}): a kill -9 of this JVM"
                    + " would leave it running", pid, e.toString());
            return Optional.empty();
        }
    }
}
