package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signals Java cannot send on the Java 11-21 path (anything but SIGTERM and SIGKILL: a {@code stopSignal} such
 * as INT or QUIT, SIGCONT), sent by a small program: Perl's {@code signal.pl}, which reads each process's start ticks
 * in {@code /proc/<pid>/stat} and signals only when they are still the recorded ones, so a PID reused meanwhile is
 * not signalled; without Perl or {@code /proc}, the {@code kill} command, for processes checked alive just before.
 * The pidfd layer (Java 22+) needs none of this: it signals through pidfds. Stateless and thread-safe.
 */
final class SignalCommand {

    private static final long COMMAND_WAIT_MILLIS = 5_000;
    private static final Logger LOG = LoggerFactory.getLogger(ProcessTree.class);

    private SignalCommand() {
    }

    /**
     * Sends {@code signal} (a name without {@code SIG}) to each {@code {pid, startTicks}} pair and waits (at most
     * {@value #COMMAND_WAIT_MILLIS} ms) for the command. A failure to run it is logged, never thrown: SIGKILL at the
     * stop timeout still ends the processes.
     */
    static void send(String signal, long[][] pidsAndTicks) {
        List<String> argv;
        Optional<Path> perl = ServerLauncher.perl();
        if (perl.isPresent() && ProcFs.available()) {
            argv = new ArrayList<>(List.of(perl.get().toString(), "-e", PerlProgram.SIGNAL.text(), "--", signal));
            for (long[] p : pidsAndTicks) {
                argv.add(p[0] + ":" + p[1]);
            }
        } else {
            String kill = Files.isExecutable(Paths.get("/bin/kill")) ? "/bin/kill" : "/usr/bin/kill";
            argv = new ArrayList<>(List.of(kill, "-s", signal, "--"));
            for (long[] p : pidsAndTicks) {
                argv.add(Long.toString(p[0]));
            }
        }
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(COMMAND_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            LOG.warn("could not send SIG{} to {} (no perl, no kill command: {}); SIGKILL at the stop timeout still"
                    + " ends them", signal, pidsAndTicks.length == 1 ? "pid " + pidsAndTicks[0][0]
                    : pidsAndTicks.length + " processes", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
