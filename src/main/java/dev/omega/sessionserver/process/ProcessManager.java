package dev.omega.sessionserver.process;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed's {@code ProcessManager}, made safe: starts a session server detached, records its PID <em>and
 * identity</em> in the PID file, stops its whole process group (SIGTERM, then SIGKILL after the stop timeout), and
 * checks {@code GET /api/health}.
 *
 * <p>Safety contract:
 * <ul>
 * <li>A process is signalled only when it is the one this tool started: its PID and kernel start time match the PID
 * file (see {@link ProcessIdentity}). A PID file without identity (the seed's format) is adopted only when the live
 * process's command line is the configured server's; otherwise it is foreign and left alone.</li>
 * <li>Invalid PIDs ({@code -1}, {@code 0}, {@code 1}, this JVM, its parent, garbage; see {@link PidValidator}) are
 * never signalled.</li>
 * <li>Start and stop are serialized across threads and JVMs by a lock file beside the PID file, so concurrent
 * starts yield one server and every caller gets its PID.</li>
 * <li>A server found healthy on the port but not started by this tool is reported as unmanaged; nothing is spawned
 * and no PID is claimed.</li>
 * </ul>
 *
 * <p>The server runs in its own session and process group ({@code setsid}), stdin from {@code /dev/null}, output
 * appended to the log file: it survives the host JVM's exit, a {@code kill -9} of the host and a Ctrl-C or hang-up in
 * the host's terminal. Thread-safe.
 */
public final class ProcessManager implements IProcessManager {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessManager.class);
    private static final long POLL_MILLIS = 2;
    private static final long HEALTH_POLL_MILLIS = 5;
    private static final long KILL_WAIT_MILLIS = 5_000;
    private static final int LOG_TAIL_LINES = 20;
    private static final File DEV_NULL = new File("/dev/null");

    private final ProcessManagerOptions options;
    private final PidFile pidFile;
    private final PidFileLock lock;
    private final HealthCheck health;

    /** The server this instance spawned, while it may still be ours to reap; null otherwise. */
    private volatile Process child;
    /** The last exit of a server this instance spawned: {pid, exit code}; null before any. */
    private volatile long[] lastExit;

    public ProcessManager(ProcessManagerOptions options) {
        this.options = options;
        this.pidFile = new PidFile(options.pidFile());
        this.lock = new PidFileLock(options.pidFile());
        this.health = new HealthCheck(options.healthCheckUrl(), options.healthCheckTimeout());
    }

    public ProcessManagerOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ start

    @Override
    public long startServer(Map<String, String> extraEnv) throws IOException {
        try (PidFileLock.Held held = lock.acquire(lockTimeoutMillis())) {
            Resolved found = resolve();
            if (found.kind == Resolved.Kind.MANAGED) {
                if (found.adoptedWithoutIdentity) {
                    pidFile.write(found.identity); // record the identity from now on
                }
                LOG.info("session server already running (pid {})", found.identity.pid());
                return found.identity.pid();
            }
            if (found.kind != Resolved.Kind.NONE) {
                LOG.warn("ignoring PID file: {}", found.problem);
                pidFile.delete();
            }
            HealthCheck.Outcome onPort = health.check();
            if (onPort.portServed()) {
                throw new ServerStartException(ServerStartException.Reason.PORT_SERVED_BY_UNMANAGED_SERVER,
                        "port " + options.port() + " is served by an unmanaged server (" + health.url() + " gave "
                                + onPort + "); this manager did not start it, so it spawned nothing and claims no"
                                + " PID. Stop that server, or configure another port.",
                        OptionalInt.empty(), "", null);
            }
            return spawnAndAwaitHealth(extraEnv == null ? Map.of() : extraEnv);
        }
    }

    private long spawnAndAwaitHealth(Map<String, String> extraEnv) throws IOException {
        List<String> argv = launchCommand();
        List<String> full = new ArrayList<>(Detach.prefix());
        full.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.from(DEV_NULL))
                .redirectErrorStream(true);
        Optional<Path> log = options.logFile();
        long logOffset = 0;
        if (log.isPresent()) {
            Files.createDirectories(log.get().getParent());
            if (PidFile.fileAttributes().isPresent() && !Files.exists(log.get(), LinkOption.NOFOLLOW_LINKS)) {
                try {
                    // not the JDK's 0666 & ~umask: the log, too, is never group- or world-writable when we make it
                    Files.createFile(log.get(), PidFile.fileAttributes().get());
                } catch (FileAlreadyExistsException e) {
                    // made meanwhile: use it as it is
                }
            }
            logOffset = Files.exists(log.get()) ? Files.size(log.get()) : 0;
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.get().toFile()));
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        Map<String, String> env = pb.environment();
        env.put(ProcessManagerOptions.PORT_ENV, Integer.toString(options.port()));
        env.putAll(options.environment());
        env.putAll(extraEnv);

        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ServerStartException(ServerStartException.Reason.SPAWN_FAILED,
                    "could not launch " + full + ": " + e.getMessage(), OptionalInt.empty(), "", e);
        }
        child = p;
        p.onExit().thenAccept(done -> lastExit = new long[] {done.pid(), done.exitValue()});
        Optional<ProcessIdentity> id = ProcessIdentity.of(p.pid());
        if (id.isEmpty()) {
            throw exitedDuringStart(p, log, logOffset);
        }
        pidFile.write(id.get());
        LOG.info("spawned session server pid {}: {}", p.pid(), argv);

        long timeoutMillis = options.startTimeout().toMillis();
        if (timeoutMillis == 0) {
            return p.pid();
        }
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        HealthCheck.Outcome last = HealthCheck.Outcome.REFUSED;
        while (true) {
            if (!p.isAlive() || !id.get().isAlive()) {
                pidFile.delete();
                throw exitedDuringStart(p, log, logOffset);
            }
            last = health.check();
            if (last == HealthCheck.Outcome.UP) {
                LOG.info("session server pid {} healthy after {} ms", p.pid(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                return p.pid();
            }
            if (System.nanoTime() - deadline >= 0) {
                break;
            }
            try {
                Thread.sleep(HEALTH_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                terminateQuietly(id.get());
                pidFile.delete();
                throw new InterruptedIOException("interrupted while waiting for the session server (pid " + p.pid()
                        + ") to become healthy; it was stopped");
            }
        }
        StopResult how = terminateQuietly(id.get());
        pidFile.delete();
        throw new ServerStartException(ServerStartException.Reason.NOT_HEALTHY_IN_TIME,
                "session server (pid " + p.pid() + ") was not healthy within the start timeout of " + timeoutMillis
                        + " ms (last check of " + health.url() + ": " + last + "); it was stopped (" + how + ")"
                        + tailSuffix(log, logOffset),
                OptionalInt.empty(), tail(log, logOffset), null);
    }

    private ServerStartException exitedDuringStart(Process p, Optional<Path> log, long logOffset) {
        OptionalInt code = OptionalInt.empty();
        try {
            if (p.waitFor(KILL_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                code = OptionalInt.of(p.exitValue());
                lastExit = new long[] {p.pid(), p.exitValue()};
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        child = null;
        String tail = tail(log, logOffset);
        String hint = code.isPresent() && (code.getAsInt() == 127 || code.getAsInt() == 126)
                ? " (the executor or script could not be run: is it installed and on the PATH?)" : "";
        return new ServerStartException(ServerStartException.Reason.EXITED_DURING_START,
                "session server (pid " + p.pid() + ") exited during start with exit code "
                        + (code.isPresent() ? Integer.toString(code.getAsInt()) : "unknown") + hint
                        + tailSuffix(log, logOffset),
                code, tail, null);
    }

    private static String tailSuffix(Optional<Path> log, long offset) {
        if (log.isEmpty()) {
            return "; its output was discarded (configure a logFile to see it)";
        }
        String tail = tail(log, offset);
        return tail.isEmpty() ? "; it wrote nothing to " + log.get()
                : "; last lines of " + log.get() + ":\n" + tail;
    }

    /** The last lines written to the log since {@code offset} (at most 64 KiB read). */
    static String tail(Optional<Path> log, long offset) {
        if (log.isEmpty()) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(log.get().toFile(), "r")) {
            long len = f.length();
            long from = Math.max(offset, len - 65536);
            if (len <= from) {
                return "";
            }
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            List<String> lines = Arrays.asList(new String(buf, StandardCharsets.UTF_8).split("\r?\n"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The argv that runs the server, before the detaching prefix: the explicit command, else the script with the
     * executor its extension picks ({@code .ts} tsx, {@code .js} node, {@code .java} this JVM's java, {@code .jar}
     * java -jar, anything else executed directly).
     */
    public List<String> launchCommand() {
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

    /** The script as the seed resolves it: the configured path if it exists, else its {@code .ts} twin, else as is. */
    public Path resolveServerScript() {
        Path script = options.serverScript().toAbsolutePath().normalize();
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

    static String javaExecutable() {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        return Files.isExecutable(java) ? java.toString() : "java";
    }

    // ------------------------------------------------------------------ stop

    @Override
    public StopResult stopServer() throws IOException {
        try (PidFileLock.Held held = lock.acquire(lockTimeoutMillis())) {
            Resolved found = resolve();
            switch (found.kind) {
                case NONE:
                    LOG.info("session server is not running (no PID file {})", options.pidFile());
                    return StopResult.NOT_RUNNING;
                case STALE:
                    LOG.info("session server is not running; removing stale PID file: {}", found.problem);
                    pidFile.delete();
                    return StopResult.STALE_PID_FILE_REMOVED;
                case FOREIGN:
                    LOG.warn("not stopping: {}", found.problem);
                    return StopResult.FOREIGN_PROCESS_LEFT_ALONE;
                default:
                    break;
            }
            StopResult result = terminate(found.identity);
            pidFile.delete();
            LOG.info("session server pid {} stopped: {}", found.identity.pid(), result);
            return result;
        }
    }

    private StopResult terminateQuietly(ProcessIdentity id) {
        try {
            return terminate(id);
        } catch (IOException e) {
            LOG.error("could not stop session server pid {}: {}", id.pid(), e.getMessage());
            return StopResult.KILLED;
        }
    }

    /**
     * SIGTERM to the server's process tree (its process group when it leads one, plus its descendants), wait up to
     * the stop timeout for all of it to exit, then SIGKILL what is left. Returns once the tree is gone.
     */
    private StopResult terminate(ProcessIdentity id) throws IOException {
        ProcessTree tree = ProcessTree.of(id);
        tree.signal(false);
        if (tree.awaitGone(options.stopTimeout().toMillis(), POLL_MILLIS)) {
            return StopResult.EXITED_ON_SIGTERM;
        }
        LOG.warn("session server pid {} still running {} ms after SIGTERM; sending SIGKILL", id.pid(),
                options.stopTimeout().toMillis());
        tree.signal(true);
        if (!tree.awaitGone(KILL_WAIT_MILLIS, POLL_MILLIS)) {
            throw new IOException("session server pid " + id.pid() + " (or a process of its group) is still alive "
                    + KILL_WAIT_MILLIS + " ms after SIGKILL: " + tree.live());
        }
        return StopResult.KILLED;
    }

    // ------------------------------------------------------------------ queries

    @Override
    public boolean isServerRunning() {
        Resolved found = resolveQuietly();
        if (found.kind == Resolved.Kind.MANAGED) {
            return true;
        }
        if (found.kind == Resolved.Kind.STALE) {
            removeStalePidFile();
        }
        return health.check() == HealthCheck.Outcome.UP;
    }

    @Override
    public OptionalLong getServerPid() {
        try {
            PidFile.Contents c = pidFile.read();
            return c.hasPid() ? OptionalLong.of(c.pid) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The managed server's process when it is alive, from the PID file and the kernel; no network. A PID file
     * without identity counts only when its process's command line is the configured server's.
     */
    public Optional<ProcessIdentity> managedProcess() {
        Resolved found = resolveQuietly();
        return found.kind == Resolved.Kind.MANAGED ? Optional.of(found.identity) : Optional.empty();
    }

    /** One health check now. */
    public HealthCheck.Outcome checkHealth() {
        return health.check();
    }

    /** The finer view: our process alive or not, healthy or not, or an unmanaged server on the port. */
    public ServerStatus status() {
        Resolved found = resolveQuietly();
        HealthCheck.Outcome h = health.check();
        if (found.kind == Resolved.Kind.MANAGED) {
            return new ServerStatus(h == HealthCheck.Outcome.UP ? ServerStatus.Condition.RUNNING
                    : ServerStatus.Condition.ALIVE_UNHEALTHY, found.identity, h, null);
        }
        return new ServerStatus(h == HealthCheck.Outcome.UP ? ServerStatus.Condition.UNMANAGED
                : ServerStatus.Condition.STOPPED, null, h, found.problem);
    }

    /**
     * The exit code of the last server this instance spawned, once it has exited. May wait briefly (at most
     * {@value #REAP_WAIT_MILLIS} ms) for the JDK to reap a server the kernel already reports dead.
     */
    public OptionalInt lastExitCode() {
        Process p = child;
        if (p != null) {
            OptionalInt code = exitCodeOfDead(p);
            if (code.isPresent()) {
                return code;
            }
        }
        long[] e = lastExit;
        return e == null ? OptionalInt.empty() : OptionalInt.of((int) e[1]);
    }

    /**
     * The exit code of the server with this PID, when this instance spawned it and it has exited. Empty for a server
     * still running, an adopted server (not this JVM's child: its exit code is not ours to read) or another PID. May
     * wait briefly (at most {@value #REAP_WAIT_MILLIS} ms) for the JDK to reap a server the kernel already reports dead.
     */
    public OptionalInt exitCode(long pid) {
        Process p = child;
        if (p != null && p.pid() == pid) {
            OptionalInt code = exitCodeOfDead(p);
            if (code.isPresent()) {
                return code;
            }
        }
        long[] e = lastExit;
        return e != null && e[0] == pid ? OptionalInt.of((int) e[1]) : OptionalInt.empty();
    }

    private static final long REAP_WAIT_MILLIS = 1_000;

    /** The exit code of a child that has exited (a zombie counts), waiting at most a second for the JDK's reaper. */
    private static OptionalInt exitCodeOfDead(Process p) {
        if (p.isAlive()) {
            Optional<ProcFs.Stat> st = ProcFs.stat(p.pid());
            boolean dead = ProcFs.available() && (st.isEmpty() || st.get().exited());
            if (!dead) {
                return OptionalInt.empty();
            }
            try {
                if (!p.waitFor(REAP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    return OptionalInt.empty();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return OptionalInt.empty();
            }
        }
        return OptionalInt.of(p.exitValue());
    }

    // ------------------------------------------------------------------ PID file resolution

    /** What the PID file says, checked against the kernel. */
    private static final class Resolved {
        enum Kind { NONE, MANAGED, STALE, FOREIGN }

        final Kind kind;
        final ProcessIdentity identity;
        final boolean adoptedWithoutIdentity;
        final String problem;

        Resolved(Kind kind, ProcessIdentity identity, boolean adoptedWithoutIdentity, String problem) {
            this.kind = kind;
            this.identity = identity;
            this.adoptedWithoutIdentity = adoptedWithoutIdentity;
            this.problem = problem;
        }

        static final Resolved NONE = new Resolved(Kind.NONE, null, false, null);
    }

    private Resolved resolve() throws IOException {
        PidFile.Contents c = pidFile.read();
        switch (c.kind) {
            case ABSENT:
                return Resolved.NONE;
            case INVALID:
                return new Resolved(Resolved.Kind.STALE, null, false, c.problem);
            case IDENTIFIED: {
                Optional<ProcessIdentity> live = ProcessIdentity.of(c.pid);
                if (live.isEmpty()) {
                    return new Resolved(Resolved.Kind.STALE, null, false,
                            "PID file " + options.pidFile() + " names pid " + c.pid + ", which is not running");
                }
                if (!c.identity.sameProcessAs(live.get())) {
                    return new Resolved(Resolved.Kind.STALE, null, false, "PID file " + options.pidFile()
                            + " names pid " + c.pid + ", which now belongs to another process (recorded "
                            + c.identity + ", live " + live.get() + "): the PID was reused");
                }
                return new Resolved(Resolved.Kind.MANAGED, c.identity, false, null);
            }
            case PID_ONLY:
            default: {
                Optional<ProcessIdentity> live = ProcessIdentity.of(c.pid);
                if (live.isEmpty()) {
                    return new Resolved(Resolved.Kind.STALE, null, false,
                            "PID file " + options.pidFile() + " names pid " + c.pid + ", which is not running");
                }
                List<String> cmd = liveCommandLine(c.pid);
                if (commandLineIsServer(c.pid, cmd)) {
                    return new Resolved(Resolved.Kind.MANAGED, live.get(), true, null);
                }
                return new Resolved(Resolved.Kind.FOREIGN, null, false, "PID file " + options.pidFile()
                        + " (no identity recorded) names pid " + c.pid + ", which runs " + cmd
                        + ", not the configured server " + launchCommand() + "; it is left alone");
            }
        }
    }

    private Resolved resolveQuietly() {
        try {
            return resolve();
        } catch (IOException e) {
            LOG.warn("cannot read PID file {}: {}", options.pidFile(), e.getMessage());
            return new Resolved(Resolved.Kind.FOREIGN, null, false, "PID file unreadable: " + e.getMessage());
        }
    }

    private void removeStalePidFile() {
        try {
            Optional<PidFileLock.Held> held = lock.tryAcquire();
            if (held.isEmpty()) {
                return; // a start or stop is under way: it owns the file
            }
            try (PidFileLock.Held h = held.get()) {
                Resolved again = resolve();
                if (again.kind == Resolved.Kind.STALE) {
                    LOG.info("removing stale PID file: {}", again.problem);
                    pidFile.delete();
                }
            }
        } catch (IOException e) {
            LOG.warn("could not remove stale PID file {}: {}", options.pidFile(), e.getMessage());
        }
    }

    private static List<String> liveCommandLine(long pid) {
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

    private boolean commandLineIsServer(long pid, List<String> live) {
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
        try (java.io.InputStream in = Files.newInputStream(script)) {
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

    private long lockTimeoutMillis() {
        return options.startTimeout().toMillis() + 2 * options.stopTimeout().toMillis() + KILL_WAIT_MILLIS + 30_000;
    }

    @Override
    public String toString() {
        return "ProcessManager{" + options.pidFile() + ", " + launchCommand().stream().collect(Collectors.joining(" "))
                + "}";
    }
}
