package dev.omega.sessionserver.process;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured server as a command line: the argv that launches it (the explicit command, else the script with the
 * executor its extension picks) and the process built from it, the script's resolution (its {@code .ts}
 * twin when the {@code .js} file is missing), and the adoption matcher, which tells whether a live process's command
 * line is this server's (used for a PID file that records a PID without identity).
 *
 * <p>Immutable and thread-safe. Reads the file system (the script, its {@code #!} line) and {@code /proc} (a live
 * process's argv and working directory) on each call; a process that has exited meanwhile yields an empty command
 * line, which is never the server.
 */
final class ServerCommandLine {

    private final ProcessManagerOptions options;

    ServerCommandLine(ProcessManagerOptions options) {
        this.options = options;
    }

    /**
     * The argv that runs the server, before the detaching prefix: the explicit command, else the script with the
     * executor its extension picks ({@code .ts} tsx, {@code .js} node, {@code .java} this JVM's java, {@code .jar}
     * java -jar, anything else executed directly).
     */
    List<String> launchCommand() {
        if (!options.command().isEmpty()) {
            return options.command();
        }
        String script = resolveServerScript().toString();
        String lower = script.toLowerCase();
        if (lower.endsWith(".ts")) {
            return List.of("tsx", script);
        } else if (lower.endsWith(".js")) {
            return List.of("node", script);
        } else if (lower.endsWith(".java")) {
            return List.of(javaExecutable(), script);
        } else if (lower.endsWith(".jar")) {
            return List.of(javaExecutable(), "-jar", script);
        }
        return List.of(script);
    }

    /**
     * A process builder for the server, before {@link ServerLauncher} detaches it and sends its output to the log:
     * the {@link #launchCommand()}, stdin from {@code /dev/null}, and in its environment the host's, then
     * {@code SESSION_SERVER_PORT}, then the configured variables, then {@code extraEnv}.
     */
    ProcessBuilder serverProcess(Map<String, String> extraEnv) {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(launchCommand()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true);
        options.workingDirectory().ifPresent(dir -> pb.directory(dir.toFile()));
        Map<String, String> env = pb.environment();
        env.put(ProcessManagerOptions.PORT_ENV, Integer.toString(options.port()));
        env.putAll(options.environment());
        env.putAll(extraEnv);
        return pb;
    }

    /**
     * The script, absolute and normalized: the configured path if it exists, else (for a {@code .js} path) its
     * {@code .ts} twin if that exists, else the configured path as is. Same rule as the TypeScript tool. A relative
     * script is resolved against the configured working directory, else the host's.
     */
    Path resolveServerScript() {
        Path configured = options.serverScript();
        Path script = (options.workingDirectory().isPresent() ? options.workingDirectory().get().resolve(configured)
                : configured.toAbsolutePath()).normalize();
        if (Files.exists(script)) {
            return script;
        }
        String s = script.toString();
        if (s.endsWith(".js")) {
            Path ts = Paths.get(s.substring(0, s.length() - 3) + ".ts");
            if (Files.exists(ts)) {
                return ts;
            }
        }
        return script;
    }

    /**
     * Refuses to start a relative script when the host's working directory, against which it would be resolved, has
     * been removed: the message names the directory. An explicit command or an absolute script is not affected.
     *
     * @throws ServerStartException {@link ServerStartException.Reason#SPAWN_FAILED}; nothing was spawned
     */
    void refuseRelativeScriptInGoneWorkingDirectory() throws ServerStartException {
        if (options.command().isEmpty() && !options.serverScript().isAbsolute()
                && options.workingDirectory().isEmpty()
                && ServerLauncher.hostWorkingDirectoryGone()) {
            throw new ServerStartException(ServerStartException.Reason.SPAWN_FAILED, "the serverScript '"
                    + options.serverScript() + "' is relative to the host's working directory "
                    + System.getProperty("user.dir") + ", which no longer exists; configure an absolute serverScript."
                    + " Nothing was spawned.", java.util.OptionalInt.empty(), "", null);
        }
    }

    /**
     * Refuses to start when the configured working directory does not exist or is not a directory: the message names
     * the key and the path.
     *
     * @throws ServerStartException {@link ServerStartException.Reason#SPAWN_FAILED}; nothing was spawned
     */
    void requireWorkingDirectory() throws ServerStartException {
        if (options.workingDirectory().isEmpty()) {
            return;
        }
        Path dir = options.workingDirectory().get();
        String why = null;
        if (!Files.exists(dir)) {
            why = "it does not exist";
        } else if (!Files.isDirectory(dir)) {
            why = "it is not a directory";
        } else if (!Files.isExecutable(dir)) {
            why = "it cannot be entered (no search permission)";
        }
        if (why != null) {
            throw new ServerStartException(ServerStartException.Reason.SPAWN_FAILED, "invalid workingDirectory '"
                    + dir + "': " + why + ". Nothing was spawned.", java.util.OptionalInt.empty(), "", null);
        }
    }

    /** This JVM's {@code java} when it is executable, else {@code java} from the PATH. */
    static String javaExecutable() {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        return Files.isExecutable(java) ? java.toString() : "java";
    }

    /** The argv of live process {@code pid}: {@code /proc/<pid>/cmdline}, else the JDK's view; empty when unknown. */
    static List<String> liveCommandLine(long pid) {
        Optional<List<String>> cmd = ProcFs.commandLine(pid);
        if (cmd.isPresent()) {
            return cmd.get();
        }
        return ProcessHandle.of(pid).map(h -> {
            List<String> argv = new ArrayList<>();
            h.info().command().ifPresent(argv::add);
            h.info().arguments().ifPresent(a -> argv.addAll(Arrays.asList(a)));
            return argv;
        }).orElse(List.of());
    }

    /**
     * Whether {@code live}, the command line of process {@code pid}, is the configured server's (see
     * {@link #commandLineIsServer(List, List, Path, Path)}); relative paths are resolved against the process's working
     * directory.
     */
    boolean isServer(long pid, List<String> live) {
        List<String> configured = options.command();
        return commandLineIsServer(live, configured, configured.isEmpty() ? resolveServerScript() : null,
                configured.isEmpty() ? processWorkingDirectory(pid) : null);
    }

    /**
     * Whether a live command line is the configured server's, for a PID file without identity.
     * <ul>
     * <li>An explicit command: the live argv ends with the configured arguments, and the program before them has the
     * configured program's file name.</li>
     * <li>A script with a known executor ({@code .js}, {@code .ts}, {@code .java}, {@code .jar}): the live program is
     * that executor ({@code node}, {@code tsx} or {@code node} running tsx, {@code java}) and an argument names the
     * script. Merely naming the script is not enough: {@code tail -f session-server.js} or an editor is not the
     * server.</li>
     * <li>Any other script, executed directly: the live program is the script itself, or the script's {@code #!}
     * interpreter with the script as an argument.</li>
     * </ul>
     * Relative paths in the live argv are resolved against the process's working directory ({@code cwd}, null when
     * unknown).
     */
    static boolean commandLineIsServer(List<String> live, List<String> configured, Path script, Path cwd) {
        if (live.isEmpty()) {
            return false;
        }
        if (!configured.isEmpty()) {
            if (live.size() < configured.size()) {
                return false;
            }
            List<String> tail = live.subList(live.size() - configured.size() + 1, live.size());
            String liveProgram = fileName(live.get(live.size() - configured.size()));
            return tail.equals(configured.subList(1, configured.size()))
                    && liveProgram.equals(fileName(configured.get(0)));
        }
        String program = fileName(live.get(0));
        boolean scriptIsArgument = false;
        for (String arg : live.subList(1, live.size())) {
            if (namesScript(arg, script, cwd)) {
                scriptIsArgument = true;
                break;
            }
        }
        String lower = script.toString().toLowerCase();
        if (lower.endsWith(".js")) {
            return scriptIsArgument && isNode(program);
        } else if (lower.endsWith(".ts")) {
            return scriptIsArgument && (isNode(program) || program.equals("tsx"));
        } else if (lower.endsWith(".java") || lower.endsWith(".jar")) {
            return scriptIsArgument && program.equals("java");
        }
        if (namesScript(live.get(0), script, cwd)) {
            return true;
        }
        return scriptIsArgument && shebangInterpreter(script).map(program::equals).orElse(false);
    }

    private static boolean isNode(String program) {
        return program.equals("node") || program.equals("nodejs");
    }

    private static boolean namesScript(String arg, Path script, Path cwd) {
        if (arg.isEmpty() || arg.startsWith("-")) {
            return false;
        }
        try {
            Path p = Paths.get(arg);
            Path abs = p.isAbsolute() ? p.normalize() : cwd == null ? null : cwd.resolve(p).normalize();
            return script.equals(abs);
        } catch (RuntimeException e) {
            return false; // not a path
        }
    }

    /** The file name of the interpreter a {@code #!} line names ({@code #!/usr/bin/env python3} gives python3). */
    static Optional<String> shebangInterpreter(Path script) {
        byte[] head = new byte[256];
        int n;
        try (InputStream in = Files.newInputStream(script)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        String first = new String(head, 0, n, StandardCharsets.UTF_8).split("\n", 2)[0].trim();
        if (!first.startsWith("#!")) {
            return Optional.empty();
        }
        String[] words = first.substring(2).trim().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            return Optional.empty();
        }
        if (fileName(words[0]).equals("env")) {
            for (int i = 1; i < words.length; i++) {
                if (!words[i].startsWith("-") && words[i].indexOf('=') < 0) {
                    return Optional.of(fileName(words[i]));
                }
            }
            return Optional.empty();
        }
        return Optional.of(fileName(words[0]));
    }

    private static Path processWorkingDirectory(long pid) {
        try {
            return Files.readSymbolicLink(Paths.get("/proc", Long.toString(pid), "cwd"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    private static String fileName(String program) {
        int slash = program.lastIndexOf('/');
        return slash < 0 ? program : program.substring(slash + 1);
    }
}
