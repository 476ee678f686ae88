package dev.omega.sessionserver.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.omega.sessionserver.jmx.ServerDependency;
import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.process.InvalidOptionException;
import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * Converts one server's merged settings (its server prefix already taken off) into its {@link AgentArguments}: each
 * key's text is parsed by {@link AgentValueParser} and set, typed, on the {@link ProcessManagerOptions.Builder}, on a
 * {@link SupervisionPolicy.Builder} (made only when a supervision key is given) or on the agent's own values
 * ({@code name}, {@code healthInterval}, {@code autoStart}, {@code dependsOn}, {@code stopWithHost}); the builders then check the ranges.
 *
 * <p>Every refusal is an {@link AgentArgumentException} naming the key as written (with its server prefix), quoting
 * the value and naming the config file it came from: an unknown key (with a suggestion for a key in another case, or
 * for a server prefix without {@code servers=}), an empty value, bad syntax, or a builder's
 * {@link InvalidOptionException}. Stateless; no lambdas or streams (this runs in {@code premain}).
 */
final class ServerSettingsConverter {

    private ServerSettingsConverter() {
    }

    /**
     * Converts one server's settings.
     *
     * @param server the server's name from {@code servers=}, or null for the single-server form (name from
     *               {@code name})
     */
    static AgentArguments convert(Map<String, Setting> settings, Path configFile, String server) {
        ProcessManagerOptions.Builder builder = ProcessManagerOptions.builder();
        String name = server == null ? AgentArguments.DEFAULT_NAME : server;
        Duration healthInterval = Duration.ofMillis(AgentArguments.DEFAULT_HEALTH_INTERVAL_MILLIS);
        boolean autoStart = false;
        List<ServerDependency> dependsOn = Collections.emptyList();
        boolean stopWithHost = false;
        SupervisionPolicy.Builder supervision = null; // made only when a supervision key is given
        boolean scriptConfigured = false;
        Setting script = null;
        Path workingDirectory = null;
        for (Setting s : settings.values()) {
            if (s.key.startsWith(AgentKey.ENV_PREFIX)) {
                builder.environmentVariable(s.key.substring(AgentKey.ENV_PREFIX.length()), s.value);
                continue;
            }
            AgentKey key = AgentKey.serverKey(s.key);
            if (key == null) {
                // config and servers never reach here: parseAll takes them out
                throw unknownKey(s, server == null);
            }
            if (s.value.isEmpty()) {
                throw s.invalid(AgentValueParser.EMPTY);
            }
            switch (key) {
                case NAME:
                    name = AgentValueParser.name(s);
                    break;
                case SERVER_SCRIPT:
                    script = s; // resolved after the loop: against workingDirectory when one is given
                    AgentValueParser.path(s); // its syntax, checked now
                    scriptConfigured = true;
                    break;
                case WORKING_DIRECTORY:
                    workingDirectory = AgentValueParser.path(s);
                    builder.workingDirectory(workingDirectory);
                    break;
                case STOP_SIGNAL:
                    builder.stopSignal(AgentValueParser.stopSignal(s));
                    break;
                case PORT:
                    builder.port(AgentValueParser.integer(s));
                    break;
                case PID_FILE:
                    builder.pidFile(AgentValueParser.path(s));
                    break;
                case HEALTH_CHECK_URL:
                    builder.healthCheckUrl(s.value);
                    break;
                case HEALTH_CHECK_TIMEOUT:
                    builder.healthCheckTimeout(AgentValueParser.millis(s));
                    break;
                case STOP_TIMEOUT:
                    builder.stopTimeout(AgentValueParser.millis(s));
                    break;
                case START_TIMEOUT:
                    builder.startTimeout(AgentValueParser.millis(s));
                    break;
                case HEALTH_INTERVAL:
                    healthInterval = AgentValueParser.millis(s);
                    if (healthInterval.isZero() || healthInterval.isNegative()) {
                        throw s.invalid("must be greater than 0 ms");
                    }
                    break;
                case LOG_FILE:
                    if (AgentArguments.DISCARD.equals(s.value)) {
                        builder.discardLog();
                    } else {
                        builder.logFile(AgentValueParser.path(s));
                    }
                    break;
                case LOG_MAX_BYTES:
                    builder.logMaxBytes(AgentValueParser.sizeBytes(s));
                    break;
                case LOG_BACKUPS:
                    builder.logBackups(AgentValueParser.integer(s));
                    break;
                case AUTO_START:
                    autoStart = AgentValueParser.bool(s);
                    break;
                case DEPENDS_ON:
                    dependsOn = AgentValueParser.dependsOn(s);
                    break;
                case STOP_WITH_HOST:
                    stopWithHost = AgentValueParser.bool(s);
                    break;
                default:
                    if (supervision == null) {
                        supervision = SupervisionPolicy.builder();
                    }
                    setSupervision(supervision, key, s);
                    break;
            }
        }
        if (script != null) {
            builder.serverScript(workingDirectory != null ? AgentValueParser.path(script, workingDirectory)
                    : AgentValueParser.path(script));
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
        return new AgentArguments(name, options, healthInterval, autoStart, policy, scriptConfigured, configFile,
                dependsOn, stopWithHost);
    }

    /** One supervision key's value, parsed here and set typed; its range is checked by the policy's build(). */
    private static void setSupervision(SupervisionPolicy.Builder b, AgentKey key, Setting s) {
        switch (key) {
            case RESTART:
                b.restart(AgentValueParser.restart(s));
                break;
            case RESTART_DELAY:
                b.restartDelay(AgentValueParser.millis(s));
                break;
            case RESTART_MAX_DELAY:
                b.restartMaxDelay(AgentValueParser.millis(s));
                break;
            case RESTART_RESET_AFTER:
                b.restartResetAfter(AgentValueParser.millis(s));
                break;
            case RESTART_LIMIT:
                b.restartLimit(AgentValueParser.integer(s));
                break;
            case RESTART_WINDOW:
                b.restartWindow(AgentValueParser.millis(s));
                break;
            case UNHEALTHY_THRESHOLD:
                b.unhealthyThreshold(AgentValueParser.integer(s));
                break;
            case RESTART_ON_UNHEALTHY:
                b.restartOnUnhealthy(AgentValueParser.bool(s));
                break;
            case SUCCESS_EXIT_CODES:
                b.successExitCodes(AgentValueParser.exitCodes(s));
                break;
            case MAX_MEMORY:
                b.maxMemory(AgentValueParser.sizeBytes(s));
                break;
            default:
                throw new IllegalStateException("not a supervision key: " + key.key());
        }
    }

    private static AgentArgumentException unknownKey(Setting s, boolean singleServer) {
        String prefix = singleServer ? ServerPrefixes.prefixOf(s.key) : null;
        if (prefix != null) {
            return s.invalid("unknown key; a prefix names one of several servers, but servers= is not given (e.g."
                    + " servers=" + prefix + ",other)");
        }
        String suggestion = null;
        for (String k : AgentArguments.KEYS) {
            if (k.equalsIgnoreCase(s.key)) {
                suggestion = k;
            }
        }
        String env = AgentKey.ENV_PREFIX;
        if (suggestion == null && s.key.regionMatches(true, 0, env, 0, env.length())) {
            suggestion = env + s.key.substring(env.length());
        }
        if (suggestion != null) {
            String serverPrefix = s.fullKey.substring(0, s.fullKey.length() - s.key.length());
            return s.invalid("unknown key; did you mean '" + serverPrefix + suggestion + "'? (keys are case-sensitive)");
        }
        return s.invalid("unknown key (keys: " + String.join(", ", AgentArguments.KEYS) + ")");
    }

    /**
     * A library builder's refusal in this class's form: the key as the user wrote it (with its server prefix) and the
     * value as written, naming the config file it came from; for a value nobody gave (a default that no longer fits
     * what was given), the builder's quoted value and {@code (default value)}.
     */
    private static AgentArgumentException translate(IllegalArgumentException e, Map<String, Setting> settings,
            String server) {
        if (!(e instanceof InvalidOptionException)) {
            return new AgentArgumentException("invalid agent arguments: " + (e.getMessage() == null ? e.toString()
                    : e.getMessage()));
        }
        InvalidOptionException invalid = (InvalidOptionException) e;
        Setting s = settings.get(invalid.key());
        if (s != null) {
            return s.invalid(invalid.reason());
        }
        String key = server == null ? invalid.key() : server + "." + invalid.key();
        return new AgentArgumentException(key, invalid.value(), invalid.reason() + " (default value)", null);
    }
}
