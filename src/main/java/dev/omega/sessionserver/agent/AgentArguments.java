package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.omega.sessionserver.jmx.SupervisionPolicy;
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
 * {@code name} (default {@value #DEFAULT_NAME}; letters, digits, {@code . _ -}), {@code serverScript}, {@code port},
 * {@code pidFile}, {@code healthCheckUrl}, {@code healthCheckTimeout} (ms), {@code stopTimeout} (ms),
 * {@code startTimeout} (ms), {@code healthInterval} (ms, default {@value #DEFAULT_HEALTH_INTERVAL_MILLIS}),
 * {@code logFile} (a path, or {@code discard}), {@code autoStart} ({@code true}/{@code false}, default false),
 * the supervision keys {@code restart}, {@code restartDelay}, {@code restartMaxDelay}, {@code restartResetAfter},
 * {@code restartLimit}, {@code restartWindow}, {@code unhealthyThreshold}, {@code restartOnUnhealthy} (see
 * {@link SupervisionPolicy}; durations in ms), {@code env.<NAME>}, {@code config}, {@code servers}. The process
 * options' and the supervision policy's defaults and validation are {@link ProcessManagerOptions}'s and
 * {@link SupervisionPolicy}'s: their builders' messages are re-worded into this class's one-line form.
 *
 * <h2>Errors</h2>
 * {@link AgentArgumentException}, one line naming the key as written (with its server prefix) and quoting the value:
 * {@code invalid agent argument b.port='abc': not a number}.
 *
 * <p>Implementation note: the entries are first collected as raw settings (key, value, where it came from), merged
 * key by key (file, then arguments), split by server prefix, and only then converted, each server's group with the
 * same code. No lambdas or streams here: this runs in {@code premain}.
 */
public final class AgentArguments {

    /** What the agent and the CLI print before an error message. */
    public static final String MESSAGE_PREFIX = "session-server-manager: ";
    public static final String DEFAULT_NAME = "default";
    public static final long DEFAULT_HEALTH_INTERVAL_MILLIS = 5000;
    /** The {@code logFile} value that discards the server's output. */
    public static final String DISCARD = "discard";

    public static final String NAME = "name";
    public static final String SERVER_SCRIPT = "serverScript";
    public static final String PORT = "port";
    public static final String PID_FILE = "pidFile";
    public static final String HEALTH_CHECK_URL = "healthCheckUrl";
    public static final String HEALTH_CHECK_TIMEOUT = "healthCheckTimeout";
    public static final String STOP_TIMEOUT = "stopTimeout";
    public static final String START_TIMEOUT = "startTimeout";
    public static final String HEALTH_INTERVAL = "healthInterval";
    public static final String LOG_FILE = "logFile";
    public static final String AUTO_START = "autoStart";
    // the supervision keys: SupervisionPolicy's names (compile-time constants: naming them loads no class in premain)
    public static final String RESTART = SupervisionPolicy.RESTART;
    public static final String RESTART_DELAY = SupervisionPolicy.RESTART_DELAY;
    public static final String RESTART_MAX_DELAY = SupervisionPolicy.RESTART_MAX_DELAY;
    public static final String RESTART_RESET_AFTER = SupervisionPolicy.RESTART_RESET_AFTER;
    public static final String RESTART_LIMIT = SupervisionPolicy.RESTART_LIMIT;
    public static final String RESTART_WINDOW = SupervisionPolicy.RESTART_WINDOW;
    public static final String UNHEALTHY_THRESHOLD = SupervisionPolicy.UNHEALTHY_THRESHOLD;
    public static final String RESTART_ON_UNHEALTHY = SupervisionPolicy.RESTART_ON_UNHEALTHY;
    public static final String ENV_PREFIX = "env.";
    public static final String CONFIG = "config";
    /** The names of several servers managed by one agent: {@code servers=a,b}, then {@code a.port=...}. */
    public static final String SERVERS = "servers";

    /** Every key in documentation order ({@code env.<NAME>} stands for the environment prefix). */
    public static final List<String> KEYS = List.of(NAME, SERVER_SCRIPT, PORT, PID_FILE, HEALTH_CHECK_URL,
            HEALTH_CHECK_TIMEOUT, STOP_TIMEOUT, START_TIMEOUT, HEALTH_INTERVAL, LOG_FILE, AUTO_START, RESTART,
            RESTART_DELAY, RESTART_MAX_DELAY, RESTART_RESET_AFTER, RESTART_LIMIT, RESTART_WINDOW, UNHEALTHY_THRESHOLD,
            RESTART_ON_UNHEALTHY, ENV_PREFIX + "<NAME>", CONFIG, SERVERS);

    private static final String[] PATH_KEYS = {CONFIG, PID_FILE, SERVER_SCRIPT, LOG_FILE};

    private final String name;
    private final ProcessManagerOptions options;
    private final Duration healthInterval;
    private final boolean autoStart;
    private final SupervisionPolicy supervision; // null: every supervision key at its default
    private final boolean serverScriptConfigured;
    private final Path configFile;

    private AgentArguments(String name, ProcessManagerOptions options, Duration healthInterval, boolean autoStart,
            SupervisionPolicy supervision, boolean serverScriptConfigured, Path configFile) {
        this.name = name;
        this.options = options;
        this.healthInterval = healthInterval;
        this.autoStart = autoStart;
        this.supervision = supervision;
        this.serverScriptConfigured = serverScriptConfigured;
        this.configFile = configFile;
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
            throw new AgentArgumentException(SERVERS, names.toString(), "names " + all.size()
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
        Map<String, Setting> fromArguments = tokenize(text);
        Setting config = fromArguments.remove(CONFIG);
        Map<String, Setting> merged = new LinkedHashMap<>();
        Path configFile = null;
        if (config != null) {
            configFile = path(config);
            merged.putAll(ConfigFile.load(config, configFile));
        }
        merged.putAll(fromArguments); // arguments win over the file, key by key
        Setting servers = merged.remove(SERVERS);
        if (servers == null) {
            return Collections.singletonList(fromSettings(merged, configFile, null));
        }
        return fromServers(servers, merged, configFile);
    }

    /**
     * The same arguments with every relative path ({@code config}, {@code pidFile}, {@code serverScript},
     * {@code logFile}, also with a server's prefix) made absolute against this JVM's working directory, so that they
     * mean the same in another JVM ({@code attach}). Call after {@link #parseAll(String)} accepted the text.
     */
    public static String absolutize(String text) {
        Map<String, Setting> settings = tokenize(text);
        Setting servers = settings.get(SERVERS);
        Setting config = settings.get(CONFIG);
        if (servers == null && config != null) {
            try {
                servers = ConfigFile.load(config, path(config)).get(SERVERS);
            } catch (AgentArgumentException e) {
                servers = null; // unreadable here: parseAll reports it; without its names, keys stay as written
            }
        }
        List<String> names = servers == null ? Collections.<String>emptyList() : serverNames(servers);
        StringBuilder sb = new StringBuilder();
        for (Setting s : settings.values()) {
            String value = s.value;
            int server = serverIndex(s.key, names);
            String key = server < 0 ? s.key : s.key.substring(names.get(server).length() + 1);
            if (isPathKey(key) && !(LOG_FILE.equals(key) && DISCARD.equals(value))) {
                value = path(s).toString();
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(s.key).append('=').append(value);
        }
        return sb.toString();
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

    /** The config file the values were read from, absolute. */
    public Optional<Path> configFile() {
        return Optional.ofNullable(configFile);
    }

    /** These arguments managing another script ({@code run} uses it for the bundled example server). */
    public AgentArguments withServerScript(Path script) {
        ProcessManagerOptions changed = options.toBuilder().serverScript(script).build();
        return new AgentArguments(name, changed, healthInterval, autoStart, supervision, true, configFile);
    }

    @Override
    public String toString() {
        return "AgentArguments{name=" + name + ", healthInterval=" + healthInterval.toMillis() + "ms, autoStart="
                + autoStart + (configFile == null ? "" : ", config=" + configFile) + ", " + options
                + (supervision == null ? "" : ", " + supervision) + "}";
    }

    // ------------------------------------------------------------------ parsing

    /**
     * One raw {@code key=value}, with where it came from ({@code null}: the arguments; else the config file).
     * {@code key} is what the converter sees (a server's prefix taken off), {@code fullKey} what was written (messages
     * use it).
     */
    private static final class Setting {
        final String key;
        final String fullKey;
        final String value;
        final Path origin;

        Setting(String key, String value, Path origin) {
            this(key, key, value, origin);
        }

        private Setting(String key, String fullKey, String value, Path origin) {
            this.key = key;
            this.fullKey = fullKey;
            this.value = value;
            this.origin = origin;
        }

        /** This setting as one server sees it: {@code a.port} as {@code port}. */
        Setting local(String localKey) {
            return new Setting(localKey, fullKey, value, origin);
        }

        Setting withValue(String newValue) {
            return new Setting(key, fullKey, newValue, origin);
        }
    }

    private static Map<String, Setting> tokenize(String text) {
        Map<String, Setting> out = new LinkedHashMap<>();
        if (text == null) {
            return out;
        }
        int start = 0;
        int n = text.length();
        Setting list = null; // servers=..., while bare names continue it
        while (start <= n) {
            int comma = text.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            String piece = text.substring(start, end).trim();
            if (!piece.isEmpty()) {
                int eq = piece.indexOf('=');
                if (eq < 0 && list != null) { // servers=a,b: 'b' continues the list
                    list = list.withValue(list.value + "," + piece);
                    out.put(SERVERS, list);
                } else if (eq < 0) {
                    throw new AgentArgumentException(piece, null, "expected key=value (a value cannot contain ',';"
                            + " put such values in a properties file given with config=FILE)", null);
                } else {
                    String key = piece.substring(0, eq).trim();
                    String value = piece.substring(eq + 1).trim();
                    if (key.isEmpty()) {
                        throw new AgentArgumentException("", value, "missing key before '='", null);
                    }
                    Setting first = out.get(key);
                    if (first != null) {
                        throw new AgentArgumentException(key, value,
                                "given twice (first " + key + "='" + first.value + "')", null);
                    }
                    out.put(key, new Setting(key, value, null));
                    list = SERVERS.equals(key) ? out.get(key) : null;
                }
            }
            if (comma < 0) {
                break;
            }
            start = comma + 1;
        }
        return out;
    }

    /**
     * Reading the config file, in a class of its own: its I/O and exception classes are loaded only when a
     * {@code config=} is given, not on every host's start-up.
     */
    private static final class ConfigFile {
        private ConfigFile() {
        }

        static Map<String, Setting> load(Setting config, Path file) {
            DuplicateCheckingProperties props = new DuplicateCheckingProperties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(reader);
            } catch (NoSuchFileException e) {
                throw bad(config, "file not found: " + file);
            } catch (AccessDeniedException e) {
                throw bad(config, "cannot read " + file + ": permission denied");
            } catch (CharacterCodingException e) {
                throw bad(config, file + " is not UTF-8 text");
            } catch (IOException e) {
                throw bad(config, "cannot read " + file + ": " + e.getMessage());
            } catch (IllegalArgumentException e) { // a malformed \\uxxxx escape
                throw bad(config, file + " is not a valid properties file: " + e.getMessage());
            }
            if (props.duplicateKey != null) {
                throw new AgentArgumentException(props.duplicateKey, props.duplicateValue, "given twice",
                        file.toString());
            }
            List<String> keys = new ArrayList<>(props.stringPropertyNames());
            Collections.sort(keys); // deterministic: the first bad key reported is always the same one
            Map<String, Setting> out = new LinkedHashMap<>();
            for (String rawKey : keys) {
                String key = rawKey.trim();
                String value = props.getProperty(rawKey).trim();
                if (CONFIG.equals(key)) {
                    throw new AgentArgumentException(key, value, "not allowed inside a config file", file.toString());
                }
                out.put(key, new Setting(key, value, file));
            }
            return out;
        }

        /** Remembers the first key that a properties file sets twice ({@link Properties} would keep the last). */
        private static final class DuplicateCheckingProperties extends Properties {
            private static final long serialVersionUID = 1L;
            String duplicateKey;
            String duplicateValue;

            @Override
            public synchronized Object put(Object key, Object value) {
                Object previous = super.put(key, value);
                if (previous != null && duplicateKey == null) {
                    duplicateKey = String.valueOf(key);
                    duplicateValue = String.valueOf(value);
                }
                return previous;
            }
        }
    }

    /**
     * {@code servers=a,b}: splits the merged settings by server prefix, gives each server the shared (unprefixed)
     * settings overlaid with its own, converts each group, and checks that no two servers share a PID file or a port.
     */
    private static List<AgentArguments> fromServers(Setting servers, Map<String, Setting> merged, Path configFile) {
        List<String> names = serverNames(servers);
        Map<String, Setting> shared = new LinkedHashMap<>();
        List<Map<String, Setting>> own = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            own.add(new LinkedHashMap<String, Setting>());
        }
        for (Setting s : merged.values()) {
            int server = serverIndex(s.key, names);
            if (server < 0) {
                if (NAME.equals(s.key)) {
                    throw bad(s, "cannot be combined with servers=" + String.join(",", names) + ": each server's"
                            + " name is its entry in servers");
                }
                String prefix = serverPrefixOf(s.key);
                if (prefix != null) {
                    throw bad(s, "unknown server '" + prefix + "' (servers=" + String.join(",", names) + ")");
                }
                shared.put(s.key, s);
                continue;
            }
            String name = names.get(server);
            String local = s.key.substring(name.length() + 1);
            if (NAME.equals(local)) {
                throw bad(s, "not allowed: the server's name is '" + name + "', its entry in servers");
            }
            if (CONFIG.equals(local) || SERVERS.equals(local)) {
                throw bad(s, "'" + local + "' is for the whole agent, not one server: give it without a prefix");
            }
            own.get(server).put(local, s.local(local));
        }
        List<AgentArguments> result = new ArrayList<>();
        List<Map<String, Setting>> used = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Map<String, Setting> settings = new LinkedHashMap<>(shared);
            settings.putAll(own.get(i)); // the server's own key beats the shared one
            result.add(fromSettings(settings, configFile, names.get(i)));
            used.add(settings);
        }
        checkNothingShared(names, result, used);
        return Collections.unmodifiableList(result);
    }

    /** The names in {@code servers=}, checked: valid MBean names, not {@code env}, distinct, unambiguous prefixes. */
    private static List<String> serverNames(Setting servers) {
        List<String> names = new ArrayList<>();
        for (String part : servers.value.split(",")) {
            String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!isValidName(name)) {
                throw bad(servers, "server name '" + name + "': only letters, digits, '.', '_' and '-' are allowed"
                        + " (it becomes the MBean's name)");
            }
            if (name.equals("env")) {
                throw bad(servers, "'env' cannot be a server's name (env.<NAME> sets an environment variable)");
            }
            for (String other : names) {
                if (other.equals(name)) {
                    throw bad(servers, "server '" + name + "' is listed twice");
                }
                if (name.startsWith(other + ".") || other.startsWith(name + ".")) {
                    throw bad(servers, "server names '" + other + "' and '" + name + "' make ambiguous key prefixes"
                            + " (is '" + (name.length() > other.length() ? name : other) + ".port' a port of which?);"
                            + " rename one");
                }
            }
            names.add(name);
        }
        if (names.isEmpty()) {
            throw bad(servers, "must not be empty: list the servers' names, e.g. servers=a,b");
        }
        return names;
    }

    /** The index of the server whose {@code name.} prefixes {@code key}, or -1 (no name is another's prefix). */
    private static int serverIndex(String key, List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (key.length() > name.length() + 1 && key.startsWith(name) && key.charAt(name.length()) == '.') {
                return i;
            }
        }
        return -1;
    }

    /**
     * For a key that reads as {@code <server>.<key>} ({@code c.port}, {@code c.env.X}): the server part; else null.
     * Unprefixed {@code env.X} is not one.
     */
    private static String serverPrefixOf(String key) {
        if (key.startsWith(ENV_PREFIX)) {
            return null;
        }
        for (int dot = key.indexOf('.'); dot > 0; dot = key.indexOf('.', dot + 1)) {
            String rest = key.substring(dot + 1);
            if (isKnown(rest) || (rest.startsWith(ENV_PREFIX) && rest.length() > ENV_PREFIX.length())) {
                return key.substring(0, dot);
            }
        }
        return null;
    }

    /** Two servers with one PID file (or one's log file the other's PID file), or one port: an error naming both. */
    private static void checkNothingShared(List<String> names, List<AgentArguments> servers,
            List<Map<String, Setting>> settings) {
        for (int j = 1; j < servers.size(); j++) {
            ProcessManagerOptions b = servers.get(j).options;
            for (int i = 0; i < j; i++) {
                ProcessManagerOptions a = servers.get(i).options;
                if (a.pidFile().equals(b.pidFile())) {
                    throw shared("PID file", PID_FILE, b.pidFile(), names.get(i), settings.get(i), names.get(j),
                            settings.get(j));
                }
                if (a.port() == b.port()) {
                    throw shared("port", PORT, b.port(), names.get(i), settings.get(i), names.get(j), settings.get(j));
                }
            }
        }
        for (int j = 0; j < servers.size(); j++) {
            Optional<Path> log = servers.get(j).options.logFile();
            for (int i = 0; i < servers.size(); i++) {
                if (i != j && log.isPresent() && log.get().equals(servers.get(i).options.pidFile())) {
                    String reason = "server '" + names.get(j) + "' would append its output to the PID file of server '"
                            + names.get(i) + "' (" + source(settings.get(i).get(PID_FILE)) + ")";
                    Setting s = settings.get(j).get(LOG_FILE);
                    if (s != null) {
                        throw bad(s, reason);
                    }
                    throw new AgentArgumentException(names.get(j) + "." + LOG_FILE, log.get().toString(), reason,
                            null);
                }
            }
        }
    }

    private static AgentArgumentException shared(String what, String key, Object value, String first,
            Map<String, Setting> firstSettings, String second, Map<String, Setting> secondSettings) {
        Setting a = firstSettings.get(key);
        Setting b = secondSettings.get(key);
        String reason = "servers '" + first + "' and '" + second + "' both use " + what + " " + value + " (" + first
                + ": " + source(a) + ", " + second + ": " + source(b) + "); give each server its own " + key;
        if (b != null) {
            return bad(b, reason);
        }
        return new AgentArgumentException(second + "." + key, String.valueOf(value), reason, null);
    }

    private static String source(Setting s) {
        return s == null ? "the default" : s.fullKey;
    }

    /**
     * Converts one server's settings.
     *
     * @param server the server's name from {@code servers=}, or null for the single-server form (name from
     *               {@code name})
     */
    private static AgentArguments fromSettings(Map<String, Setting> settings, Path configFile, String server) {
        ProcessManagerOptions.Builder builder = ProcessManagerOptions.builder();
        String name = server == null ? DEFAULT_NAME : server;
        Duration healthInterval = Duration.ofMillis(DEFAULT_HEALTH_INTERVAL_MILLIS);
        boolean autoStart = false;
        SupervisionPolicy.Builder supervision = null; // made only when a supervision key is given
        boolean scriptConfigured = false;
        for (Setting s : settings.values()) {
            if (s.key.startsWith(ENV_PREFIX)) {
                builder.environmentVariable(s.key.substring(ENV_PREFIX.length()), s.value);
                continue;
            }
            if (!isKnown(s.key)) {
                throw unknownKey(s, server == null);
            }
            if (s.value.isEmpty()) {
                throw bad(s, "must not be empty");
            }
            switch (s.key) {
                case NAME:
                    name = checkName(s);
                    break;
                case SERVER_SCRIPT:
                    builder.serverScript(path(s));
                    scriptConfigured = true;
                    break;
                case PORT:
                    builder.port(integer(s));
                    break;
                case PID_FILE:
                    builder.pidFile(path(s));
                    break;
                case HEALTH_CHECK_URL:
                    builder.healthCheckUrl(s.value);
                    break;
                case HEALTH_CHECK_TIMEOUT:
                    builder.healthCheckTimeout(millis(s));
                    break;
                case STOP_TIMEOUT:
                    builder.stopTimeout(millis(s));
                    break;
                case START_TIMEOUT:
                    builder.startTimeout(millis(s));
                    break;
                case HEALTH_INTERVAL:
                    healthInterval = millis(s);
                    if (healthInterval.isZero() || healthInterval.isNegative()) {
                        throw bad(s, "must be greater than 0 ms");
                    }
                    break;
                case LOG_FILE:
                    if (DISCARD.equals(s.value)) {
                        builder.discardLog();
                    } else {
                        builder.logFile(path(s));
                    }
                    break;
                case AUTO_START:
                    autoStart = bool(s);
                    break;
                case RESTART:
                case RESTART_DELAY:
                case RESTART_MAX_DELAY:
                case RESTART_RESET_AFTER:
                case RESTART_LIMIT:
                case RESTART_WINDOW:
                case UNHEALTHY_THRESHOLD:
                case RESTART_ON_UNHEALTHY:
                    if (supervision == null) {
                        supervision = SupervisionPolicy.builder();
                    }
                    try {
                        supervision.set(s.key, s.value);
                    } catch (IllegalArgumentException e) {
                        throw translate(e, settings, server);
                    }
                    break;
                default:
                    // CONFIG and SERVERS never reach here: parseAll takes them out
                    throw unknownKey(s, server == null);
            }
        }
        ProcessManagerOptions options;
        try {
            options = builder.build();
        } catch (IllegalArgumentException e) {
            throw translate(e, settings, server);
        }
        SupervisionPolicy policy = null;
        if (supervision != null) {
            try {
                policy = supervision.build();
            } catch (IllegalArgumentException e) {
                throw translate(e, settings, server);
            }
        }
        return new AgentArguments(name, options, healthInterval, autoStart, policy, scriptConfigured, configFile);
    }

    private static boolean isKnown(String key) {
        switch (key) {
            case NAME:
            case SERVER_SCRIPT:
            case PORT:
            case PID_FILE:
            case HEALTH_CHECK_URL:
            case HEALTH_CHECK_TIMEOUT:
            case STOP_TIMEOUT:
            case START_TIMEOUT:
            case HEALTH_INTERVAL:
            case LOG_FILE:
            case AUTO_START:
            case RESTART:
            case RESTART_DELAY:
            case RESTART_MAX_DELAY:
            case RESTART_RESET_AFTER:
            case RESTART_LIMIT:
            case RESTART_WINDOW:
            case UNHEALTHY_THRESHOLD:
            case RESTART_ON_UNHEALTHY:
                return true;
            default:
                return false;
        }
    }

    private static boolean isPathKey(String key) {
        for (String k : PATH_KEYS) {
            if (k.equals(key)) {
                return true;
            }
        }
        return false;
    }

    private static AgentArgumentException unknownKey(Setting s, boolean singleServer) {
        String prefix = singleServer ? serverPrefixOf(s.key) : null;
        if (prefix != null) {
            return bad(s, "unknown key; a prefix names one of several servers, but servers= is not given (e.g."
                    + " servers=" + prefix + ",other)");
        }
        String suggestion = null;
        for (String k : KEYS) {
            if (k.equalsIgnoreCase(s.key)) {
                suggestion = k;
            }
        }
        if (suggestion == null && s.key.regionMatches(true, 0, ENV_PREFIX, 0, ENV_PREFIX.length())) {
            suggestion = ENV_PREFIX + s.key.substring(ENV_PREFIX.length());
        }
        if (suggestion != null) {
            String serverPrefix = s.fullKey.substring(0, s.fullKey.length() - s.key.length());
            return bad(s, "unknown key; did you mean '" + serverPrefix + suggestion + "'? (keys are case-sensitive)");
        }
        return bad(s, "unknown key (keys: " + String.join(", ", KEYS) + ")");
    }

    private static String checkName(Setting s) {
        if (!isValidName(s.value)) {
            throw bad(s, "only letters, digits, '.', '_' and '-' are allowed (it becomes part of the MBean's"
                    + " ObjectName)");
        }
        return s.value;
    }

    private static boolean isValidName(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return !v.isEmpty();
    }

    private static int integer(Setting s) {
        try {
            return Integer.parseInt(s.value);
        } catch (NumberFormatException e) {
            throw bad(s, "not a number");
        }
    }

    private static Duration millis(Setting s) {
        try {
            return Duration.ofMillis(Long.parseLong(s.value));
        } catch (NumberFormatException e) {
            throw bad(s, "not a number of milliseconds");
        }
    }

    private static boolean bool(Setting s) {
        if ("true".equalsIgnoreCase(s.value)) {
            return true;
        }
        if ("false".equalsIgnoreCase(s.value)) {
            return false;
        }
        throw bad(s, "must be true or false");
    }

    /** The setting's path: {@code ~/} expanded, resolved against the config file's directory or the working one. */
    private static Path path(Setting s) {
        String v = s.value;
        if (v.isEmpty()) {
            throw bad(s, "must not be empty");
        }
        try {
            Path p;
            if (v.equals("~") || v.startsWith("~/")) {
                p = Paths.get(System.getProperty("user.home"), v.substring(1).replaceFirst("^/+", ""));
            } else {
                p = Paths.get(v);
            }
            if (!p.isAbsolute() && s.origin != null && s.origin.getParent() != null) {
                p = s.origin.getParent().resolve(p);
            }
            return p.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw bad(s, "not a valid path: " + e.getReason());
        }
    }

    private static AgentArgumentException bad(Setting s, String reason) {
        return new AgentArgumentException(s.fullKey, s.value, reason, s.origin == null ? null : s.origin.toString());
    }

    /**
     * Re-words a {@link ProcessManagerOptions.Builder#build()} message ({@code invalid KEY 'VALUE': WHY}) into this
     * class's form, quoting the value as the user wrote it and naming the config file it came from.
     */
    private static AgentArgumentException translate(IllegalArgumentException e, Map<String, Setting> settings,
            String server) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Matcher m = Pattern.compile("^invalid (\\S+) '(.*)': (.*)$", Pattern.DOTALL).matcher(message);
        if (!m.matches()) {
            return new AgentArgumentException("invalid agent arguments: " + message);
        }
        Setting s = settings.get(m.group(1));
        if (s != null) {
            return bad(s, m.group(3));
        }
        String key = server == null ? m.group(1) : server + "." + m.group(1);
        return new AgentArgumentException(key, m.group(2), m.group(3) + " (default value)", null);
    }
}
