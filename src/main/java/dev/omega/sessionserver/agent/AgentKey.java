package dev.omega.sessionserver.agent;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.process.StopSignal;

/**
 * The agent's keys, in documentation order: the one table that the parser ({@link AgentArguments}), the CLI's
 * {@code --help} and the documentation ({@code agent/agent.properties}, the README, checked by a test) follow. Each
 * key has its default as the agent's text and a one-line meaning.
 *
 * <p>The default text is what a key means when it is not given, written as a value would be (with every other key at
 * its default: {@code logFile} and {@code healthCheckUrl} follow {@code pidFile} and {@code port}); {@code none} for
 * the keys without a default ({@code workingDirectory}, whose absence means the host's working directory,
 * {@code dependsOn}, {@code env.<NAME>}, {@code config}, {@code servers}). Giving a key its default text changes nothing.
 */
public enum AgentKey {
    NAME("name", AgentArguments.DEFAULT_NAME, null, false,
            "letters, digits, . _ -; the MBean is dev.omega.sessionserver:type=SessionServerManager,name=<name>"),
    SERVER_SCRIPT("serverScript", ProcessManagerOptions.DEFAULT_SERVER_SCRIPT, null, true,
            "the server to run: .js node, .ts tsx, .java java, .jar java -jar, else executed"),
    WORKING_DIRECTORY("workingDirectory", null, "<directory>", true,
            "the server's working directory (must exist at start); a relative serverScript is resolved in it"),
    PORT("port", Integer.toString(ProcessManagerOptions.DEFAULT_PORT), null, false,
            "the server's port, given to it as " + ProcessManagerOptions.PORT_ENV),
    PID_FILE("pidFile", "~/" + ProcessManagerOptions.DEFAULT_PID_FILE_NAME, null, true,
            "the PID file: the server's PID, then what identifies that process"),
    HEALTH_CHECK_URL("healthCheckUrl", "http://localhost:" + ProcessManagerOptions.DEFAULT_PORT + "/api/health", null,
            false, "http(s)://...: GET, 2xx is healthy (follows the port unless set); tcp://host:port: a connection"
                    + " is accepted; exec:<program> [args]: it exits 0; none: the process is alive"),
    HEALTH_CHECK_TIMEOUT("healthCheckTimeout", millis(ProcessManagerOptions.DEFAULT_HEALTH_CHECK_TIMEOUT.toMillis()),
            null, false, "ms one health check may take"),
    STOP_TIMEOUT("stopTimeout", millis(ProcessManagerOptions.DEFAULT_STOP_TIMEOUT.toMillis()), null, false,
            "ms between the stop signal and SIGKILL when stopping the server's process group"),
    STOP_SIGNAL("stopSignal", StopSignal.TERM.name(), null, false,
            "the first signal of a stop: TERM, INT, HUP, QUIT, USR1 or USR2 (SIG prefix and case optional)"),
    START_TIMEOUT("startTimeout", millis(ProcessManagerOptions.DEFAULT_START_TIMEOUT.toMillis()), null, false,
            "ms start() waits for a healthy server (0: does not wait)"),
    HEALTH_INTERVAL("healthInterval", millis(AgentArguments.DEFAULT_HEALTH_INTERVAL_MILLIS), null, false,
            "ms between the monitor's checks of liveness and health"),
    LOG_FILE("logFile", "~/" + logFileName(), null, true,
            "stdout+stderr, appended (default: the pidFile with .log for .pid), or 'discard'"),
    LOG_MAX_BYTES("logMaxBytes", Long.toString(ProcessManagerOptions.DEFAULT_LOG_MAX_BYTES), null, false,
            "bytes (k, m, g: KiB, MiB, GiB) past which the log is copied to <log>.1 and truncated; 0 never"),
    LOG_BACKUPS("logBackups", Integer.toString(ProcessManagerOptions.DEFAULT_LOG_BACKUPS), null, false,
            "rotated copies kept, <log>.1 (newest) to <log>.N; 0 only truncates"),
    AUTO_START("autoStart", "false", null, false, "true: start (or adopt) the server when the agent loads"),
    DEPENDS_ON("dependsOn", null, "<server>[:healthy|started]", false,
            "servers (';' or spaces between) started before this one and awaited (healthy: the default; started:"
                    + " its process runs); a stop stops this one first"),
    STOP_WITH_HOST("stopWithHost", "false", null, false,
            "true: the server is stopped when the host JVM exits (also after kill -9, for a server it spawned)"),
    RESTART(SupervisionPolicy.RESTART, SupervisionPolicy.DEFAULT_RESTART.text(), null, false,
            "after a crash: never, on-failure (exit code not 0, or unknown) or always"),
    RESTART_DELAY(SupervisionPolicy.RESTART_DELAY, millis(SupervisionPolicy.DEFAULT_RESTART_DELAY.toMillis()), null,
            false, "ms before the first restart; doubles with each further attempt"),
    RESTART_MAX_DELAY(SupervisionPolicy.RESTART_MAX_DELAY,
            millis(SupervisionPolicy.DEFAULT_RESTART_MAX_DELAY.toMillis()), null, false,
            "ms: the doubling stops here (at least restartDelay)"),
    RESTART_RESET_AFTER(SupervisionPolicy.RESTART_RESET_AFTER,
            millis(SupervisionPolicy.DEFAULT_RESTART_RESET_AFTER.toMillis()), null, false,
            "ms healthy without a break before the delay starts again at restartDelay"),
    RESTART_LIMIT(SupervisionPolicy.RESTART_LIMIT, Integer.toString(SupervisionPolicy.DEFAULT_RESTART_LIMIT), null,
            false, "more restarts than this within restartWindow: give up (State FAILED)"),
    RESTART_WINDOW(SupervisionPolicy.RESTART_WINDOW, millis(SupervisionPolicy.DEFAULT_RESTART_WINDOW.toMillis()), null,
            false, "ms, the sliding window of the crash-loop limit"),
    UNHEALTHY_THRESHOLD(SupervisionPolicy.UNHEALTHY_THRESHOLD,
            Integer.toString(SupervisionPolicy.DEFAULT_UNHEALTHY_THRESHOLD), null, false,
            "failed health checks in a row before State is UNHEALTHY"),
    RESTART_ON_UNHEALTHY(SupervisionPolicy.RESTART_ON_UNHEALTHY,
            Boolean.toString(SupervisionPolicy.DEFAULT_RESTART_ON_UNHEALTHY), null, false,
            "true: restart an UNHEALTHY server (same backoff and limit)"),
    SUCCESS_EXIT_CODES(SupervisionPolicy.SUCCESS_EXIT_CODES, "0", null, false,
            "exit codes (';' or spaces between) that are a clean exit: STOPPED, not restarted by on-failure"),
    MAX_MEMORY(SupervisionPolicy.MAX_MEMORY, Long.toString(SupervisionPolicy.DEFAULT_MAX_MEMORY), null, false,
            "bytes (k, m, g): restart when the process tree's RSS stays above it (0: off)"),
    ENV(AgentKey.ENV_PREFIX + "<NAME>", null, "<value>", false,
            "adds NAME to the server's environment (not " + ProcessManagerOptions.PORT_ENV + ")"),
    CONFIG("config", null, "<file>", true, "a properties file with these keys (its relative paths: to the file)"),
    SERVERS("servers", null, "<a>,<b>,...", false,
            "several servers, each its own MBean; <a>.<key>=<value> is server a's");

