package dev.omega.sessionserver.process;

import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link ProcessManager} starts and how it watches it. Immutable and thread-safe; made with {@link #builder()},
 * which validates every value in {@link Builder#build()} and names the key of any bad one.
 *
 * <p>Defaults (every setter of {@link Builder} may be left out):
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th></tr>
 * <tr><td>pidFile</td><td>{@code .omega-session-server.pid} in {@code $HOME} (else the {@code user.home}
 * directory)</td></tr>
 * <tr><td>serverScript</td><td>{@code session-server.js} in the working directory (else its {@code .ts} twin)</td></tr>
 * <tr><td>port</td><td>3000 (given to the server as {@code SESSION_SERVER_PORT})</td></tr>
 * <tr><td>healthCheckUrl</td><td>{@code http://localhost:<port>/api/health}; also {@code https://...},
 * {@code tcp://host:port}, {@code exec:<program> [args...]} or {@code none} (see {@link HealthCheck})</td></tr>
 * <tr><td>healthCheckTimeout</td><td>500 ms</td></tr>
 * <tr><td>stopTimeout</td><td>5 s between the stop signal and SIGKILL</td></tr>
 * <tr><td>stopSignal</td><td>{@link StopSignal#TERM}: the first signal of a stop, to the whole process tree</td></tr>
 * <tr><td>workingDirectory</td><td>none: the host's working directory (or {@code /} when that was removed); when
 * set, it must be an existing directory when the server starts, and a relative serverScript is resolved against
 * it</td></tr>
 * <tr><td>startTimeout</td><td>10 s to become healthy; 0 returns right after the spawn, without
 * waiting for a healthy answer</td></tr>
 * <tr><td>logFile</td><td>the PID file's path with {@code .log} for {@code .pid}; or discarded</td></tr>
 * <tr><td>logMaxBytes</td><td>52428800 (50 MiB): past this size the log is rotated ({@link LogRotation}); 0 never
 * rotates</td></tr>
 * <tr><td>logBackups</td><td>5 rotated copies kept, {@code <log>.1} (newest) to {@code <log>.5}; 0 keeps none (the
 * log is only truncated)</td></tr>
 * <tr><td>environment</td><td>none beyond the host's own and {@code SESSION_SERVER_PORT}</td></tr>
 * <tr><td>command</td><td>none: derived from the script's extension</td></tr>
 * </table>
 * A bad value is refused by {@link Builder#build()} with an {@link InvalidOptionException} that carries its key,
 * value and reason.
 */
public final class ProcessManagerOptions {

    public static final String DEFAULT_PID_FILE_NAME = ".omega-session-server.pid";
    public static final String DEFAULT_SERVER_SCRIPT = "session-server.js";
    public static final int DEFAULT_PORT = 3000;
    public static final Duration DEFAULT_HEALTH_CHECK_TIMEOUT = Duration.ofMillis(500);
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);
    // log rotation (logMaxBytes, logBackups)
    /** Past this size (bytes) the log is rotated: 50 MiB. */
    public static final long DEFAULT_LOG_MAX_BYTES = 50L * 1024 * 1024;
    /** Rotated copies of the log kept by default. */
    public static final int DEFAULT_LOG_BACKUPS = 5;
    /** The most rotated copies that can be kept. */
    public static final int MAX_LOG_BACKUPS = 1000;
    /** The environment variable that carries the port to the server. */
    public static final String PORT_ENV = "SESSION_SERVER_PORT";

    private final Path pidFile;
    private final Path serverScript;
    private final int port;
    private final URI healthCheckUrl;
    private final Duration healthCheckTimeout;
    private final Duration stopTimeout;
    private final Duration startTimeout;
    private final Path logFile; // null: discard
    // log rotation (logMaxBytes, logBackups)
    private final long logMaxBytes;
    private final int logBackups;
    private final Map<String, String> environment;
    private final List<String> command;
    // ops keys (issue 9): stopSignal, workingDirectory, healthCheckUrl kinds
    private final StopSignal stopSignal;
    private final Path workingDirectory; // null: the host's
    private final HealthCheck.Kind healthCheckKind;

    private ProcessManagerOptions(Builder b, Path pidFile, URI healthCheckUrl, Path logFile, Path workingDirectory) {
        this.pidFile = pidFile;
        this.serverScript = b.serverScript;
        this.port = b.port;
        this.healthCheckUrl = healthCheckUrl;
        this.healthCheckTimeout = b.healthCheckTimeout;
        this.stopTimeout = b.stopTimeout;
        this.startTimeout = b.startTimeout;
        this.logFile = logFile;
        // log rotation (logMaxBytes, logBackups)
        this.logMaxBytes = b.logMaxBytes;
        this.logBackups = b.logBackups;
        this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
        this.command = b.command == null ? List.of() : List.copyOf(b.command);
        this.stopSignal = b.stopSignal;
        this.workingDirectory = workingDirectory;
        this.healthCheckKind = HealthCheck.kindOf(healthCheckUrl);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with this instance's values. */
    public Builder toBuilder() {
        Builder b = new Builder().pidFile(pidFile).serverScript(serverScript).port(port)
                .healthCheckTimeout(healthCheckTimeout).stopTimeout(stopTimeout).startTimeout(startTimeout)
                .environment(environment).logMaxBytes(logMaxBytes).logBackups(logBackups);
        b.healthCheckUrl = HealthCheck.text(healthCheckUrl);
        b.logFile = logFile;
        b.discardLog = logFile == null;
        b.command = command.isEmpty() ? null : command;
        b.stopSignal = stopSignal;
        b.workingDirectory = workingDirectory;
        return b;
    }

    /** Absolute path of the PID file. */
    public Path pidFile() {
        return pidFile;
    }

    /**
     * The server script as configured; a relative one is resolved when the server starts, against
     * {@link #workingDirectory()} when set, else against the host's working directory.
     */
    public Path serverScript() {
        return serverScript;
    }

    public int port() {
        return port;
    }

    /** The health check's target as configured; {@code none} (a relative URI) for {@link HealthCheck.Kind#NONE}. */
    public URI healthCheckUrl() {
        return healthCheckUrl;
    }

    /** What the health check does: an HTTP(S) GET, a TCP connect, or only the process's liveness. */
    public HealthCheck.Kind healthCheckKind() {
        return healthCheckKind;
    }

    /**
     * The first signal of a stop, sent to the server's whole process tree; SIGKILL follows after
     * {@link #stopTimeout()}. Default {@link StopSignal#TERM}.
     */
    public StopSignal stopSignal() {
        return stopSignal;
    }

    /**
     * The server's working directory, absolute and normalized; empty for the host's own (the default). Checked when
     * the server starts (it must exist and be a directory), not when the options are built.
     */
    public Optional<Path> workingDirectory() {
        return Optional.ofNullable(workingDirectory);
    }

    public Duration healthCheckTimeout() {
        return healthCheckTimeout;
    }

    public Duration stopTimeout() {
        return stopTimeout;
    }

    /** How long {@code startServer} waits for a healthy answer; zero means it does not wait. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** Where the server's stdout and stderr go (appended); empty when they are discarded. */
    public Optional<Path> logFile() {
        return Optional.ofNullable(logFile);
    }

    // log rotation (logMaxBytes, logBackups)

    /**
     * The size in bytes past which the log is rotated, at every monitor pass and before every start (see
     * {@link LogRotation}); {@code 0}: never rotated.
     */
    public long logMaxBytes() {
        return logMaxBytes;
    }

    /** How many rotated copies of the log are kept ({@code <log>.1} newest); {@code 0}: none, the log is truncated. */
    public int logBackups() {
        return logBackups;
    }

    /** Extra variables for the server's environment (over the host's, after {@code SESSION_SERVER_PORT}). */
    public Map<String, String> environment() {
        return environment;
    }

    /** An explicit argv that replaces the script and its executor; empty when the script is used. */
    public List<String> command() {
        return command;
    }

    @Override
    public String toString() {
        return "ProcessManagerOptions{pidFile=" + pidFile + ", serverScript=" + serverScript + ", port=" + port
                + ", healthCheckUrl=" + healthCheckUrl + ", healthCheckTimeout=" + healthCheckTimeout.toMillis()
                + "ms, stopTimeout=" + stopTimeout.toMillis() + "ms, startTimeout=" + startTimeout.toMillis()
                + "ms, logFile=" + (logFile == null ? "discard" : logFile) + ", logMaxBytes=" + logMaxBytes
                + ", logBackups=" + logBackups + ", environment=" + environment.keySet()
                + ", command=" + command + ", stopSignal=" + stopSignal + ", workingDirectory="
                + (workingDirectory == null ? "host's" : workingDirectory) + "}";
    }

    /** Collects option values; not thread-safe. Every setter accepts any value: {@link #build()} validates. */
    public static final class Builder {
        // package-private: ProcessManagerOptionsValidation reads them
        Path pidFile;
        Path serverScript = Paths.get(DEFAULT_SERVER_SCRIPT);
        int port = DEFAULT_PORT;
        String healthCheckUrl;
        Duration healthCheckTimeout = DEFAULT_HEALTH_CHECK_TIMEOUT;
        Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
        Duration startTimeout = DEFAULT_START_TIMEOUT;
        Path logFile;
        boolean discardLog;
        // log rotation (logMaxBytes, logBackups)
        long logMaxBytes = DEFAULT_LOG_MAX_BYTES;
        int logBackups = DEFAULT_LOG_BACKUPS;
        final Map<String, String> environment = new LinkedHashMap<>();
        List<String> command;
        // ops keys (issue 9): stopSignal, workingDirectory
        StopSignal stopSignal = StopSignal.TERM;
        Path workingDirectory;

        private Builder() {
        }

        public Builder pidFile(Path pidFile) {
            this.pidFile = pidFile;
            return this;
        }

        public Builder serverScript(Path serverScript) {
            this.serverScript = serverScript;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The health URL; when never set it follows the port. */
        public Builder healthCheckUrl(String healthCheckUrl) {
            this.healthCheckUrl = healthCheckUrl;
            return this;
        }

        public Builder healthCheckTimeout(Duration timeout) {
            this.healthCheckTimeout = timeout;
            return this;
        }

        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = timeout;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Appends the server's output to this file (instead of the default beside the PID file). */
        public Builder logFile(Path logFile) {
            this.logFile = logFile;
            this.discardLog = false;
            return this;
        }

        /** Sends the server's output nowhere. A crash during start is then reported without log lines. */
        public Builder discardLog() {
            this.logFile = null;
            this.discardLog = true;
            return this;
        }

        // log rotation (logMaxBytes, logBackups)

        /**
         * Rotates the log once it is larger than this many bytes (0 or more; {@code 0} never rotates). Default
         * {@value ProcessManagerOptions#DEFAULT_LOG_MAX_BYTES} (50 MiB).
         */
        public Builder logMaxBytes(long bytes) {
            this.logMaxBytes = bytes;
            return this;
        }

        /**
         * Keeps this many rotated copies ({@code 0} to {@value ProcessManagerOptions#MAX_LOG_BACKUPS}; {@code 0}
         * truncates the log without a copy). Default {@value ProcessManagerOptions#DEFAULT_LOG_BACKUPS}.
         */
        public Builder logBackups(int backups) {
            this.logBackups = backups;
            return this;
        }

        /** Adds (or replaces) one variable of the server's environment. */
        public Builder environmentVariable(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** Adds these variables to the server's environment. */
        public Builder environment(Map<String, String> variables) {
            environment.putAll(variables);
            return this;
        }

        // ops keys (issue 9): stopSignal, workingDirectory

        /** The first signal of a stop (default {@link StopSignal#TERM}); SIGKILL still follows after the stop timeout. */
        public Builder stopSignal(StopSignal signal) {
            this.stopSignal = signal;
            return this;
        }

        /**
         * The server's working directory (default: the host's); a relative one is made absolute against the host's
         * working directory when built. {@code null} restores the default. It must exist and be a directory when the
         * server starts: {@link ProcessManager#startServer()} checks it, {@link #build()} does not.
         */
        public Builder workingDirectory(Path directory) {
            this.workingDirectory = directory;
            return this;
        }

        /** Runs this argv instead of the script (for servers that are not a script). */
        public Builder command(List<String> argv) {
            this.command = argv == null ? null : new ArrayList<>(argv);
            return this;
        }

        /**
         * Validates and freezes the values.
         *
         * @throws InvalidOptionException for the first bad value: its key, the value as quoted and the reason
         *                                 ({@code invalid <key> '<value>': <reason>}; durations quoted as {@code N ms})
         */
        public ProcessManagerOptions build() {
            ProcessManagerOptionsValidation.Checked c = ProcessManagerOptionsValidation.validate(this);
            return new ProcessManagerOptions(this, c.pidFile, c.healthCheckUrl, c.logFile, c.workingDirectory);
        }
    }

    /**
     * The default PID file: {@value #DEFAULT_PID_FILE_NAME} in the home directory: {@code $HOME} when that is set and
     * not empty (as the TypeScript tool, so that both find the same file in a container, under CI or after
     * {@code sudo -E}), else the {@code user.home} property, else the working directory.
     */
    public static Path defaultPidFile() {
        return defaultPidFile(System.getenv(), System.getProperty("user.home"));
    }

    static Path defaultPidFile(Map<String, String> env, String userHome) {
        return homeDirectory(env, userHome).resolve(DEFAULT_PID_FILE_NAME);
    }

    /**
     * The user's home directory as this tool reads it: {@code $HOME} when set and not empty, else the
     * {@code user.home} property, else the working directory ({@code .}).
     */
    public static Path homeDirectory() {
        return homeDirectory(System.getenv(), System.getProperty("user.home"));
    }

    static Path homeDirectory(Map<String, String> env, String userHome) {
        String home = env.get("HOME");
        if (home == null || home.isEmpty()) {
            home = userHome;
        }
        return Paths.get(home == null || home.isEmpty() ? "." : home);
    }

    static Path defaultLogFile(Path pidFile) {
        String name = pidFile.getFileName().toString();
        String logName = name.endsWith(".pid") ? name.substring(0, name.length() - 4) + ".log" : name + ".log";
        return pidFile.resolveSibling(logName);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ProcessManagerOptions)) {
            return false;
        }
        ProcessManagerOptions x = (ProcessManagerOptions) o;
        return port == x.port && pidFile.equals(x.pidFile) && Objects.equals(serverScript, x.serverScript)
                && healthCheckUrl.equals(x.healthCheckUrl) && healthCheckTimeout.equals(x.healthCheckTimeout)
                && stopTimeout.equals(x.stopTimeout) && startTimeout.equals(x.startTimeout)
                && Objects.equals(logFile, x.logFile) && logMaxBytes == x.logMaxBytes && logBackups == x.logBackups
                && environment.equals(x.environment) && command.equals(x.command)
                && stopSignal == x.stopSignal && Objects.equals(workingDirectory, x.workingDirectory);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pidFile, serverScript, port, healthCheckUrl, healthCheckTimeout, stopTimeout, startTimeout,
                logFile, logMaxBytes, logBackups, environment, command, stopSignal, workingDirectory);
    }
}
