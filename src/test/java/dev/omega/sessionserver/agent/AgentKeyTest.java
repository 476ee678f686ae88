package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.omega.sessionserver.jmx.SupervisionPolicy;

/** The key table: its defaults are what the parser does without the key, and --help is made from it. */
@Timeout(10)
class AgentKeyTest {

    private static final Path CWD = Paths.get("").toAbsolutePath();

    @Test
    void theKeysInDocumentationOrder() {
        assertEquals(List.of("name", "serverScript", "workingDirectory", "port", "pidFile", "healthCheckUrl",
                "healthCheckTimeout", "stopTimeout", "stopSignal", "startTimeout", "healthInterval", "logFile",
                "logMaxBytes", "logBackups", "autoStart", "dependsOn", "stopWithHost", "restart", "restartDelay",
                "restartMaxDelay", "restartResetAfter", "restartLimit", "restartWindow", "unhealthyThreshold",
                "restartOnUnhealthy", "successExitCodes", "maxMemory", "env.<NAME>", "config", "servers"),
                AgentKey.names());
        assertSame(AgentKey.names(), AgentArguments.KEYS);
        // the supervision keys are the names the policy gives its values (in its messages and toString)
        assertEquals(List.of(SupervisionPolicy.RESTART, SupervisionPolicy.RESTART_DELAY,
                SupervisionPolicy.RESTART_MAX_DELAY, SupervisionPolicy.RESTART_RESET_AFTER,
                SupervisionPolicy.RESTART_LIMIT, SupervisionPolicy.RESTART_WINDOW,
                SupervisionPolicy.UNHEALTHY_THRESHOLD, SupervisionPolicy.RESTART_ON_UNHEALTHY,
                SupervisionPolicy.SUCCESS_EXIT_CODES, SupervisionPolicy.MAX_MEMORY),
                supervisionKeys());
        for (String key : supervisionKeys()) {
            assertTrue(SupervisionPolicy.DEFAULT.toString().contains(key + "="), key);
        }
    }

    /** The ten supervision keys, from {@code restart} on. */
    private static List<String> supervisionKeys() {
        int from = AgentKey.names().indexOf(SupervisionPolicy.RESTART);
        return AgentKey.names().subList(from, from + 10);
    }

    @Test
    void theDefaultTexts() {
        assertEquals(List.of("default", "session-server.js", "none", "3000", "~/.omega-session-server.pid",
                "http://localhost:3000/api/health", "500", "5000", "TERM", "10000", "5000",
                "~/.omega-session-server.log", "52428800", "5", "false", "none", "false", "never", "1000", "30000", "60000", "5",
                "60000", "3", "false", "0", "0", "none", "none", "none"),
                Stream.of(AgentKey.values()).map(AgentKey::defaultText).toList());
        assertEquals(List.of(AgentKey.WORKING_DIRECTORY, AgentKey.DEPENDS_ON, AgentKey.ENV, AgentKey.CONFIG,
                AgentKey.SERVERS),
                Stream.of(AgentKey.values()).filter(k -> !k.hasDefault()).toList());
    }

    /** Giving a key its default text changes nothing: the table's default is the parser's. */
    @ParameterizedTest
    @EnumSource(value = AgentKey.class, names = {"WORKING_DIRECTORY", "DEPENDS_ON", "ENV", "CONFIG", "SERVERS"},
            mode = EnumSource.Mode.EXCLUDE)
    void aKeyAtItsDefaultTextIsTheDefault(AgentKey key) {
        AgentArguments defaults = AgentArguments.parse("");
        AgentArguments given = AgentArguments.parse(key.key() + "=" + key.defaultText());
        assertEquals(defaults.name(), given.name());
        // a relative script is resolved against the working directory when started, or when parsed
        assertEquals(defaults.options().toBuilder().serverScript(CWD.resolve(defaults.options().serverScript()))
                .build(), given.options().toBuilder().serverScript(CWD.resolve(given.options().serverScript())).build());
        assertEquals(defaults.healthInterval(), given.healthInterval());
        assertEquals(defaults.autoStart(), given.autoStart());
        assertEquals(defaults.supervision(), given.supervision());
        assertEquals(defaults.stopWithHost(), given.stopWithHost());
    }

    @Test
    void serverKeysAreTheKeysOneServerMayHave() {
        for (AgentKey k : AgentKey.values()) {
            boolean perServerPlain = k != AgentKey.ENV && k != AgentKey.CONFIG && k != AgentKey.SERVERS;
            assertEquals(perServerPlain ? k : null, AgentKey.serverKey(k.key()), k.key());
        }
        assertNull(AgentKey.serverKey("env.X"));
        assertNull(AgentKey.serverKey("Port"));
        assertEquals(List.of("serverScript", "workingDirectory", "pidFile", "logFile", "config"),
                Stream.of(AgentKey.values()).filter(AgentKey::isPath).map(AgentKey::key).toList());
    }

    /** --help lists each key as key=default (or a placeholder) with its meaning, in the table's order. */
    @Test
    void helpIsMadeFromTheTable() {
        String help = Main.usage();
        int from = 0;
        for (AgentKey k : AgentKey.values()) {
            int at = help.indexOf("\n  " + k.example(), from);
            assertTrue(at >= 0, () -> k.example() + " missing (or out of order) in --help:\n" + help);
            String rest = help.substring(at + 3 + k.example().length());
            assertTrue(rest.replaceFirst("^\\s+", "").startsWith(k.meaning()), k.key() + ": " + rest);
            from = at + 1;
            assertFalse(k.meaning().contains("\n"), "one line");
        }
        assertTrue(help.contains("\n  config=<file>"));
        assertTrue(help.contains("\n  env.<NAME>=<value>"));
    }
}
