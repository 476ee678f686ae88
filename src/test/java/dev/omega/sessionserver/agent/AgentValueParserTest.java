package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.StopSignal;

/**
 * The agent's text syntax, parsed in one place ({@link AgentValueParser}): one wording per kind of value, whatever
 * the key; the ranges stay the library's (their messages come through with the key and the value as written).
 */
@Timeout(10)
class AgentValueParserTest {

    private static final Set<AgentKey> WHOLE_NUMBERS = EnumSet.of(AgentKey.PORT, AgentKey.RESTART_LIMIT,
            AgentKey.UNHEALTHY_THRESHOLD, AgentKey.LOG_BACKUPS);
    /** Sizes in bytes: a whole number, optionally with k, m or g. */
    private static final Set<AgentKey> SIZES = EnumSet.of(AgentKey.LOG_MAX_BYTES);
    private static final Set<AgentKey> DURATIONS = EnumSet.of(AgentKey.HEALTH_CHECK_TIMEOUT, AgentKey.STOP_TIMEOUT,
            AgentKey.START_TIMEOUT, AgentKey.HEALTH_INTERVAL, AgentKey.RESTART_DELAY, AgentKey.RESTART_MAX_DELAY,
            AgentKey.RESTART_RESET_AFTER, AgentKey.RESTART_WINDOW);
    private static final Set<AgentKey> BOOLEANS = EnumSet.of(AgentKey.AUTO_START, AgentKey.RESTART_ON_UNHEALTHY,
            AgentKey.STOP_WITH_HOST);
    /** Keys whose values are text, paths, names or lists: not numbers or booleans. */
    private static final Set<AgentKey> OTHERS = EnumSet.of(AgentKey.NAME, AgentKey.SERVER_SCRIPT, AgentKey.PID_FILE,
            AgentKey.HEALTH_CHECK_URL, AgentKey.LOG_FILE, AgentKey.RESTART, AgentKey.ENV, AgentKey.CONFIG,
            AgentKey.SERVERS, AgentKey.SUCCESS_EXIT_CODES, AgentKey.MAX_MEMORY, AgentKey.WORKING_DIRECTORY,
            AgentKey.STOP_SIGNAL, AgentKey.DEPENDS_ON);

    @Test
    void everyKeyIsOfOneKind() {
        List<AgentKey> all = new ArrayList<>();
        all.addAll(WHOLE_NUMBERS);
        all.addAll(DURATIONS);
        all.addAll(SIZES);
        all.addAll(BOOLEANS);
        all.addAll(OTHERS);
        assertEquals(AgentKey.values().length, all.size(), "no key in two kinds");
        assertEquals(EnumSet.allOf(AgentKey.class), EnumSet.copyOf(all), "every key has a kind");
    }

    static Stream<Arguments> syntaxErrors() {
        List<Arguments> rows = new ArrayList<>();
        for (AgentKey k : WHOLE_NUMBERS) {
            for (String v : List.of("x", "3.5", "1e3", "99999999999", "0x10")) {
                rows.add(Arguments.of(k.key(), v, "not a number"));
            }
        }
        for (AgentKey k : DURATIONS) {
            for (String v : List.of("soon", "1s", "2.5", "99999999999999999999")) {
                rows.add(Arguments.of(k.key(), v, "not a number of milliseconds"));
            }
        }
        for (AgentKey k : SIZES) {
            for (String v : List.of("big", "1.5m", "10x", "k", "1kb", "99999999999999999999", "9999999999999g")) {
                rows.add(Arguments.of(k.key(), v, "not a number of bytes (a whole number, optionally followed by k,"
                        + " m or g: KiB, MiB, GiB)"));
            }
        }
        for (AgentKey k : BOOLEANS) {
            for (String v : List.of("yes", "1", "on")) {
                rows.add(Arguments.of(k.key(), v, "must be true or false"));
            }
        }
        for (String v : List.of("sometimes", "on_failure", "onfailure")) {
            rows.add(Arguments.of("restart", v, "must be never, on-failure or always"));
        }
        for (String v : List.of("zero", "0;x", "3.5", ";", "0|3")) {
            rows.add(Arguments.of("successExitCodes", v, AgentValueParser.NOT_EXIT_CODES));
        }
        for (String v : List.of("lots", "1t", "12.5m", "m", "99999999999g")) {
            rows.add(Arguments.of("maxMemory", v, AgentValueParser.NOT_A_SIZE));
        }
        for (String v : List.of("KILL", "SIGKILL", "15", "SIG", "STOP", "TERMINATE")) {
            rows.add(Arguments.of("stopSignal", v, "must be TERM, INT, HUP, QUIT, USR1 or USR2 (with or without SIG)"));
        }
        for (String v : List.of("ftp://localhost:1/", "tcp://localhost", "tcp://localhost:0",
                "tcp://localhost:3000/health", "localhost:3000", "nothing")) {
            rows.add(Arguments.of("healthCheckUrl", v, v.startsWith("tcp")
                    ? "must be tcp://host:port, with a port from 1 to 65535 and nothing after it"
                    : "must be an absolute http:// or https:// URL with a host, tcp://host:port, exec:<program> [args...] or none"));
        }
        return rows.stream();
    }

