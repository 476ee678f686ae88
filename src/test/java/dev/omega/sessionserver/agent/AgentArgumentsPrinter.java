package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * Prints parsed agent arguments back as text in their full form: every key of every server with its value (paths
 * absolute), so that parsing the print gives equal arguments. As argument text ({@code key=value,...}, when no value
 * holds a comma) or as a config file ({@link Properties} text, escaped by {@link Properties#store}).
 */
final class AgentArgumentsPrinter {

    private AgentArgumentsPrinter() {
    }

    /** Every setting of {@code servers}: unprefixed for one server, {@code servers=} and prefixed keys for several. */
    static Map<String, String> settings(List<AgentArguments> servers) {
        Map<String, String> out = new LinkedHashMap<>();
        if (servers.size() == 1) {
            out.put(AgentKey.NAME.key(), servers.get(0).name());
            put(out, "", servers.get(0));
            return out;
        }
        out.put(AgentKey.SERVERS.key(), servers.stream().map(AgentArguments::name).collect(Collectors.joining(",")));
        for (AgentArguments a : servers) {
            put(out, a.name() + ".", a);
        }
        return out;
    }

    private static void put(Map<String, String> out, String prefix, AgentArguments a) {
        ProcessManagerOptions o = a.options();
        SupervisionPolicy p = a.supervision();
        if (a.serverScriptConfigured()) {
            out.put(prefix + AgentKey.SERVER_SCRIPT.key(), o.serverScript().toString());
        }
        o.workingDirectory().ifPresent(d -> out.put(prefix + AgentKey.WORKING_DIRECTORY.key(), d.toString()));
        out.put(prefix + AgentKey.PORT.key(), Integer.toString(o.port()));
        out.put(prefix + AgentKey.PID_FILE.key(), o.pidFile().toString());
        out.put(prefix + AgentKey.HEALTH_CHECK_URL.key(), HealthCheck.text(o.healthCheckUrl()));
        out.put(prefix + AgentKey.HEALTH_CHECK_TIMEOUT.key(), Long.toString(o.healthCheckTimeout().toMillis()));
        out.put(prefix + AgentKey.STOP_TIMEOUT.key(), Long.toString(o.stopTimeout().toMillis()));
        out.put(prefix + AgentKey.STOP_SIGNAL.key(), o.stopSignal().name());
        out.put(prefix + AgentKey.START_TIMEOUT.key(), Long.toString(o.startTimeout().toMillis()));
        out.put(prefix + AgentKey.HEALTH_INTERVAL.key(), Long.toString(a.healthInterval().toMillis()));
        out.put(prefix + AgentKey.LOG_FILE.key(), o.logFile().map(Object::toString).orElse(AgentArguments.DISCARD));
        out.put(prefix + AgentKey.LOG_MAX_BYTES.key(), Long.toString(o.logMaxBytes()));
        out.put(prefix + AgentKey.LOG_BACKUPS.key(), Integer.toString(o.logBackups()));
        out.put(prefix + AgentKey.AUTO_START.key(), Boolean.toString(a.autoStart()));
        if (!a.dependsOn().isEmpty()) {
            out.put(prefix + AgentKey.DEPENDS_ON.key(), a.dependsOn().stream()
                    .map(d -> d.name() + ":" + d.condition().text()).collect(Collectors.joining(";")));
        }
        out.put(prefix + AgentKey.STOP_WITH_HOST.key(), Boolean.toString(a.stopWithHost()));
        out.put(prefix + AgentKey.RESTART.key(), p.restart().text());
        out.put(prefix + AgentKey.RESTART_DELAY.key(), Long.toString(p.restartDelay().toMillis()));
        out.put(prefix + AgentKey.RESTART_MAX_DELAY.key(), Long.toString(p.restartMaxDelay().toMillis()));
        out.put(prefix + AgentKey.RESTART_RESET_AFTER.key(), Long.toString(p.restartResetAfter().toMillis()));
        out.put(prefix + AgentKey.RESTART_LIMIT.key(), Integer.toString(p.restartLimit()));
        out.put(prefix + AgentKey.RESTART_WINDOW.key(), Long.toString(p.restartWindow().toMillis()));
        out.put(prefix + AgentKey.UNHEALTHY_THRESHOLD.key(), Integer.toString(p.unhealthyThreshold()));
        out.put(prefix + AgentKey.RESTART_ON_UNHEALTHY.key(), Boolean.toString(p.restartOnUnhealthy()));
        out.put(prefix + AgentKey.SUCCESS_EXIT_CODES.key(), p.successExitCodes().stream().map(String::valueOf)
                .collect(Collectors.joining(";")));
        out.put(prefix + AgentKey.MAX_MEMORY.key(), Long.toString(p.maxMemory()));
        for (Map.Entry<String, String> e : o.environment().entrySet()) {
            out.put(prefix + AgentKey.ENV_PREFIX + e.getKey(), e.getValue());
        }
    }

    /** {@code key=value,...}; empty when a value holds a comma (such a value has no argument form). */
    static java.util.Optional<String> asArguments(Map<String, String> settings) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            boolean list = e.getKey().equals(AgentKey.SERVERS.key());
            if (!list && e.getValue().indexOf(',') >= 0) {
                return java.util.Optional.empty();
            }
            sb.append(sb.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
        }
        return java.util.Optional.of(sb.toString());
    }

    /** The settings as a properties file's text. */
    static String asConfigFile(Map<String, String> settings) {
        Properties p = new Properties();
        p.putAll(settings);
        StringWriter w = new StringWriter();
        try {
            p.store(w, "printed by AgentArgumentsPrinter");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
