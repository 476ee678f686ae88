package dev.omega.sessionserver.process;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The checks of a {@link ProcessManagerOptions.Builder}'s values, made by {@link ProcessManagerOptions.Builder#build()}
 * before it freezes them, and the values they derive: the absolute PID file (the default one when none is set), the
 * parsed health URL (following the port when none is set), the absolute log file (beside the PID file by default;
 * none when discarded) and the absolute working directory. Each refusal is an {@link InvalidOptionException} naming
 * the key, quoting the value (durations as {@code N ms}) and giving the reason. Stateless and thread-safe.
 */
final class ProcessManagerOptionsValidation {

    private ProcessManagerOptionsValidation() {
    }

    /**
     * The values {@link #validate} derives, absolute and normalized: a null log file means the output is discarded,
     * a null working directory the host's.
     */
    static final class Checked {
        final Path pidFile;
        final URI healthCheckUrl;
        final Path logFile;
        final Path workingDirectory;

        Checked(Path pidFile, URI healthCheckUrl, Path logFile, Path workingDirectory) {
            this.pidFile = pidFile;
            this.healthCheckUrl = healthCheckUrl;
            this.logFile = logFile;
            this.workingDirectory = workingDirectory;
        }
    }

    /**
     * Checks every value of {@code b}, in this order: port 1..65535; pidFile names a file; a serverScript unless a
     * command is given; healthCheckTimeout above 0 ms; stopTimeout and startTimeout 0 ms or more; healthCheckUrl an
     * absolute http(s) URL with a host, {@code tcp://host:port} or {@code none}; logFile not the PID file; logMaxBytes
     * 0 or more; logBackups 0..{@value ProcessManagerOptions#MAX_LOG_BACKUPS}; environment names valid, values without
     * NUL, never {@value ProcessManagerOptions#PORT_ENV}; command non-empty, without NUL or an empty program name;
     * stopSignal given; workingDirectory, when set, a non-empty path without NUL.
     *
     * @throws InvalidOptionException for the first bad value: its key, the value as quoted and the reason
     *                                 ({@code invalid <key> '<value>': <reason>})
     */
    static Checked validate(ProcessManagerOptions.Builder b) {
        if (b.port < 1 || b.port > 65535) {
            throw bad("port", b.port, "must be between 1 and 65535");
        }
        Path pid = b.pidFile != null ? b.pidFile : ProcessManagerOptions.defaultPidFile();
        if (pid.getFileName() == null) {
            throw bad("pidFile", pid, "must name a file");
        }
        pid = pid.toAbsolutePath().normalize();
        if (b.serverScript == null || b.serverScript.toString().isEmpty()) {
            if (b.command == null || b.command.isEmpty()) {
                throw bad("serverScript", b.serverScript, "must name a script when no command is given");
            }
        }
        requirePositive("healthCheckTimeout", b.healthCheckTimeout);
        requireNotNegative("stopTimeout", b.stopTimeout);
        requireNotNegative("startTimeout", b.startTimeout);
        URI url = parseHealthUrl(b.healthCheckUrl != null ? b.healthCheckUrl
                : "http://localhost:" + b.port + "/api/health");
        Path log = null;
        if (!b.discardLog) {
            log = b.logFile != null ? b.logFile.toAbsolutePath().normalize()
                    : ProcessManagerOptions.defaultLogFile(pid);
            if (log.equals(pid)) {
                throw bad("logFile", log, "must not be the PID file");
            }
        }
        // log rotation (logMaxBytes, logBackups)
        if (b.logMaxBytes < 0) {
            throw bad("logMaxBytes", b.logMaxBytes, "must be 0 (never rotate) or more");
        }
        if (b.logBackups < 0 || b.logBackups > ProcessManagerOptions.MAX_LOG_BACKUPS) {
            throw bad("logBackups", b.logBackups, "must be between 0 and " + ProcessManagerOptions.MAX_LOG_BACKUPS);
        }
        for (Map.Entry<String, String> e : b.environment.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                throw bad("env." + name, e.getValue(), "is not a valid environment variable name");
            }
            if (e.getValue() == null || e.getValue().indexOf('\0') >= 0) {
                throw bad("env." + name, e.getValue(), "must be a string without NUL characters");
            }
            if (ProcessManagerOptions.PORT_ENV.equals(name)) {
                throw bad("env." + name, e.getValue(), "is set from 'port'; configure the port instead");
            }
        }
        if (b.command != null) {
            if (b.command.isEmpty() || b.command.stream().anyMatch(a -> a == null || a.indexOf('\0') >= 0)
                    || b.command.get(0).isEmpty()) {
                throw bad("command", b.command, "must be a non-empty argument list without empty program name");
            }
        }
        if (b.stopSignal == null) {
            throw bad("stopSignal", null, "must be " + StopSignal.names());
        }
        Path cwd = null;
        if (b.workingDirectory != null) {
            if (b.workingDirectory.toString().isEmpty() || b.workingDirectory.toString().indexOf('\0') >= 0) {
                throw bad("workingDirectory", b.workingDirectory, "must name a directory");
            }
            cwd = b.workingDirectory.toAbsolutePath().normalize();
        }
        return new Checked(pid, url, log, cwd);
    }

    private static URI parseHealthUrl(String text) {
        if (text != null && text.trim().equalsIgnoreCase("none")) {
            return URI.create("none");
        }
        String exec = HealthCheck.EXEC_SCHEME + ":";
        if (text != null && text.trim().regionMatches(true, 0, exec, 0, exec.length())) {
            String command = text.trim().substring(exec.length()).trim();
            if (command.isEmpty() || command.indexOf('\0') >= 0) {
                throw bad("healthCheckUrl", text, "must name a program after exec: (exec:<program> [args...])");
            }
            try {
                return new URI(HealthCheck.EXEC_SCHEME, String.join(" ", ExecHealthCheck.split(command)), null);
            } catch (URISyntaxException e) {
                throw bad("healthCheckUrl", text, "is not a command: " + e.getReason());
            }
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw bad("healthCheckUrl", text, "is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (scheme != null && scheme.equalsIgnoreCase("tcp")) {
            String path = uri.getRawPath();
            if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535
                    || (path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null
                    || uri.getRawUserInfo() != null) {
                throw bad("healthCheckUrl", text, "must be tcp://host:port, with a port from 1 to 65535 and"
                        + " nothing after it");
            }
            return uri;
        }
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || uri.getHost() == null) {
            throw bad("healthCheckUrl", text, "must be an absolute http:// or https:// URL with a host,"
                    + " tcp://host:port, exec:<program> [args...] or none");
        }
        return uri;
    }

    private static void requirePositive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw bad(key, d == null ? null : d.toMillis() + " ms", "must be greater than 0 ms");
        }
    }

    private static void requireNotNegative(String key, Duration d) {
        if (d == null || d.isNegative()) {
            throw bad(key, d == null ? null : d.toMillis() + " ms", "must be 0 ms or more");
        }
    }

    private static InvalidOptionException bad(String key, Object value, String why) {
        return new InvalidOptionException(key, value, why);
    }}