    /** The prefix of the environment keys: {@code env.NAME=value}. */
    public static final String ENV_PREFIX = "env.";
    /** The default text of a key without a default. */
    public static final String NONE = "none";

    private static final List<String> NAMES = namesInOrder();
    /** The column where {@code --help} prints the meanings. */
    private static final int HELP_COLUMN = 28;

    private final String key;
    private final String defaultText; // null: none
    private final String placeholder; // what --help shows after '=' for a key without a default
    private final boolean path;
    private final String meaning;

    AgentKey(String key, String defaultText, String placeholder, boolean path, String meaning) {
        this.key = key;
        this.defaultText = defaultText;
        this.placeholder = placeholder;
        this.path = path;
        this.meaning = meaning;
    }

    /** The key as written ({@code env.<NAME>} for the environment keys). */
    public String key() {
        return key;
    }

    /** The default as the agent's text ({@value #NONE} when the key has no default). */
    public String defaultText() {
        return defaultText == null ? NONE : defaultText;
    }

    /**
     * Whether the key has a default ({@code workingDirectory}, {@code dependsOn}, {@code env.<NAME>}, {@code config}
     * and {@code servers} have none).
     */
    public boolean hasDefault() {
        return defaultText != null;
    }

    /** What the key does, in one line. */
    public String meaning() {
        return meaning;
    }

    /** Whether the value is a path ({@code ~/} expanded, a relative one resolved). */
    public boolean isPath() {
        return path;
    }

    /** {@code key=value} as {@code --help} shows it: the default, or a placeholder such as {@code config=<file>}. */
    public String example() {
        return key + "=" + (defaultText != null ? defaultText : placeholder);
    }

    /** Whether one server may have its own value ({@code a.port}): every key but {@code config} and {@code servers}. */
    boolean isPerServer() {
        return this != CONFIG && this != SERVERS;
    }

    /**
     * The key of one server's setting named exactly {@code key}: one of the keys from {@code name} to
     * {@code maxMemory}; {@code null} for anything else ({@code env.X}, {@code config}, {@code servers},
     * an unknown key).
     */
    static AgentKey serverKey(String key) {
        for (AgentKey k : values()) {
            if (k.key.equals(key) && k != ENV && k.isPerServer()) {
                return k;
            }
        }
        return null;
    }

    /**
     * Whether {@code key} is a path key ({@code config}, {@code pidFile}, {@code serverScript},
     * {@code workingDirectory}, {@code logFile}).
     */
    static boolean isPathKey(String key) {
        for (AgentKey k : values()) {
            if (k.path && k.key.equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** Every key as written, in documentation order ({@code env.<NAME>} for the environment keys). */
    public static List<String> names() {
        return NAMES;
    }

    /** The keys' lines of {@code --help}: {@code key=default} (or a placeholder), then the meaning. */
    public static String helpLines() {
        StringBuilder sb = new StringBuilder();
        for (AgentKey k : values()) {
            String example = k.example();
            sb.append("  ").append(example);
            if (example.length() > HELP_COLUMN - 3) { // the meaning on a line of its own, in the same column
                sb.append('\n');
                for (int i = 0; i < HELP_COLUMN; i++) {
                    sb.append(' ');
                }
            } else {
                for (int i = example.length() + 2; i < HELP_COLUMN; i++) {
                    sb.append(' ');
                }
            }
            sb.append(k.meaning).append('\n');
        }
        return sb.toString();
    }

    private static List<String> namesInOrder() {
        List<String> names = new ArrayList<>();
        for (AgentKey k : values()) {
            names.add(k.key);
        }
        return Collections.unmodifiableList(names);
    }

    private static String millis(long millis) {
        return Long.toString(millis);
    }

    private static String logFileName() {
        String pid = ProcessManagerOptions.DEFAULT_PID_FILE_NAME;
        return pid.endsWith(".pid") ? pid.substring(0, pid.length() - 4) + ".log" : pid + ".log";
    }
}
