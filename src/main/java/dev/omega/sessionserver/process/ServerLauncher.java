package dev.omega.sessionserver.process;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches the server detached, with its output appended to its log file opened safely, and so that it is not this
 * JVM's child (the JDK keeps a {@code process reaper} thread for every child for the child's whole life). One small
 * Perl program ({@code perl} is in Debian's essential {@code perl-base} and ships with macOS), {@link LauncherScript},
 * does it with a double fork: the <em>launcher</em> (this JVM's child, which exits at once) forks the <em>shim</em>,
 * which forks the server, tells Java its PID, waits for it and writes its exit status to the exit file. The server
 * gets default signal dispositions, an empty signal mask, a session and process group of its own, and its log opened
 * without following a symbolic link; see {@link LauncherScript} for each step. This class is the Java side: it
 * prepares the log's directory, runs the launcher, reads its report and turns a failure into a
 * {@link ServerStartException}.
 *
 * <p>The launcher's stdout and stderr are a pipe to Java, read to its end: the end comes when the launcher has exited,
 * the shim has let go of it and the log has replaced it in the server, just before the exec. An error before that
 * reaches Java on the pipe, with its exit code ({@value LauncherScript#LOG_REFUSED} for a refused log file), and is
 * reported as a {@link ServerStartException} naming the file and the reason; nothing is left running. A Java-side check
 * ({@link SafeFiles#checkExisting}) runs first, for a clear message; the no-follow open in the server's process is
 * the guard that no race can pass.
 *
 * <p>Without Perl (none at {@code /usr/bin/perl}, {@code /bin/perl}, {@code /usr/local/bin/perl}) the server is
 * started under util-linux {@code setsid} with the log opened by the JDK after the Java-side check (a warning is
 * logged once): the check-then-open leaves a race, signals are not reset, and the server is this JVM's child (one
 * reaper thread each; its exit code comes from the JDK).
 *
 * <p>The server's working directory is the one set on the process builder (the configured {@code workingDirectory});
 * else the host's, unless that no longer exists: then {@code /}, with a warning.
 * Immutable and thread-safe.
 */
final class ServerLauncher {

    private static final long EXIT_WAIT_MILLIS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(ServerLauncher.class);
    private static final AtomicBoolean WARNED_NO_PERL = new AtomicBoolean();

    private static final AtomicBoolean NOTED_NO_PIDFD = new AtomicBoolean();
    private static final ServerLauncher SYSTEM = new ServerLauncher(findPerl(), System.getProperty("os.name", ""),
            System.getProperty("os.arch", ""), true);

    private final Optional<Path> perl;
    private final LauncherScript script;
    /** Whether this launcher uses the pidfd layer where the host has it ({@link #system()} does). */
    private final boolean pidfdWhereAvailable;

    /**
     * A server just launched: its PID; the JDK's {@link Process} when it is this JVM's child through the JDK (only
     * without Perl); its pidfd when the pidfd layer spawned it (then it is this JVM's child, reaped by the layer's
     * waiter). Through the Perl launcher it is the shim's child, and its exit status is written to the exit file.
     */
    static final class Launched {
        private final long pid;
        private final Process child;
        private final PidfdProcess pidfd;

        Launched(long pid, Process child) {
            this(pid, child, null);
        }

        Launched(long pid, Process child, PidfdProcess pidfd) {
            this.pid = pid;
            this.child = child;
            this.pidfd = pidfd;
        }

        long pid() {
            return pid;
        }

        /** The server's process when the JDK spawned it; empty otherwise. */
        Optional<Process> child() {
            return Optional.ofNullable(child);
        }

        /** The server's pidfd when the pidfd layer spawned it; empty otherwise. */
        Optional<PidfdProcess> pidfd() {
            return Optional.ofNullable(pidfd);
        }
    }

    /** A launcher that always uses Perl when given it (else {@code setsid}), never the pidfd layer (tests). */
    ServerLauncher(Optional<Path> perl, String osName, String osArch) {
        this(perl, osName, osArch, false);
    }

    private ServerLauncher(Optional<Path> perl, String osName, String osArch, boolean pidfdWhereAvailable) {
        this.perl = perl;
        this.script = new LauncherScript(osName, osArch);
        this.pidfdWhereAvailable = pidfdWhereAvailable;
    }

    /**
     * The launcher for this system: the pidfd layer where the host has it ({@link PidfdSupport}), else Perl when
     * found, else the {@code setsid} command. The first launch without the pidfd layer logs once why, and how to
     * turn it on.
     */
    static ServerLauncher system() {
        return SYSTEM;
    }

    /** Perl, for the launcher and for signals Java cannot send; empty when there is none. */
    static Optional<Path> perl() {
        return SYSTEM.perl;
    }

    /** Whether the server's log is opened by the launcher (no-follow, race-free) rather than by the JDK. */
    boolean opensLogItself() {
        return perl.isPresent() || pidfdLayer().isPresent();
    }

    private Optional<PidfdProcesses> pidfdLayer() {
        return pidfdWhereAvailable ? PidfdSupport.layer() : Optional.empty();
    }

    /**
     * Launches {@code server} (its command, environment and stdin as set; its output is the log's) detached, and
     * returns once the launcher has opened the log (or failed). Through Perl the server is not this JVM's child: the
     * launcher (the JVM's child, which exits at once) forks the shim, which forks the server, waits for it and writes
     * its exit status to {@code exitFile} (see the class comment).
     *
     * @param log where the server's stdout and stderr are appended; empty for {@code /dev/null}
     * @param exitFile where the shim writes the server's exit status; empty for nowhere
     * @throws ServerStartException {@link ServerStartException.Reason#FILE_UNUSABLE} when the log file is refused
     *         (a symbolic link, not a regular file, another user's, or it cannot be opened), naming it and the
     *         reason; {@link ServerStartException.Reason#SPAWN_FAILED} when nothing could be launched. In both cases
     *         nothing is left running.
     */
    Launched launch(ProcessBuilder server, Optional<Path> log, Optional<Path> exitFile) throws IOException {
        return launch(server, log, exitFile, true);
    }

    /** {@link #launch(ProcessBuilder, Optional, Optional)}, with the Java-side check of the log optional (tests). */
    Launched launch(ProcessBuilder server, Optional<Path> log, Optional<Path> exitFile, boolean checkLogFirst)
            throws IOException {
        if (log.isPresent()) {
            try {
                SafeFiles.createDirectories(log.get().toAbsolutePath().getParent(), "log file " + log.get());
                if (checkLogFirst) {
                    SafeFiles.checkExisting(log.get(), "log file");
                }
            } catch (IOException e) {
                throw refused(e.getMessage(), e);
            }
        }
        if (server.directory() == null && hostWorkingDirectoryGone()) {
            LOG.warn("the host's working directory {} no longer exists: starting the session server in /",
                    System.getProperty("user.dir"));
            server.directory(new File("/"));
        }
        Optional<PidfdProcesses> pidfd = pidfdLayer();
        if (pidfd.isPresent()) {
            PidfdProcess p = pidfd.get().spawn(server.command(), server.environment(),
                    Optional.ofNullable(server.directory()).map(File::toPath), log);
            return new Launched(p.pid(), null, p);
        }
        if (pidfdWhereAvailable && NOTED_NO_PIDFD.compareAndSet(false, true)) {
            PidfdSupport.unavailableReason().ifPresent(why -> LOG.info("{}; servers are launched {}", why,
                    perl.isPresent() ? "through the Perl launcher" : "through setsid"));
        }
        if (perl.isPresent()) {
            return launchWithPerl(server, log, exitFile);
        }
        Process p = launchWithSetsid(server, log);
        return new Launched(p.pid(), p);
    }

    /** Whether the directory this JVM was started in ({@code user.dir}) has been removed since. */
    static boolean hostWorkingDirectoryGone() {
        String dir = System.getProperty("user.dir");
        return dir != null && !Files.isDirectory(Paths.get(dir));
    }

    private Launched launchWithPerl(ProcessBuilder server, Optional<Path> log, Optional<Path> exitFile)
            throws IOException {
        List<String> argv = script.argv(perl.get(), log, exitFile, server.command());
        ProcessBuilder pb = new ProcessBuilder(argv).directory(server.directory())
                .redirectInput(server.redirectInput()).redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(server.environment());
        Process p = start(pb, server);
        String before;
        try (InputStream in = p.getInputStream()) {
            // all of it is there when the launcher exits: it relays the status pipe (the PID, or a failure) first
            before = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            killLauncher(p);
            throw new ServerStartException(ServerStartException.Reason.SPAWN_FAILED, "could not read the launcher's"
                    + " output while launching " + server.command() + ": " + e.getMessage(), OptionalInt.empty(), "",
                    e);
        }
        OptionalInt launcherExit = awaitLauncherExit(p); // at once: it exits right after forking the shim
        long pid = -1;
        StringBuilder said = new StringBuilder();
        String error = null;
        for (String line : before.split("\n", -1)) {
            if (line.startsWith(LauncherScript.PID_PREFIX)) {
                try {
                    pid = Long.parseLong(line.substring(LauncherScript.PID_PREFIX.length()).trim());
                } catch (NumberFormatException e) {
                    pid = -1;
                }
            } else if (error == null && line.contains(LauncherScript.ERROR_PREFIX)) {
                int from = line.indexOf(LauncherScript.ERROR_PREFIX) + LauncherScript.ERROR_PREFIX.length();
                error = line.substring(from).trim();
            } else if (!line.isBlank()) {
                said.append(line.trim()).append('\n');
            }
        }
        if (error == null && pid > 0) {
            if (said.length() > 0) {
                LOG.warn("the launcher of {} said: {}", server.command(), said.toString().trim());
            }
            return new Launched(pid, null); // the server runs (or its exec failed: 126/127, with the reason in its log)
        }
        if (pid > 0) {
            awaitGone(pid); // it closed the pipe on its way out: "nothing was started" holds once it is gone
        }
        OptionalInt code = launcherExit;
        String why = error == null ? "no PID reported" + (said.length() > 0 ? ": " + said.toString().trim() : "")
                : error;
        int space = why.indexOf(' ');
        if (error != null && space > 0) {
            try {
                code = OptionalInt.of(Integer.parseInt(why.substring(0, space)));
                why = why.substring(space + 1);
            } catch (NumberFormatException e) {
                // a message without its code: the launcher's exit code stands
            }
        }
        if (code.isPresent() && code.getAsInt() == LauncherScript.LOG_REFUSED) {
            throw refused("refusing to use " + why + "; nothing was started", null);
        }
        throw new ServerStartException(ServerStartException.Reason.SPAWN_FAILED, "could not launch "
                + server.command() + ": the launcher failed (" + why + ", exit code "
                + (code.isPresent() ? Integer.toString(code.getAsInt()) : "unknown") + "); nothing was started",
                code, "", null);
    }

    private Process launchWithSetsid(ProcessBuilder server, Optional<Path> log) throws IOException {
        if (WARNED_NO_PERL.compareAndSet(false, true)) {
            LOG.warn("perl not found (/usr/bin/perl, /bin/perl, /usr/local/bin/perl): the session server's log is"
                    + " checked, then opened by the JDK (a race a symbolic link could still win), and the server"
                    + " inherits the host's blocked and ignored signals");
        }
        List<String> argv = new ArrayList<>(setsidPrefix());
        argv.addAll(server.command());
        ProcessBuilder pb = new ProcessBuilder(argv).directory(server.directory())
                .redirectInput(server.redirectInput()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(server.environment());
        if (log.isPresent()) {
            try (FileChannel created = SafeFiles.open(log.get(), "log file", true, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                // created rw-r--r-- (at most) when missing; checked
            } catch (IOException e) {
                throw refused(e.getMessage(), e);
            }
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.get().toFile()));
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        return start(pb, server);
    }

    private static Process start(ProcessBuilder pb, ProcessBuilder server) throws ServerStartException {
        try {
            return pb.start();
        } catch (IOException e) {
            throw new ServerStartException(ServerStartException.Reason.SPAWN_FAILED,
                    "could not launch " + server.command() + ": " + e.getMessage(), OptionalInt.empty(), "", e);
        }
    }

    /** Waits (at most {@value #EXIT_WAIT_MILLIS} ms) until the process {@code pid} has exited; a zombie counts. */
    private static void awaitGone(long pid) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_WAIT_MILLIS);
        while (System.nanoTime() - deadline < 0) {
            Optional<ProcFs.Stat> st = ProcFs.stat(pid);
            if (!ProcFs.available() || st.isEmpty() || st.get().exited()) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    /** The launcher's exit code; it exits right after reporting an error (it is killed if it does not). */
    private static OptionalInt awaitLauncherExit(Process p) {
        try {
            if (p.waitFor(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                return OptionalInt.of(p.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killLauncher(p);
        return OptionalInt.empty();
    }

    private static void killLauncher(Process p) {
        p.destroyForcibly(); // it has not exec'd the server: it is the launcher alone
        try {
            p.waitFor(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ServerStartException refused(String message, Throwable cause) {
        return new ServerStartException(ServerStartException.Reason.FILE_UNUSABLE, message, OptionalInt.empty(), "",
                cause);
    }

    private static Optional<Path> findPerl() {
        for (String candidate : new String[] {"/usr/bin/perl", "/bin/perl", "/usr/local/bin/perl"}) {
            if (Files.isExecutable(Paths.get(candidate))) {
                return Optional.of(Paths.get(candidate));
            }
        }
        return Optional.empty();
    }

    private static List<String> setsidPrefix() {
        for (String candidate : new String[] {"/usr/bin/setsid", "/bin/setsid", "/usr/local/bin/setsid"}) {
            if (Files.isExecutable(Paths.get(candidate))) {
                return List.of(candidate);
            }
        }
        LOG.warn("neither perl nor setsid found: the session server shares the host's process group and terminal"
                + " signals");
        return List.of();
    }
}
