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
 * Launches the server detached, with its output appended to its log file opened safely, and so that it is not this
 * JVM's child (the JDK keeps a {@code process reaper} thread for every child for the child's whole life). One small
 * Perl program ({@code perl} is in Debian's essential {@code perl-base} and ships with macOS) does it with a double
 * fork, as container runtimes do with their shims:
 * <ol>
 * <li>the <em>launcher</em>, the JVM's child, forks the shim and exits at once (so the JDK's reaper thread is
 * released within milliseconds, and idles out);</li>
 * <li>the <em>shim</em> starts a session of its own, ignores {@code SIGTERM}, {@code SIGINT}, {@code SIGHUP} and
 * {@code SIGQUIT}, forks the server, tells Java the server's PID on the pipe, names itself {@value #SHIM_NAME}
 * ({@code $0}, which on Linux also blanks what {@code /proc/<pid>/environ} shows), lets go of every descriptor of the
 * host ({@code /dev/null} on 0-2, working directory {@code /}); it then waits for the server and writes the server's wait status atomically to the exit file
 * ({@code <pidFile>.exit}: PID, start ticks, wait status; a temporary file opened {@code O_EXCL|O_NOFOLLOW},
 * {@code 0644}, then renamed; see {@link SpawnedServerExits}), and exits. It is no member of the server's process
 * group or session, so a stop never signals it, and it reaps the server at once (no zombie lingers);</li>
 * <li>the <em>server's process</em>, before its exec: resets every signal to its default disposition and empties the
 * signal mask (a Java host's children inherit some signals blocked, e.g. {@code SIGQUIT} under Java 17, which the
 * server must be able to receive), on Linux x86_64 and aarch64 by the raw {@code rt_sigaction},
 * {@code rt_sigprocmask} and {@code setsid} system calls, which also reach the signals the C library reserves,
 * elsewhere with Perl's {@code POSIX} module; starts a new session and process group ({@code setsid}), so the host's
 * terminal and death do not reach the server and a stop can signal its whole group; opens the log
 * {@code O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW|O_NOCTTY|O_NONBLOCK}, mode {@code 0644} (the umask can only remove
 * bits), so a symbolic link is never followed and a FIFO never blocks; then checks with {@code fstat} that what it
 * opened is a regular file owned by the effective user, and clears {@code O_NONBLOCK}; without a log file it opens
 * {@code /dev/null}; puts that file on stdout and stderr, then execs the server ({@code 127} when it is not found,
 * {@code 126} when it cannot be executed, with a message in the log).</li>
 * </ol>
 * On Linux x86_64 and aarch64 the open flags and system call numbers come from Java, so the launcher loads no Perl
 * module (about 2 ms of Perl start-up, where {@code Fcntl} adds a few and {@code POSIX} tens of milliseconds).
 *
 * <p>The launcher's stdout and stderr are a pipe to Java, read to its end: the end comes when the launcher has exited,
 * the shim has let go of it and the log has replaced it in the server, just before the exec. An error before that
 * reaches Java on the pipe, with its exit code ({@value #LOG_REFUSED} for a refused log file), and is reported as a
 * {@link ServerStartException} naming the file and the reason; nothing is left running. A Java-side check
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

    /** The launcher's exit code when the log file is refused. */
    static final int LOG_REFUSED = 125;
    /** The launcher's exit code when it failed before the exec for another reason. */
    static final int LAUNCHER_FAILED = 124;
    static final String ERROR_PREFIX = "omega-launcher-error: ";
    /** The line on which the shim tells Java the server's PID, before the server's output goes to its log. */
    static final String PID_PREFIX = "omega-launcher-pid: ";
    /** The shim's name in {@code ps} (its argv[0]). */
    static final String SHIM_NAME = "session-server-shim";
    private static final long EXIT_WAIT_MILLIS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(ServerLauncher.class);
    private static final AtomicBoolean WARNED_NO_PERL = new AtomicBoolean();

    /**
     * The launcher. Arguments: the log ('' for /dev/null), the exit file ('' for none), the three system call numbers
     * (0: use POSIX), the open flags (log open, O_APPEND, F_SETFL, exit file's temporary open; '' : use Fcntl), then
     * the server's argv. Loads no module when the numbers are given (Linux x86_64 and aarch64).
     */
    private static final String SCRIPT = String.join("\n",
            "my ($log, $exit, $maskNr, $setsidNr, $actionNr, $fl) = splice(@ARGV, 0, 6);",
            "my ($logFlags, $appendFlag, $setfl, $tmpFlags) = map { $_ + 0 } split /,/, $fl;", // numbers: fcntl takes a string for a pointer
            "unless ($logFlags) { require Fcntl; $appendFlag = Fcntl::O_APPEND(); $setfl = Fcntl::F_SETFL();",
            "  $logFlags = Fcntl::O_WRONLY()|$appendFlag|Fcntl::O_CREAT()|Fcntl::O_NOFOLLOW()|Fcntl::O_NOCTTY()",
            "    |Fcntl::O_NONBLOCK();",
            "  $tmpFlags = Fcntl::O_WRONLY()|Fcntl::O_CREAT()|Fcntl::O_EXCL()|Fcntl::O_NOFOLLOW() }",
            "sub fail { syswrite(STDERR, '" + ERROR_PREFIX + "' . \"$_[0] $_[1]\\n\"); exit $_[0] }",
            "sub newSession { if ($setsidNr) { syscall($setsidNr) >= 0 or fail(124, \"setsid: $!\") }",
            "  else { require POSIX; defined POSIX::setsid() or fail(124, \"setsid: $!\") } }",
            "my $shim = fork; defined $shim or fail(124, \"fork: $!\");",
            "exit 0 if $shim;", // the JVM's child: done, the JDK reaps it at once
            "newSession();", // the shim: a session of its own, deaf to the terminal's and a stop's signals
            "$SIG{$_} = 'IGNORE' for qw(TERM INT HUP QUIT);",
            "my $pid = fork; defined $pid or fail(124, \"fork: $!\");",
            "if ($pid) {", // the shim: tells Java the PID, lets go of the host, waits, records the exit
            "  syswrite(STDOUT, '" + PID_PREFIX + "' . \"$pid\\n\");",
            "  my $ticks = -1;",
            "  if (open(my $st, '<', \"/proc/$pid/stat\")) { my $s = <$st>; close $st;",
            "    my @f = split / /, substr($s, rindex($s, ')') + 2); $ticks = $f[19] if defined $f[19] }",
            "  $0 = '" + SHIM_NAME + "';", // on Linux this also blanks what /proc shows of its environment
            "  open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>&', \\*STDOUT);",
            "  chdir '/';",
            "  waitpid($pid, 0) == $pid or exit 1;",
            "  my $status = $?;",
            "  exit 0 if $exit eq '';",
            "  my $tmp = \"$exit.$$.tmp\";",
            "  sysopen(my $fh, $tmp, $tmpFlags, 0644) or exit 1;",
            "  my $text = \"pid=$pid\\nstart-ticks=$ticks\\nwait-status=$status\\n\";",
            "  (syswrite($fh, $text) == length($text) and close($fh) and rename($tmp, $exit)) or unlink($tmp);",
            "  exit 0;",
            "}",
            "if ($maskNr) {", // the raw calls reach every signal: no %SIG loop (three system calls a signal)
            "  my $dfl = \"\\0\" x 32;",
            "  for my $sig (1 .. 64) { syscall($actionNr, $sig, $dfl, 0, 8) unless $sig == 9 || $sig == 19 }",
            "  my $set = \"\\0\" x 8; syscall($maskNr, 2, $set, 0, 8) == 0 or fail(124, \"sigprocmask: $!\");",
            "} else {",
            "  for (keys %SIG) { $SIG{$_} = 'DEFAULT' unless /^(?:KILL|STOP|__[A-Z]+__)$/ }",
            "  require POSIX;",
            "  POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new) or fail(124, \"sigprocmask: $!\");",
            "}",
            "newSession();",
            "my $fh;",
            "if ($log eq '') { open($fh, '>', '/dev/null') or fail(124, \"/dev/null: $!\") }",
            "else {",
            "  sysopen($fh, $log, $logFlags, 0644) or fail(125,",
            "    \"log file '${log}': \" . ($!{ELOOP} || $!{EMLINK} ? 'it is a symbolic link, which is never written'",
            "    . ' through' : $!{ENXIO} ? 'it is a FIFO or socket, not a regular file' : \"$!\"));",
            "  my @st = stat($fh);",
            "  -f _ or fail(125, \"log file '${log}': it is not a regular file\");",
            "  $st[4] == $> or fail(125, \"log file '${log}': it belongs to uid $st[4], not to uid $>\");",
            "  fcntl($fh, $setfl, $appendFlag) or fail(124, \"fcntl: $!\");",
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
    /** The log's open flags, O_APPEND, F_SETFL, the exit file temporary's open flags; '' for Perl's Fcntl. */
    private final String openFlags;

    /**
     * A server just launched: its PID, and the JDK's {@link Process} when it is this JVM's child (only without Perl;
     * through the launcher it is the shim's child, and its exit status is written to the exit file).
     */
    static final class Launched {
        private final long pid;
        private final Process child;

        Launched(long pid, Process child) {
            this.pid = pid;
            this.child = child;
        }

        long pid() {
            return pid;
        }

        /** The server's process when it is this JVM's child; empty when the shim waits for it. */
        Optional<Process> child() {
            return Optional.ofNullable(child);
        }
    }

    ServerLauncher(Optional<Path> perl, String osName, String osArch) {
        this.perl = perl;
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean linux = osName.toLowerCase(Locale.ROOT).startsWith("linux");
        if (linux && (arch.equals("amd64") || arch.equals("x86_64"))) {
            maskSyscall = "14";
            setsidSyscall = "112";
            actionSyscall = "13";
            openFlags = linuxOpenFlags(0400000);
        } else if (linux && arch.equals("aarch64")) {
            maskSyscall = "135";
            setsidSyscall = "157";
            actionSyscall = "134";
            openFlags = linuxOpenFlags(0100000);
        } else {
            maskSyscall = "0"; // POSIX module: slower to load, works everywhere
            setsidSyscall = "0";
            actionSyscall = "0";
            openFlags = "";
        }
    }

    /** The open flags the launcher needs, for Linux (the same on x86_64 and aarch64 but for O_NOFOLLOW). */
    private static String linuxOpenFlags(int noFollow) {
        int wronly = 01;
        int creat = 0100;
        int excl = 0200;
        int noctty = 0400;
        int append = 02000;
        int nonblock = 04000;
        int setfl = 4;
        return (wronly | append | creat | noFollow | noctty | nonblock) + "," + append + "," + setfl + ","
                + (wronly | creat | excl | noFollow);
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
        List<String> argv = new ArrayList<>(List.of(perl.get().toString(), "-e", SCRIPT, "--",
                log.map(Path::toString).orElse(""), exitFile.map(Path::toString).orElse(""), maskSyscall,
                setsidSyscall, actionSyscall, openFlags));
        argv.addAll(server.command());
        ProcessBuilder pb = new ProcessBuilder(argv).directory(server.directory())
                .redirectInput(server.redirectInput()).redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(server.environment());
        Process p = start(pb, server);
        String before;
        try (InputStream in = p.getInputStream()) {
            // ends when the launcher has exited, the shim has let go of the pipe and the log replaced it in the server
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
            if (line.startsWith(PID_PREFIX)) {
                try {
                    pid = Long.parseLong(line.substring(PID_PREFIX.length()).trim());
                } catch (NumberFormatException e) {
                    pid = -1;
                }
            } else if (error == null && line.contains(ERROR_PREFIX)) {
                error = line.substring(line.indexOf(ERROR_PREFIX) + ERROR_PREFIX.length()).trim();
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
