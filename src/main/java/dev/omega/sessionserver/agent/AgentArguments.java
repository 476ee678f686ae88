package dev.omega.sessionserver.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import dev.omega.sessionserver.jmx.DependencyGraph;
import dev.omega.sessionserver.jmx.ServerDependency;
import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.process.InvalidOptionException;
import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * The arguments of one managed server, parsed in one place into an immutable value. {@code -javaagent:JAR=ARGS},
 * {@code attach <pid> ARGS} and {@code run ARGS} all go through {@link #parseAll(String)}, which gives one value per
 * server ({@link #parse(String)} when exactly one is expected).
 *
 * <h2>Syntax</h2>
 * {@code key=value} pairs separated by commas, e.g. {@code name=web,port=3001,autoStart=true,env.NODE_ENV=production}.
 * <ul>
 * <li>The text is split at <em>every</em> comma; there is no quoting or escaping, so a value cannot contain a comma.
 * Put such values (an {@code env.} value like {@code a,b}) in a properties file given with {@code config=FILE}, where
 * each line holds one key. The one exception is {@code servers=a,b}: the bare names after it (pieces without
 * {@code =}) continue its list.</li>
 * <li>The first {@code =} separates key and value; later ones belong to the value ({@code env.OPTS=-Da=b}).</li>
 * <li>Whitespace around keys and values is trimmed; empty pieces ({@code a=1,,b=2}, a trailing comma) are
 * ignored.</li>
 * <li>Keys are case-sensitive. An unknown key, a key given twice in the same source, or an empty value (except for
 * {@code env.NAME=}, which sets {@code NAME} to the empty string) is an error.</li>
 * <li>Paths may start with {@code ~/} (the user's home). Relative paths in arguments are resolved against the working
 * directory of the JVM that parses them ({@code attach} resolves them in its own directory before sending them);
 * relative paths in a config file against the file's directory.</li>
 * <li>{@code config=FILE}: a {@link Properties} file (UTF-8) with the same keys except {@code config}. Precedence:
 * defaults &lt; config file &lt; arguments, key by key.</li>
 * </ul>
 *
 * <h2>Several servers</h2>
 * {@code servers=a,b} (in the arguments or the config file) makes one server per name; the name is its MBean's
 * {@code name} (so {@code name} itself is not allowed with {@code servers}). A key prefixed with a server's name and a
 * dot is that server's ({@code a.port=3001}, {@code b.serverScript=b.js}, {@code a.env.FOO=bar}); an unprefixed key is
 * a default shared by every server. For one server, its prefixed key beats the unprefixed one wherever each comes
 * from; for one and the same key, the arguments beat the file. A prefix that names no server in {@code servers}
 * ({@code c.port}) is an error, and so are two servers with the same PID file or the same port (the message names
 * both). Server names: as {@code name}, not {@code env}, and no name may be another's prefix up to a dot ({@code a},
 * {@code a.b}).
 *
 * <h2>Keys</h2>
 * The keys, their defaults and meanings are {@link AgentKey}'s table. Their text (whole numbers, durations in
 * milliseconds, sizes in bytes, booleans, {@code restart} names, paths) is parsed by {@link AgentValueParser}; the
 * ranges are checked by {@link ProcessManagerOptions} and {@link SupervisionPolicy}, whose
 * {@link InvalidOptionException} is turned into this class's one-line form. {@code name} (default {@value #DEFAULT_NAME}), {@code healthInterval} (default
 * {@value #DEFAULT_HEALTH_INTERVAL_MILLIS} ms, greater than 0), {@code autoStart} (default false),
 * {@code stopWithHost} (default false) and {@code dependsOn} (names of other servers of {@code servers}, checked
 * together: an unknown name, the server itself or a cycle is an error naming it) are this class's own.
 *
 * <h2>Errors</h2>
 * {@link AgentArgumentException}, one line naming the key as written (with its server prefix) and quoting the value:
 * {@code invalid agent argument b.port='abc': not a number}.
 *
 * <p>Implementation note: the entries are first collected as raw settings (key, value, where it came from:
 * {@link ArgumentTokenizer}, {@link ConfigFile}), merged key by key (file, then arguments), split by server prefix
 * ({@link ServerPrefixes}), and only then converted, each server's group with the same code
 * ({@link ServerSettingsConverter}). No lambdas or streams
 * here: this runs in {@code premain}.
 */
public final class AgentArguments {

    /** What the agent and the CLI print before an error message. */
    public static final String MESSAGE_PREFIX = "session-server-manager: ";
    public static final String DEFAULT_NAME = "default";
    public static final long DEFAULT_HEALTH_INTERVAL_MILLIS = 5000;
    /** The {@code logFile} value that discards the server's output. */
    public static final String DISCARD = "discard";

    /** Every key in documentation order ({@code env.<NAME>} stands for the environment prefix): {@link AgentKey}'s. */
    public static final List<String> KEYS = AgentKey.names();

    private final String name;
    private final ProcessManagerOptions options;
    private final Duration healthInterval;
    private final boolean autoStart;
    private final SupervisionPolicy supervision; // null: every supervision key at its default
    private final boolean serverScriptConfigured;
    private final Path configFile;
    private final List<ServerDependency> dependsOn;
    private final boolean stopWithHost;

    /** Made by {@link ServerSettingsConverter} and {@link #withServerScript}; the values are already validated. */
    AgentArguments(String name, ProcessManagerOptions options, Duration healthInterval, boolean autoStart,
            SupervisionPolicy supervision, boolean serverScriptConfigured, Path configFile,
            List<ServerDependency> dependsOn, boolean stopWithHost) {
        this.name = name;
        this.options = options;
        this.healthInterval = healthInterval;
        this.autoStart = autoStart;
        this.supervision = supervision;
        this.serverScriptConfigured = serverScriptConfigured;
        this.configFile = configFile;
        this.dependsOn = Collections.unmodifiableList(new ArrayList<>(dependsOn));
        this.stopWithHost = stopWithHost;
    }

    /**
     * Parses the arguments of an agent that manages one server ({@code null} or blank: all defaults), reading the
     * {@code config} file if one is given. {@code servers=} with a single name is accepted.
     *
     * @throws AgentArgumentException naming the bad key and quoting its value, also when {@code servers} names more
     *                                than one server (use {@link #parseAll(String)})
     */
    public static AgentArguments parse(String text) {
        List<AgentArguments> all = parseAll(text);
        if (all.size() != 1) {
            StringBuilder names = new StringBuilder();
            for (AgentArguments a : all) {
                names.append(names.length() == 0 ? "" : ",").append(a.name);
            }
            throw new AgentArgumentException(AgentKey.SERVERS.key(), names.toString(), "names " + all.size()
                    + " servers where one is expected", null);
        }
        return all.get(0);
    }

    /**
     * Parses agent arguments into one value per managed server, in the order of {@code servers=} (without it: one,
     * named by {@code name}), reading the {@code config} file if one is given.
     *
     * @throws AgentArgumentException naming the bad key (as written, with its server prefix) and quoting its value
     */
    public static List<AgentArguments> parseAll(String text) {
        Map<String, Setting> fromArguments = ArgumentTokenizer.tokenize(text);
        Setting config = fromArguments.remove(AgentKey.CONFIG.key());
        Map<String, Setting> merged = new LinkedHashMap<>();
        Path configFile = null;
        if (config != null) {
            configFile = AgentValueParser.path(config);
            merged.putAll(ConfigFile.load(config, configFile));
        }
        merged.putAll(fromArguments); // arguments win over the file, key by key
        Setting servers = merged.remove(AgentKey.SERVERS.key());
        if (servers == null) {
            List<AgentArguments> one = Collections.singletonList(ServerSettingsConverter.convert(merged, configFile,
                    null));
            checkDependencies(one, Collections.singletonList(merged), null);
            return one;
        }
        return fromServers(servers, merged, configFile);
    }

    /**
     * {@code dependsOn} names only servers of {@code servers}, never the server itself, and makes no cycle; else the
     * error names the key of the server at fault (with its prefix) and the cycle ({@code web -> db -> web}).
     */
    private static void checkDependencies(List<AgentArguments> servers, List<Map<String, Setting>> settings,
            List<String> names) {
        try {
            dependencyGraph(servers);
        } catch (DependencyGraph.InvalidGraphException e) {
            for (int i = 0; i < servers.size(); i++) {
                if (servers.get(i).name.equals(e.server())) {
                    Setting s = settings.get(i).get(AgentKey.DEPENDS_ON.key());
                    String reason = names == null ? e.getMessage() + "; dependsOn names servers of servers=a,b"
                            : e.getMessage();
                    throw s.invalid(reason);
                }
            }
            throw new AgentArgumentException("invalid agent arguments: " + e.getMessage());
        }
    }

    /**
     * The same arguments with every relative path ({@code config}, {@code pidFile}, {@code serverScript},
     * {@code workingDirectory}, {@code logFile}, also with a server's prefix) made absolute against this JVM's working
     * directory, so that they mean the same in another JVM ({@code attach}). A relative {@code serverScript} stays
     * relative when a {@code workingDirectory} for it is given (the same server's, or an unprefixed one, in the
     * arguments or the config file): it is resolved against that directory. Call after {@link #parseAll(String)}
     * accepted the text.
     */
    public static String absolutize(String text) {
        Map<String, Setting> settings = ArgumentTokenizer.tokenize(text);
        Setting servers = settings.get(AgentKey.SERVERS.key());
        Setting config = settings.get(AgentKey.CONFIG.key());
        Map<String, Setting> fromFile = Collections.<String, Setting>emptyMap();
        if (config != null) {
            try {
                fromFile = ConfigFile.load(config, AgentValueParser.path(config));
            } catch (AgentArgumentException e) {
                fromFile = Collections.<String, Setting>emptyMap(); // unreadable here: parseAll reports it
            }
            if (servers == null) {
                servers = fromFile.get(AgentKey.SERVERS.key()); // without its names, keys stay as written
            }
        }
        List<String> names = servers == null ? Collections.<String>emptyList() : ServerPrefixes.names(servers);
        StringBuilder sb = new StringBuilder();
        for (Setting s : settings.values()) {
            String value = s.value;
            int server = ServerPrefixes.indexOf(s.key, names);
            String key = server < 0 ? s.key : s.key.substring(names.get(server).length() + 1);
            boolean scriptInWorkingDirectory = AgentKey.SERVER_SCRIPT.key().equals(key)
                    && hasWorkingDirectory(server < 0 ? null : names.get(server), settings, fromFile);
            if (AgentKey.isPathKey(key) && !(AgentKey.LOG_FILE.key().equals(key) && DISCARD.equals(value))
                    && !scriptInWorkingDirectory) {
                value = AgentValueParser.path(s).toString();
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(s.key).append('=').append(value);
        }
        return sb.toString();
    }

    /** Whether a workingDirectory applies to this server ({@code null}: the unprefixed keys) in either source. */
    private static boolean hasWorkingDirectory(String server, Map<String, Setting> arguments,
            Map<String, Setting> fromFile) {
        String key = AgentKey.WORKING_DIRECTORY.key();
        if (arguments.containsKey(key) || fromFile.containsKey(key)) {
            return true;
        }
        return server != null && (arguments.containsKey(server + "." + key) || fromFile.containsKey(server + "." + key));
    }

    /** The MBean's name: {@code dev.omega.sessionserver:type=SessionServerManager,name=<name>}. */
    public String name() {
        return name;
    }

    /** The validated process options. */
    public ProcessManagerOptions options() {
        return options;
    }

    public Duration healthInterval() {
        return healthInterval;
    }

    public boolean autoStart() {
        return autoStart;
    }

    /**
     * The restart policy and health threshold from the supervision keys ({@link SupervisionPolicy#DEFAULT} when none
     * is given: no automatic restarts).
     */
    public SupervisionPolicy supervision() {
        return supervision == null ? SupervisionPolicy.DEFAULT : supervision;
    }

    /** Whether {@code serverScript} was given (in the arguments or the config file) rather than defaulted. */
    public boolean serverScriptConfigured() {
        return serverScriptConfigured;
    }

    /** The servers this one depends on ({@code dependsOn}), in the order given; empty: none. */
    public List<ServerDependency> dependsOn() {
        return dependsOn;
    }

    /** Whether the server is stopped when its host JVM exits ({@code stopWithHost}). */
    public boolean stopWithHost() {
        return stopWithHost;
    }

    /**
     * The graph of the servers' {@code dependsOn}, for arguments {@link #parseAll(String)} gave (already checked
     * there).
     */
    public static DependencyGraph dependencyGraph(List<AgentArguments> servers) {
        Map<String, List<String>> edges = new LinkedHashMap<>();
        for (AgentArguments a : servers) {
            List<String> names = new ArrayList<>();
            for (ServerDependency d : a.dependsOn) {
                names.add(d.name());
            }
            edges.put(a.name, names);
        }
        return DependencyGraph.of(edges);
    }

    /** The config file the values were read from, absolute. */
    public Optional<Path> configFile() {
        return Optional.ofNullable(configFile);
    }

    /** These arguments managing another script ({@code run} uses it for the bundled example server). */
    public AgentArguments withServerScript(Path script) {
        ProcessManagerOptions changed = options.toBuilder().serverScript(script).build();
        return new AgentArguments(name, changed, healthInterval, autoStart, supervision, true, configFile,
                dependsOn, stopWithHost);
    }

    @Override
    public String toString() {
        return "AgentArguments{name=" + name + ", healthInterval=" + healthInterval.toMillis() + "ms, autoStart="
                + autoStart + (configFile == null ? "" : ", config=" + configFile) + ", " + options
                + (supervision == null ? "" : ", " + supervision) + (dependsOn.isEmpty() ? "" : ", dependsOn=" + dependsOn)
                + (stopWithHost ? ", stopWithHost" : "") + "}";
    }

    // ------------------------------------------------------------------ converting

    /** {@code servers=a,b}: one value per server, each from its own settings, none sharing a PID file or a port. */
    private static List<AgentArguments> fromServers(Setting servers, Map<String, Setting> merged, Path configFile) {
        List<String> names = ServerPrefixes.names(servers);
        List<Map<String, Setting>> settings = ServerPrefixes.split(names, merged);
        List<AgentArguments> result = new ArrayList<>();
        List<ProcessManagerOptions> options = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            AgentArguments server = ServerSettingsConverter.convert(settings.get(i), configFile, names.get(i));
            result.add(server);
            options.add(server.options);
        }
        ServerPrefixes.checkNothingShared(names, options, settings);
        checkDependencies(result, settings, names);
        return Collections.unmodifiableList(result);
    }
}
