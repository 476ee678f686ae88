package dev.omega.sessionserver.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code healthCheckUrl=exec:<program> [args...]}: healthy when the program exits 0 within the health check timeout.
 * No shell: the text after {@code exec:} is split on spaces, the first word is the program (a path with a {@code /},
 * relative ones against the server's working directory; else looked up on the {@code PATH} of the server's
 * environment). The program runs with the server's environment (the host's, {@code SESSION_SERVER_PORT}, the
 * {@code env.} variables) in the server's working directory, stdin from {@code /dev/null}, output discarded, in a
 * session and process group of its own ({@code setsid}, where installed): one that outlives the timeout is killed with
 * its whole process group and the outcome is {@link HealthCheck.Outcome#TIMEOUT}. A program that is missing or not
 * executable is {@link HealthCheck.Outcome#FAILED} with {@link #problem()} saying so (checked at every check, so
 * installing it later heals); an exit code other than 0 is {@link HealthCheck.Outcome#ERROR_STATUS}.
 *
 * <p>Costs one process per check (two execs: {@code setsid}, then the program), a few milliseconds of CPU for a small
 * program. Thread-safe; checks may run concurrently.
 */
final class ExecHealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(HealthCheck.class);
    private static final String SETSID = findSetsid();

    private final List<String> argv;
    private final Map<String, String> environment;
    private final Path workingDirectory; // null: the host's
    private final long timeoutMillis;
    private volatile String problem = "";

    /**
     * @param command the text after {@code exec:}, as configured
     */
    ExecHealthCheck(String command, ProcessManagerOptions options) {
        this.argv = split(command);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(ProcessManagerOptions.PORT_ENV, Integer.toString(options.port()));
        env.putAll(options.environment());
        this.environment = Collections.unmodifiableMap(env);
        this.workingDirectory = options.workingDirectory().orElse(null);
        this.timeoutMillis = Math.max(1, options.healthCheckTimeout().toMillis());
    }

    /** The words of {@code command} (split on spaces, empty ones dropped). */
    static List<String> split(String command) {
        List<String> words = new ArrayList<>();
        for (String w : command.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        return Collections.unmodifiableList(words);
    }

    /** Why the last check could not run the program ({@code ""}: it ran). No I/O. */
    String problem() {
        return problem;
    }

    /** Runs the program once. Never throws; an interrupted caller gets FAILED with its flag set. */
    HealthCheck.Outcome check() {
        Path program = resolve(argv.get(0));
        if (program == null) {
            return HealthCheck.Outcome.FAILED;
        }
        List<String> command = new ArrayList<>();
        if (SETSID != null) {
            command.addAll(Arrays.asList(SETSID, "-w"));
        }
        command.add(program.toString());
        command.addAll(argv.subList(1, argv.size()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File(
                "/dev/null"))).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
        if (workingDirectory != null) {
            pb.directory(workingDirectory.toFile());
        }
        pb.environment().clear();
        pb.environment().putAll(environment);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            problem = "health check exec:" + String.join(" ", argv) + ": cannot run " + program + ": "
                    + e.getMessage();
            return HealthCheck.Outcome.FAILED;
        }
        problem = "";
        ProcessIdentity id = ProcessIdentity.of(p.pid()).orElse(null); // while it surely is our child, unreaped
        try {
            if (p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                return p.exitValue() == 0 ? HealthCheck.Outcome.UP : HealthCheck.Outcome.ERROR_STATUS;
            }
            kill(p, id);
            return HealthCheck.Outcome.TIMEOUT;
        } catch (InterruptedException e) {
            kill(p, id);
            Thread.currentThread().interrupt();
            return HealthCheck.Outcome.FAILED;
        }
    }

    /** Kills the program and its process group (and descendants), identity-checked; never throws. */
    private static void kill(Process p, ProcessIdentity id) {
        try {
            if (id != null) {
                ProcessTree.terminate(id, 0, StopSignal.TERM);
            } else {
                p.destroyForcibly();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("exec health check pid {}: could not kill its process group: {}", p.pid(), e.toString());
            p.destroyForcibly();
        }
    }

    /** The program as a path, checked to be an executable file; null (and {@link #problem} set) when it is not. */
    private Path resolve(String name) {
        Path found = null;
        try {
            if (name.indexOf('/') >= 0) {
                Path p = Paths.get(name);
                found = p.isAbsolute() || workingDirectory == null ? p.toAbsolutePath() : workingDirectory.resolve(p);
            } else {
                String path = environment.get("PATH");
                for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
                    Path candidate = Paths.get(dir.isEmpty() ? "." : dir).resolve(name);
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        found = candidate.toAbsolutePath();
                        break;
                    }
                }
                if (found == null) {
                    problem = "health check exec:" + String.join(" ", argv) + ": program '" + name
                            + "' not found on the PATH of the server's environment";
                    return null;
                }
            }
        } catch (InvalidPathException e) {
            problem = "health check exec:" + String.join(" ", argv) + ": not a valid program path: " + e.getReason();
            return null;
        }
        if (!Files.isRegularFile(found)) {
            problem = "health check exec:" + String.join(" ", argv) + ": program " + found
                    + (Files.exists(found) ? " is not a regular file" : " does not exist");
            return null;
        }
        if (!Files.isExecutable(found)) {
            problem = "health check exec:" + String.join(" ", argv) + ": program " + found + " is not executable";
            return null;
        }
        return found;
    }

    private static String findSetsid() {
        for (String p : new String[] {"/usr/bin/setsid", "/bin/setsid"}) {
            if (Files.isExecutable(Paths.get(p))) {
                return p;
            }
        }
        return null;
    }
}
