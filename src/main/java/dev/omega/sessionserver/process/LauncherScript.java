package dev.omega.sessionserver.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Perl program {@link ServerLauncher} runs to start the server detached ({@code launcher.pl}, a resource of this
 * package, read by {@link PerlProgram#LAUNCHER}; it explains each step), and the arguments it takes: the exit codes
 * and line prefixes by which it reports to Java, and the system call numbers and open flags for this platform. What
 * the program does, with a double fork as container runtimes do with their shims:
 * <ol>
 * <li>the <em>launcher</em>, the JVM's child, forks the shim, relays the status pipe to Java and exits (so the JDK's
 * reaper thread is released within milliseconds, and idles out);</li>
 * <li>the <em>shim</em> starts a session of its own, ignores {@code SIGTERM}, {@code SIGINT}, {@code SIGHUP} and
 * {@code SIGQUIT}, forks the server, tells Java the server's PID on the status pipe ({@value #PID_PREFIX}), names
 * itself {@value #SHIM_NAME} ({@code $0}, which on Linux also blanks what {@code /proc/<pid>/environ} shows), lets go
 * of every descriptor of the host ({@code /dev/null} on 0-2, working directory {@code /}); it then waits for the
 * server and writes the server's wait status atomically to the exit file ({@code <pidFile>.exit}: PID, start ticks,
 * wait status; a temporary file opened {@code O_EXCL|O_NOFOLLOW}, {@code 0644}, then renamed; see
 * {@link SpawnedServerExits}), and exits. It is no member of the server's process group or session, so a stop never
 * signals it, and it reaps the server at once (no zombie lingers);</li>
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
 * An error before the exec is one line to Java, {@value #ERROR_PREFIX} then the exit code and the reason,
 * and the process that failed exits with that code ({@value #LOG_REFUSED} for a refused log file,
 * {@value #LAUNCHER_FAILED} otherwise). The prefixes, the shim's name and the exit codes are written out in
 * {@code launcher.pl} too; a test checks that both say the same. On Linux x86_64 and aarch64 the open flags and
 * system call numbers come from Java, and {@code Errno} is loaded only to name a failure, so a launch loads no Perl
 * module: Perl's own start-up (about 1.6 ms here) and the program's compilation (about 0.7 ms), where {@code Errno}
 * would add about 1 ms, {@code Fcntl} a few and {@code POSIX} tens of milliseconds. Immutable and thread-safe.
 */
final class LauncherScript {

    /** The launcher's exit code when the log file is refused. */
    static final int LOG_REFUSED = 125;
    /** The launcher's exit code when it failed before the exec for another reason. */
    static final int LAUNCHER_FAILED = 124;
    /** What starts the launcher's line that reports an error before the exec: the exit code and the reason follow. */
    static final String ERROR_PREFIX = "omega-launcher-error: ";
    /** The line on which the shim tells Java the server's PID, before the server's output goes to its log. */
    static final String PID_PREFIX = "omega-launcher-pid: ";
    /** The shim's name in {@code ps} (its argv[0]). */
    static final String SHIM_NAME = "session-server-shim";

    private final String maskSyscall;
    private final String setsidSyscall;
    private final String actionSyscall;
    /** The log's open flags, O_APPEND, F_SETFL, the exit file temporary's open flags; '' for Perl's Fcntl. */
    private final String openFlags;

    /**
     * The script's arguments for this system ({@code os.name}, {@code os.arch} as Java reports them): the raw system
     * call numbers and open flags on Linux x86_64 and aarch64, else {@code 0} and {@code ''} (Perl's {@code POSIX}
     * and {@code Fcntl} modules).
     */
    LauncherScript(String osName, String osArch) {
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

    /**
     * The argv that runs the launcher with {@code perl}: the script, the log ({@code ''} for {@code /dev/null}), the
     * exit file ({@code ''} for none), this system's call numbers and open flags, then {@code serverCommand}.
     */
    List<String> argv(Path perl, Optional<Path> log, Optional<Path> exitFile, List<String> serverCommand) {
        List<String> argv = new ArrayList<>(List.of(perl.toString(), "-e", PerlProgram.LAUNCHER.text(), "--",
                log.map(Path::toString).orElse(""), exitFile.map(Path::toString).orElse(""), maskSyscall,
                setsidSyscall, actionSyscall, openFlags));
        argv.addAll(serverCommand);
        return argv;
    }
}
