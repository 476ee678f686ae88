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
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches the server detached, with its output appended to its log file opened safely: one small Perl program
 * ({@code perl} is in Debian's essential {@code perl-base} and ships with macOS) runs first, in the spawned process,
 * and then execs the server in place, so the PID Java sees is the server's own. Before the exec it:
 * <ol>
 * <li>resets every signal to its default disposition and empties the signal mask (a Java host's children inherit
 * some signals blocked, e.g. {@code SIGQUIT} under Java 17, which the server must be able to receive); on Linux
 * x86_64 and aarch64 by the raw {@code rt_sigaction}, {@code rt_sigprocmask} and {@code setsid} system calls, which
 * also reach the signals the C library reserves, elsewhere with Perl's {@code POSIX} module;</li>
 * <li>starts a new session and process group ({@code setsid}), so the host's terminal and death do not reach the
 * server and a stop can signal its whole group;</li>
 * <li>opens the log {@code O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW|O_NOCTTY|O_NONBLOCK}, mode {@code 0644} (the umask
 * can only remove bits), so a symbolic link is never followed and a FIFO never blocks; then checks with
 * {@code fstat} that what it opened is a regular file owned by the effective user, and clears {@code O_NONBLOCK};
 * without a log file it opens {@code /dev/null};</li>
 * <li>puts that file on stdout and stderr, then execs the server ({@code 127} when it is not found, {@code 126}
 * when it cannot be executed, with a message in the log).</li>
 * </ol>
 * Its stdout and stderr start as a pipe to Java, read to its end: the end comes when the log replaces them, just
 * before the exec. An error before that reaches Java on the pipe, with exit code {@value #LOG_REFUSED} for a refused
 * log file, and is reported as a {@link ServerStartException} naming the file and the reason; nothing is left
 * running. A Java-side check ({@link SafeFiles#checkExisting}) runs first, for a clear message; the no-follow open
 * in the spawned process is the guard that no race can pass.
 *
 * <p>Without Perl (none at {@code /usr/bin/perl}, {@code /bin/perl}, {@code /usr/local/bin/perl}) the server is
 * started under util-linux {@code setsid} with the log opened by the JDK after the Java-side check (a warning is
 * logged once): the check-then-open leaves a race, and signals are not reset.
 *
 * <p>The server's working directory is the one set on the process builder (the configured {@code workingDirectory});
 * else the host's, unless that no longer exists: then {@code /}, with a warning.
 * Immutable and thread-safe.
 */
final class ServerLauncher {

    /** The launcher's exit code when the log file is refused. */
    static final int LOG_REFUSED = 125;
    /** The launcher's exit code when it failed before the exec for another reason. */
    static final int LAUNCHER_FAILED = 124;
    static final String ERROR_PREFIX = "omega-launcher-error: ";
    private static final long EXIT_WAIT_MILLIS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(ServerLauncher.class);
    private static final AtomicBoolean WARNED_NO_PERL = new AtomicBoolean();

    private static final String SCRIPT = String.join("\n",
            "use Fcntl;",
            "my ($log, $maskNr, $setsidNr, $actionNr) = splice(@ARGV, 0, 4);",
            "sub fail { print STDERR '" + ERROR_PREFIX + "', $_[1], \"\\n\"; exit $_[0] }",
            "for (keys %SIG) { $SIG{$_} = 'DEFAULT' unless /^(?:KILL|STOP|__[A-Z]+__)$/ }",
            "if ($maskNr) {",
            "  my $dfl = \"\\0\" x 32;",
            "  for my $sig (1 .. 64) { syscall($actionNr, $sig, $dfl, 0, 8) unless $sig == 9 || $sig == 19 }",
            "  my $set = \"\\0\" x 8; syscall($maskNr, 2, $set, 0, 8) == 0 or fail(124, \"sigprocmask: $!\");",
            "  syscall($setsidNr) >= 0 or fail(124, \"setsid: $!\");",
            "} else {",
            "  require POSIX;",
            "  POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new) or fail(124, \"sigprocmask: $!\");",
            "  defined POSIX::setsid() or fail(124, \"setsid: $!\");",
            "}",
            "my $fh;",
            "if ($log eq '') { sysopen($fh, '/dev/null', O_WRONLY) or fail(124, \"/dev/null: $!\") }",
            "else {",
            "  sysopen($fh, $log, O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW|O_NOCTTY|O_NONBLOCK, 0644) or fail(125,",
            "    \"log file '${log}': \" . ($!{ELOOP} || $!{EMLINK} ? 'it is a symbolic link, which is never written'",
            "    . ' through' : $!{ENXIO} ? 'it is a FIFO or socket, not a regular file' : \"$!\"));",
            "  my @st = stat($fh);",
            "  -f _ or fail(125, \"log file '${log}': it is not a regular file\");",
            "  $st[4] == $> or fail(125, \"log file '${log}': it belongs to uid $st[4], not to uid $>\");",
            "  fcntl($fh, F_SETFL, O_APPEND) or fail(124, \"fcntl: $!\");",
            "}",
            "open(STDOUT, '>&', $fh) or fail(124, \"dup: $!\");",
            "open(STDERR, '>&', $fh) or exit 124;",
            "close $fh;",
            "exec { $ARGV[0] } @ARGV;",
            "my $noent = $!{ENOENT}; my $e = \"$!\";",
            "print STDERR \"cannot execute $ARGV[0]: $e\\n\"; exit($noent ? 127 : 126);");

    private static final ServerLauncher SYSTEM = new ServerLauncher(findPerl(), System.getProperty("os.name", ""),
            System.getProperty("os.arch", ""));

    private final Optional<Path> perl;
    private final String maskSyscall;
    private final String setsidSyscall;
    private final String actionSyscall;

    ServerLauncher(Optional<Path> perl, String osName, String osArch) {
        this.perl = perl;
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean linux = osName.toLowerCase(Locale.ROOT).startsWith("linux");
        if (linux && (arch.equals("amd64") || arch.equals("x86_64"))) {
            maskSyscall = "14";
            setsidSyscall = "112";
            actionSyscall = "13";
        } else if (linux && arch.equals("aarch64")) {
            maskSyscall = "135";
            setsidSyscall = "157";
            actionSyscall = "134";
        } else {
            maskSyscall = "0"; // POSIX module: slower to load, works everywhere
            setsidSyscall = "0";
            actionSyscall = "0";
        }
    }

    /** The launcher for this system: Perl when found, else the {@code setsid} command. */
    static ServerLauncher system() {
        return SYSTEM;
    }

    /** Perl, for the launcher and for signals Java cannot send; empty when there is none. */
    static Optional<Path> perl() {
        return SYSTEM.perl;
    }

    /** Whether the server's log is opened by the launcher (no-follow, race-free) rather than by the JDK. */
    boolean opensLogItself() {
        return perl.isPresent();
    }

    /**
     * Launches {@code server} (its command, environment and stdin as set; its output is the log's) detached, and
     * returns the server's process once the launcher has opened the log (or failed).
     *
     * @param log where the server's stdout and stderr are appended; empty for {@code /dev/null}
     * @throws ServerStartException {@link ServerStartException.Reason#FILE_UNUSABLE} when the log file is refused
     *         (a symbolic link, not a regular file, another user's, or it cannot be opened), naming it and the
     *         reason; {@link ServerStartException.Reason#SPAWN_FAILED} when nothing could be launched. In both cases
     *         nothing is left running.
     */
    Process launch(ProcessBuilder server, Optional<Path> log) throws IOException {
        return launch(server, log, true);
    }

    /** {@link #launch(ProcessBuilder, Optional)}, with the Java-side check of the log file optional (for tests). */
    Process launch(ProcessBuilder server, Optional<Path> log, boolean checkLogFirst) throws IOException {
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
        return perl.isPresent() ? launchWithPerl(server, log) : launchWithSetsid(server, log);
    }

    /** Whether the directory this JVM was started in ({@code user.dir}) has been removed since. */
    static boolean hostWorkingDirectoryGone() {
        String dir = System.getProperty("user.dir");
        return dir != null && !Files.isDirectory(Paths.get(dir));
    }

    private Process launchWithPerl(ProcessBuilder server, Optional<Path> log) throws IOException {
        List<String> argv = new ArrayList<>(List.of(perl.get().toString(), "-e", SCRIPT, "--",
                log.map(Path::toString).orElse(""), maskSyscall, setsidSyscall, actionSyscall));
        argv.addAll(server.command());
        ProcessBuilder pb = new ProcessBuilder(argv).directory(server.directory())
                .redirectInput(server.redirectInput()).redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(server.environment());
        Process p = start(pb, server);
        String before;
        try (InputStream in = p.getInputStream()) {
            before = new String(in.readAllBytes(), StandardCharsets.UTF_8); // ends when the log replaces the pipe
        } catch (IOException e) {
            killLauncher(p);
            throw new ServerStartException(ServerStartException.Reason.SPAWN_FAILED, "could not read the launcher's"
                    + " output while launching " + server.command() + ": " + e.getMessage(), OptionalInt.empty(), "",
                    e);
        }
        int at = before.indexOf(ERROR_PREFIX);
        if (at < 0) {
            if (!before.isBlank()) {
                LOG.warn("the launcher of {} said: {}", server.command(), before.trim());
            }
            return p; // the server runs (or its exec failed: 126/127, with the reason in its log)
        }
        String why = before.substring(at + ERROR_PREFIX.length()).trim();
        OptionalInt code = awaitLauncherExit(p);
        if (code.isPresent() && code.getAsInt() == LOG_REFUSED) {
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
