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

import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * The agent's arguments, parsed in one place into an immutable value. {@code -javaagent:JAR=ARGS}, {@code attach
 * <pid> ARGS} and {@code run ARGS} all go through {@link #parse(String)}.
 *
 * <h2>Syntax</h2>
 * {@code key=value} pairs separated by commas, e.g. {@code name=web,port=3001,autoStart=true,env.NODE_ENV=production}.
 * <ul>
 * <li>The text is split at <em>every</em> comma; there is no quoting or escaping, so a value cannot contain a comma.
 * Put such values (an {@code env.} value like {@code a,b}) in a properties file given with {@code config=FILE}, where
 * each line holds one key.</li>
 * <li>The first {@code =} separates key and value; later ones belong to the value ({@code env.OPTS=-Da=b}).</li>
 * <li>Whitespace around keys and values is trimmed; empty pieces ({@code a=1,,b=2}, a trailing comma) are
 * ignored.</li>
 * <li>Keys are case-sensitive. An unknown key, a key given twice in the same source, or an empty value (except for
 * {@code env.NAME=}, which sets {@code NAME} to the empty string) is an error.</li>
 * <li>Paths may start with {@code ~/} (the user's home). Relative paths in arguments are resolved against the working
 * directory of the JVM that parses them ({@code attach} resolves them in its own directory before sending them);
 * relative paths in a config file against the file's directory.</li>
 * <li>{@code config=FILE}: a {@link Properties} file (UTF-8) with the same keys except {@code config}. Precedence:
 * defaults &lt; config file &lt; arguments.</li>
 * </ul>
 *
 * <h2>Keys</h2>
 * {@code name} (default {@value #DEFAULT_NAME}; letters, digits, {@code . _ -}), {@code serverScript}, {@code port},
 * {@code pidFile}, {@code healthCheckUrl}, {@code healthCheckTimeout} (ms), {@code stopTimeout} (ms),
 * {@code startTimeout} (ms), {@code healthInterval} (ms, default {@value #DEFAULT_HEALTH_INTERVAL_MILLIS}),
 * {@code logFile} (a path, or {@code discard}), {@code autoStart} ({@code true}/{@code false}, default false),
 * {@code env.<NAME>}, {@code config}. The process options' defaults and validation are
 * {@link ProcessManagerOptions}'s: its builder's messages are re-worded into this class's one-line form.
 *
 * <h2>Errors</h2>
 * {@link AgentArgumentException}, one line naming the key and quoting the value:
 * {@code invalid agent argument port='abc': not a number}.
 *
 * <p>Implementation note: the entries are first collected as raw settings (key, value, where it came from) and only
 * then converted; a later multi-server form ({@code servers=a,b} with {@code a.port=...}) can split the raw settings by
 * prefix and convert each group with the same code. No lambdas or streams here: this runs in {@code premain}.
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
    public static final String ENV_PREFIX = "env.";
    public static final String CONFIG = "config";

    /** Every key in documentation order ({@code env.<NAME>} stands for the environment prefix). */
    public static final List<String> KEYS = List.of(NAME, SERVER_SCRIPT, PORT, PID_FILE, HEALTH_CHECK_URL,
            HEALTH_CHECK_TIMEOUT, STOP_TIMEOUT, START_TIMEOUT, HEALTH_INTERVAL, LOG_FILE, AUTO_START,
            ENV_PREFIX + "<NAME>", CONFIG);

    private static final String[] PATH_KEYS = {CONFIG, PID_FILE, SERVER_SCRIPT, LOG_FILE};

    private final String name;
    private final ProcessManagerOptions options;
    private final Duration healthInterval;
    private final boolean autoStart;
    private final boolean serverScriptConfigured;
    private final Path configFile;

    private AgentArguments(String name, ProcessManagerOptions options, Duration healthInterval, boolean autoStart,
            boolean serverScriptConfigured, Path configFile) {
        this.name = name;
        this.options = options;
        this.healthInterval = healthInterval;
        this.autoStart = autoStart;
        this.serverScriptConfigured = serverScriptConfigured;
        this.configFile = configFile;
    }

    /**
     * Parses agent arguments ({@code null} or blank: all defaults), reading the {@code config} file if one is given.
     *
     * @throws AgentArgumentException naming the bad key and quoting its value
     */
    public static AgentArguments parse(String text) {
        Map<String, Setting> fromArguments = tokenize(text);
        Setting config = fromArguments.remove(CONFIG);
        Map<String, Setting> merged = new LinkedHashMap<>();
        Path configFile = null;
        if (config != null) {
            configFile = path(config);
            merged.putAll(ConfigFile.load(config, configFile));
        }
        merged.putAll(fromArguments); // arguments win over the file
        return fromSettings(merged, configFile);
    }

    /**
     * The same arguments with every relative path ({@code config}, {@code pidFile}, {@code serverScript},
     * {@code logFile}) made absolute against this JVM's working directory, so that they mean the same in another
     * JVM ({@code attach}). Call after {@link #parse(String)} accepted the text.
     */
    public static String absolutize(String text) {
        Map<String, Setting> settings = tokenize(text);
        StringBuilder sb = new StringBuilder();
        for (Setting s : settings.values()) {
            String value = s.value;
            if (isPathKey(s.key) && !(LOG_FILE.equals(s.key) && DISCARD.equals(value))) {
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
        return new AgentArguments(name, changed, healthInterval, autoStart, true, configFile);
    }

    @Override
    public String toString() {
        return "AgentArguments{name=" + name + ", healthInterval=" + healthInterval.toMillis() + "ms, autoStart="
                + autoStart + (configFile == null ? "" : ", config=" + configFile) + ", " + options + "}";
    }

    // ------------------------------------------------------------------ parsing

    /** One raw {@code key=value}, with where it came from ({@code null}: the arguments; else the config file). */
    private static final class Setting {
        final String key;
        final String value;
        final Path origin;

        Setting(String key, String value, Path origin) {
            this.key = key;
            this.value = value;
            this.origin = origin;
        }
    }

    private static Map<String, Setting> tokenize(String text) {
        Map<String, Setting> out = new LinkedHashMap<>();
        if (text == null) {
            return out;
        }
        int start = 0;
        int n = text.length();
        while (start <= n) {
            int comma = text.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            String piece = text.substring(start, end).trim();
            if (!piece.isEmpty()) {
                int eq = piece.indexOf('=');
                if (eq < 0) {
                    throw new AgentArgumentException(piece, null, "expected key=value (a value cannot contain ',';"
                            + " put such values in a properties file given with config=FILE)", null);
                }
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

    private static AgentArguments fromSettings(Map<String, Setting> settings, Path configFile) {
        ProcessManagerOptions.Builder builder = ProcessManagerOptions.builder();
        String name = DEFAULT_NAME;
        Duration healthInterval = Duration.ofMillis(DEFAULT_HEALTH_INTERVAL_MILLIS);
        boolean autoStart = false;
        boolean scriptConfigured = false;
        for (Setting s : settings.values()) {
            if (s.key.startsWith(ENV_PREFIX)) {
                builder.environmentVariable(s.key.substring(ENV_PREFIX.length()), s.value);
                continue;
            }
            if (!isKnown(s.key)) {
                throw unknownKey(s);
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
                default:
                    throw unknownKey(s); // CONFIG never reaches here: parse() and ConfigFile take it out
            }
        }
        ProcessManagerOptions options;
        try {
            options = builder.build();
        } catch (IllegalArgumentException e) {
            throw translate(e, settings);
        }
        return new AgentArguments(name, options, healthInterval, autoStart, scriptConfigured, configFile);
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

    private static AgentArgumentException unknownKey(Setting s) {
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
            return bad(s, "unknown key; did you mean '" + suggestion + "'? (keys are case-sensitive)");
        }
        return bad(s, "unknown key (keys: " + String.join(", ", KEYS) + ")");
    }

    private static String checkName(Setting s) {
        String v = s.value;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            if (!ok) {
                throw bad(s, "only letters, digits, '.', '_' and '-' are allowed (it becomes part of the MBean's"
                        + " ObjectName)");
            }
        }
        return v;
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
        return new AgentArgumentException(s.key, s.value, reason, s.origin == null ? null : s.origin.toString());
    }

    /**
     * Re-words a {@link ProcessManagerOptions.Builder#build()} message ({@code invalid KEY 'VALUE': WHY}) into this
     * class's form, quoting the value as the user wrote it and naming the config file it came from.
     */
    private static AgentArgumentException translate(IllegalArgumentException e, Map<String, Setting> settings) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Matcher m = Pattern.compile("^invalid (\\S+) '(.*)': (.*)$", Pattern.DOTALL).matcher(message);
        if (!m.matches()) {
            return new AgentArgumentException("invalid agent arguments: " + message);
        }
        Setting s = settings.get(m.group(1));
        if (s != null) {
            return bad(s, m.group(3));
        }
        return new AgentArgumentException(m.group(1), m.group(2), m.group(3) + " (default value)", null);
    }
}
