package dev.omega.sessionserver.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * {@code servers=a,b}: several servers in one agent. Checks the names, splits the merged settings by server prefix
 * ({@code a.port} is server {@code a}'s {@code port}; an unprefixed key is a default shared by every server, and a
 * server's own key beats it), and checks that no two servers share a PID file or a port. Stateless; no lambdas or
 * streams (it runs in {@code premain}).
 *
 * <p>Names: valid MBean names, not {@code env}, listed once, and none another's prefix up to a dot ({@code a},
 * {@code a.b}), so that every prefixed key belongs to exactly one server.
 */
final class ServerPrefixes {

    private ServerPrefixes() {
    }

    /** The names in {@code servers=}, checked. */
    static List<String> names(Setting servers) {
        List<String> names = new ArrayList<>();
        for (String part : servers.value.split(",")) {
            String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!AgentValueParser.isValidName(name)) {
                throw servers.invalid("server name '" + name + "': " + AgentValueParser.BAD_NAME
                        + " (it becomes the MBean's name)");
            }
            if (name.equals("env")) {
                throw servers.invalid("'env' cannot be a server's name (env.<NAME> sets an environment variable)");
            }
            for (String other : names) {
                if (other.equals(name)) {
                    throw servers.invalid("server '" + name + "' is listed twice");
                }
                if (name.startsWith(other + ".") || other.startsWith(name + ".")) {
                    throw servers.invalid("server names '" + other + "' and '" + name + "' make ambiguous key"
                            + " prefixes (is '" + (name.length() > other.length() ? name : other) + ".port' a port"
                            + " of which?); rename one");
                }
            }
            names.add(name);
        }
        if (names.isEmpty()) {
            throw servers.invalid(AgentValueParser.EMPTY + ": list the servers' names, e.g. servers=a,b");
        }
        return names;
    }

    /**
     * Each server's settings, in the order of {@code names}: the shared (unprefixed) settings overlaid with the
     * server's own, keyed by the key without its prefix (each setting keeps its full key for messages).
     *
     * @throws AgentArgumentException for {@code name} (shared or prefixed), a prefix that names no server, or a
     *                                prefixed {@code config} or {@code servers}
     */
    static List<Map<String, Setting>> split(List<String> names, Map<String, Setting> merged) {
        Map<String, Setting> shared = new LinkedHashMap<>();
        List<Map<String, Setting>> own = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            own.add(new LinkedHashMap<String, Setting>());
        }
        String nameKey = AgentKey.NAME.key();
        for (Setting s : merged.values()) {
            int server = indexOf(s.key, names);
            if (server < 0) {
                if (nameKey.equals(s.key)) {
                    throw s.invalid("cannot be combined with servers=" + String.join(",", names) + ": each server's"
                            + " name is its entry in servers");
                }
                String prefix = prefixOf(s.key);
                if (prefix != null) {
                    throw s.invalid("unknown server '" + prefix + "' (servers=" + String.join(",", names) + ")");
                }
                shared.put(s.key, s);
                continue;
            }
            String name = names.get(server);
            String local = s.key.substring(name.length() + 1);
            if (nameKey.equals(local)) {
                throw s.invalid("not allowed: the server's name is '" + name + "', its entry in servers");
            }
            if (AgentKey.CONFIG.key().equals(local) || AgentKey.SERVERS.key().equals(local)) {
                throw s.invalid("'" + local + "' is for the whole agent, not one server: give it without a prefix");
            }
            own.get(server).put(local, s.local(local));
        }
        List<Map<String, Setting>> result = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Map<String, Setting> settings = new LinkedHashMap<>(shared);
            settings.putAll(own.get(i)); // the server's own key beats the shared one
            result.add(settings);
        }
        return result;
    }

    /** The index of the server whose {@code name.} prefixes {@code key}, or -1 (no name is another's prefix). */
    static int indexOf(String key, List<String> names) {
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
    static String prefixOf(String key) {
        String env = AgentKey.ENV_PREFIX;
        if (key.startsWith(env)) {
            return null;
        }
        for (int dot = key.indexOf('.'); dot > 0; dot = key.indexOf('.', dot + 1)) {
            String rest = key.substring(dot + 1);
            if (AgentKey.serverKey(rest) != null || (rest.startsWith(env) && rest.length() > env.length())) {
                return key.substring(0, dot);
            }
        }
        return null;
    }

    /**
     * Two servers with one PID file (or one's log file the other's PID file), or one port: an error naming both and
     * where each value came from.
     *
     * @param options  each server's options, in the order of {@code names}
     * @param settings each server's settings as {@link #split} gave them
     */
    static void checkNothingShared(List<String> names, List<ProcessManagerOptions> options,
            List<Map<String, Setting>> settings) {
        String pidFileKey = AgentKey.PID_FILE.key();
        String portKey = AgentKey.PORT.key();
        for (int j = 1; j < options.size(); j++) {
            ProcessManagerOptions b = options.get(j);
            for (int i = 0; i < j; i++) {
                ProcessManagerOptions a = options.get(i);
                if (a.pidFile().equals(b.pidFile())) {
                    throw shared("PID file", pidFileKey, b.pidFile(), names.get(i), settings.get(i), names.get(j),
                            settings.get(j));
                }
                if (a.port() == b.port()) {
                    throw shared("port", portKey, b.port(), names.get(i), settings.get(i), names.get(j),
                            settings.get(j));
                }
            }
        }
        String logFileKey = AgentKey.LOG_FILE.key();
        for (int j = 0; j < options.size(); j++) {
            Optional<Path> log = options.get(j).logFile();
            for (int i = 0; i < options.size(); i++) {
                if (i != j && log.isPresent() && log.get().equals(options.get(i).pidFile())) {
                    String reason = "server '" + names.get(j) + "' would append its output to the PID file of server '"
                            + names.get(i) + "' (" + source(settings.get(i).get(pidFileKey)) + ")";
                    Setting s = settings.get(j).get(logFileKey);
                    if (s != null) {
                        throw s.invalid(reason);
                    }
                    throw new AgentArgumentException(names.get(j) + "." + logFileKey, log.get().toString(), reason,
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
            return b.invalid(reason);
        }
        return new AgentArgumentException(second + "." + key, String.valueOf(value), reason, null);
    }

    private static String source(Setting s) {
        return s == null ? "the default" : s.fullKey;
    }
}