    /** One wording for each kind of value, the same for every key of that kind. */
    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("syntaxErrors")
    void oneWordingPerKindOfValue(String key, String value, String reason) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse(key + "=" + value));
        assertEquals("invalid agent argument " + key + "='" + value + "': " + reason, e.getMessage());
        assertEquals(key, e.key());
        assertEquals(value, e.value());
    }

    /** The supervision policy's range checks, as the agent reports them: the key and the value as written. */
    static Stream<Arguments> rangeErrors() {
        return Stream.of(
                Arguments.of("restartDelay=0", "invalid agent argument restartDelay='0': must be at least 1 ms"),
                Arguments.of("restartDelay=-5", "invalid agent argument restartDelay='-5': must be at least 1 ms"),
                Arguments.of("restartDelay=2147483648",
                        "invalid agent argument restartDelay='2147483648': must be at most 2147483647 ms"),
                Arguments.of("restartMaxDelay=500",
                        "invalid agent argument restartMaxDelay='500': must be at least restartDelay (1000 ms)"),
                Arguments.of("restartResetAfter=0",
                        "invalid agent argument restartResetAfter='0': must be at least 1 ms"),
                Arguments.of("restartLimit=0", "invalid agent argument restartLimit='0': must be 1 or more"
                        + " (restart=never turns restarts off)"),
                Arguments.of("restartWindow=-1", "invalid agent argument restartWindow='-1': must be at least 1 ms"),
                Arguments.of("unhealthyThreshold=0",
                        "invalid agent argument unhealthyThreshold='0': must be 1 or more"),
                Arguments.of("successExitCodes=0;256",
                        "invalid agent argument successExitCodes='0;256': an exit code must be between 0 and 255"),
                Arguments.of("successExitCodes=-1",
                        "invalid agent argument successExitCodes='-1': an exit code must be between 0 and 255"),
                Arguments.of("maxMemory=-1k",
                        "invalid agent argument maxMemory='-1k': must be 0 (off) or a number of bytes"),
                Arguments.of("restarts=1", "invalid agent argument restarts='1': unknown key (keys: name,"
                        + " serverScript, workingDirectory, port, pidFile, healthCheckUrl, healthCheckTimeout,"
                        + " stopTimeout, stopSignal, startTimeout,"
                        + " healthInterval, logFile, logMaxBytes, logBackups, autoStart, dependsOn, stopWithHost, restart, restartDelay,"
                        + " restartMaxDelay,"
                        + " restartResetAfter, restartLimit, restartWindow, unhealthyThreshold, restartOnUnhealthy,"
                        + " successExitCodes, maxMemory, env.<NAME>, config, servers)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rangeErrors")
    void rangeErrorsNameTheKeyAndQuoteTheValueAsWritten(String text, String message) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parse(text));
        assertEquals(message, e.getMessage());
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                ok("restart= On-Failure ", a -> a.supervision().restart(), Restart.ON_FAILURE),
                ok("restart=ALWAYS", a -> a.supervision().restart(), Restart.ALWAYS),
                ok("restart=Never", a -> a.supervision().restart(), Restart.NEVER),
                ok("restartOnUnhealthy=TRUE", a -> a.supervision().restartOnUnhealthy(), true),
                ok("restartOnUnhealthy=False", a -> a.supervision().restartOnUnhealthy(), false),
                ok("autoStart=True", a -> a.autoStart(), true),
                ok("port=+3001", a -> a.options().port(), 3001),
                ok("restartLimit=007", a -> a.supervision().restartLimit(), 7),
                ok("restartDelay=250,restartMaxDelay=4000,restartResetAfter=9000,restartWindow=120000,"
                        + "unhealthyThreshold=2", a -> a.supervision(), SupervisionPolicy.builder()
                                .restartDelay(Duration.ofMillis(250)).restartMaxDelay(Duration.ofMillis(4000))
                                .restartResetAfter(Duration.ofMillis(9000)).restartWindow(Duration.ofMillis(120000))
                                .unhealthyThreshold(2).build()),
                ok("stopTimeout=0", a -> a.options().stopTimeout(), Duration.ZERO),
                ok("stopSignal=int", a -> a.options().stopSignal(), StopSignal.INT),
                ok("stopSignal=SIGQUIT", a -> a.options().stopSignal(), StopSignal.QUIT),
                ok("stopSignal=SigUsr2", a -> a.options().stopSignal(), StopSignal.USR2),
                ok("stopSignal=HUP", a -> a.options().stopSignal(), StopSignal.HUP),
                ok("", a -> a.options().stopSignal(), StopSignal.TERM),
                ok("healthCheckUrl=None", a -> a.options().healthCheckKind(), HealthCheck.Kind.NONE),
                ok("healthCheckUrl=tcp://127.0.0.1:3000", a -> a.options().healthCheckKind(), HealthCheck.Kind.TCP),
                ok("healthCheckUrl=https://localhost:3443/api/health", a -> a.options().healthCheckKind(),
                        HealthCheck.Kind.HTTPS),
                ok("", a -> a.options().healthCheckKind(), HealthCheck.Kind.HTTP),
                ok("", a -> a.options().workingDirectory(), Optional.empty()),
                ok("workingDirectory=/srv/app/../web", a -> a.options().workingDirectory(),
                        Optional.of(Paths.get("/srv/web"))),
                ok("workingDirectory=/srv/web,serverScript=bin/server.js", a -> a.options().serverScript(),
                        Paths.get("/srv/web/bin/server.js")),
                ok("workingDirectory=/srv/web,serverScript=/opt/server.js", a -> a.options().serverScript(),
                        Paths.get("/opt/server.js")));
    }

    private static Arguments ok(String text, Function<AgentArguments, Object> get, Object expected) {
        return Arguments.of(text, get, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void acceptsTheTextForms(String text, Function<AgentArguments, Object> get, Object expected) {
        assertEquals(expected, get.apply(AgentArguments.parse(text)));
    }

    /** The parser's own contract, below the arguments: what it returns and how it words a refusal. */
    @Test
    void parsesEachKindDirectly() {
        assertEquals(3000, AgentValueParser.integer(setting("port", "3000")));
        assertEquals(-1, AgentValueParser.integer(setting("port", "-1")), "ranges are the library's");
        assertEquals(Duration.ofMillis(-5), AgentValueParser.millis(setting("stopTimeout", "-5")));
        assertEquals(true, AgentValueParser.bool(setting("autoStart", "tRuE")));
        for (Restart r : Restart.values()) {
            assertEquals(r, AgentValueParser.restart(setting("restart", r.text())));
            assertEquals(r, AgentValueParser.restart(setting("restart", r.text().toUpperCase())));
        }
        assertEquals("invalid agent argument restart='': must be never, on-failure or always",
                assertThrows(AgentArgumentException.class, () -> AgentValueParser.restart(setting("restart", "")))
                        .getMessage());
        assertEquals(Paths.get(System.getProperty("user.home"), "x.pid"),
                AgentValueParser.path(setting("pidFile", "~/x.pid")));
        assertEquals(Paths.get(System.getProperty("user.home")), AgentValueParser.path(setting("pidFile", "~")));
        Path file = Paths.get("/etc/sessions/agent.properties");
        assertEquals(Paths.get("/etc/sessions/run/a.pid"),
                AgentValueParser.path(new Setting("pidFile", "run/a.pid", file)));
        assertEquals("invalid agent argument pidFile='': must not be empty (in config file " + file + ")",
                assertThrows(AgentArgumentException.class,
                        () -> AgentValueParser.path(new Setting("pidFile", "", file))).getMessage());
        assertEquals("web-1.a_b", AgentValueParser.name(setting("name", "web-1.a_b")));
        assertEquals("invalid agent argument name='a/b': only letters, digits, '.', '_' and '-' are allowed (it"
                + " becomes part of the MBean's ObjectName)",
                assertThrows(AgentArgumentException.class, () -> AgentValueParser.name(setting("name", "a/b")))
                        .getMessage());
    }

    private static Setting setting(String key, String value) {
        return new Setting(key, value, null);
    }
}
