package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Defaults (the seed's) and validation of {@link ProcessManagerOptions}. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessManagerOptionsTest {

    /** $HOME when set and not empty, else user.home: what the TypeScript tool reads first. */
    private static final Path HOME = System.getenv("HOME") != null && !System.getenv("HOME").isEmpty()
            ? Paths.get(System.getenv("HOME")) : Paths.get(System.getProperty("user.home"));

    @Test
    void theDefaultPidFileIsInHomeWhenSetElseInUserHome() {
        assertEquals(Paths.get("/home/from-env/.omega-session-server.pid"),
                ProcessManagerOptions.defaultPidFile(Map.of("HOME", "/home/from-env"), "/home/from-property"));
        assertEquals(Paths.get("/home/from-property/.omega-session-server.pid"),
                ProcessManagerOptions.defaultPidFile(Map.of("HOME", ""), "/home/from-property"), "empty HOME");
        assertEquals(Paths.get("/home/from-property/.omega-session-server.pid"),
                ProcessManagerOptions.defaultPidFile(Map.of(), "/home/from-property"), "no HOME");
        assertEquals(Paths.get(".", ".omega-session-server.pid"), ProcessManagerOptions.defaultPidFile(Map.of(), ""),
                "neither: the working directory");
        assertEquals(HOME.resolve(".omega-session-server.pid"), ProcessManagerOptions.defaultPidFile());
    }

    @Test
    void relativePathsAreResolvedWhenTheOptionsAreBuilt() {
        ProcessManagerOptions o = ProcessManagerOptions.builder().pidFile(Paths.get("rel/x.pid"))
                .logFile(Paths.get("rel/x.log")).build();

        Path cwd = Paths.get(System.getProperty("user.dir"));
        assertEquals(cwd.resolve("rel/x.pid"), o.pidFile());
        assertEquals(Optional.of(cwd.resolve("rel/x.log")), o.logFile());
        assertEquals(Paths.get("session-server.js"), o.serverScript(), "the script is resolved at start");
    }

    @Test
    void defaultsAreTheSeeds() {
        ProcessManagerOptions o = ProcessManagerOptions.builder().build();

        assertEquals(HOME.resolve(".omega-session-server.pid").toAbsolutePath().normalize(), o.pidFile());
        assertEquals(Paths.get("session-server.js"), o.serverScript());
        assertEquals(3000, o.port());
        assertEquals(URI.create("http://localhost:3000/api/health"), o.healthCheckUrl());
        assertEquals(Duration.ofMillis(500), o.healthCheckTimeout());
        assertEquals(Duration.ofSeconds(5), o.stopTimeout());
        assertEquals(Duration.ofSeconds(10), o.startTimeout());
        assertEquals(Optional.of(HOME.resolve(".omega-session-server.log").toAbsolutePath().normalize()),
                o.logFile());
        assertEquals(Map.of(), o.environment());
        assertEquals(List.of(), o.command());
    }

    @Test
    void healthUrlFollowsThePortUnlessSet() {
        assertEquals(URI.create("http://localhost:4123/api/health"),
                ProcessManagerOptions.builder().port(4123).build().healthCheckUrl());
        assertEquals(URI.create("http://127.0.0.1:9/x"),
                ProcessManagerOptions.builder().port(4123).healthCheckUrl("http://127.0.0.1:9/x").build()
                        .healthCheckUrl());
    }

    @Test
    void logFileSitsBesideThePidFile() {
        assertEquals(Optional.of(Paths.get("/srv/run/app.log")),
                ProcessManagerOptions.builder().pidFile(Paths.get("/srv/run/app.pid")).build().logFile());
        assertEquals(Optional.of(Paths.get("/srv/run/app.state.log")),
                ProcessManagerOptions.builder().pidFile(Paths.get("/srv/run/app.state")).build().logFile());
    }

    @Test
    void logCanBeDiscardedOrPlacedElsewhere() {
        assertEquals(Optional.empty(), ProcessManagerOptions.builder().discardLog().build().logFile());
        assertEquals(Optional.of(Paths.get("/var/log/s.log")),
                ProcessManagerOptions.builder().logFile(Paths.get("/var/log/s.log")).build().logFile());
    }

    @Test
    void relativePidFileIsMadeAbsolute() {
        Path p = ProcessManagerOptions.builder().pidFile(Paths.get("run/../x.pid")).build().pidFile();
        assertTrue(p.isAbsolute());
        assertEquals(Paths.get("x.pid").toAbsolutePath().normalize(), p);
    }

    @Test
    void toBuilderKeepsEveryValue() {
        ProcessManagerOptions o = ProcessManagerOptions.builder().pidFile(Paths.get("/tmp/a.pid")).port(4000)
                .healthCheckUrl("http://127.0.0.1:4000/h").healthCheckTimeout(Duration.ofMillis(70))
                .stopTimeout(Duration.ofMillis(80)).startTimeout(Duration.ZERO).discardLog()
                .environmentVariable("A", "b").command(List.of("/bin/true")).logMaxBytes(4096).logBackups(0).build();
        assertEquals(o, o.toBuilder().build());
        assertEquals(4096, o.toBuilder().build().logMaxBytes());
        assertEquals(0, o.toBuilder().build().logBackups());
        assertNotEquals(o, o.toBuilder().logBackups(1).build());
    }

    @Test
    void isImmutable() {
        List<String> argv = new java.util.ArrayList<>(List.of("/bin/true"));
        ProcessManagerOptions o = ProcessManagerOptions.builder().command(argv).build();
        argv.add("changed");
        assertEquals(List.of("/bin/true"), o.command());
        assertThrows(UnsupportedOperationException.class, () -> o.environment().put("X", "y"));
        assertThrows(UnsupportedOperationException.class, () -> o.command().add("x"));
    }

    static Stream<Arguments> invalid() {
        return Stream.<Arguments>of(
                bad("port", "'0'", b -> b.port(0)),
                bad("port", "'65536'", b -> b.port(65536)),
                bad("port", "'-1'", b -> b.port(-1)),
                bad("healthCheckTimeout", "'0 ms'", b -> b.healthCheckTimeout(Duration.ZERO)),
                bad("healthCheckTimeout", "'-5 ms'", b -> b.healthCheckTimeout(Duration.ofMillis(-5))),
                bad("healthCheckTimeout", "'null'", b -> b.healthCheckTimeout(null)),
                bad("stopTimeout", "'-1 ms'", b -> b.stopTimeout(Duration.ofMillis(-1))),
                bad("startTimeout", "'-1000 ms'", b -> b.startTimeout(Duration.ofSeconds(-1))),
                bad("healthCheckUrl", "'ftp://127.0.0.1/api/health'", b -> b.healthCheckUrl("ftp://127.0.0.1/api/health")),
                bad("healthCheckUrl", "'not a url'", b -> b.healthCheckUrl("not a url")),
                bad("healthCheckUrl", "'/api/health'", b -> b.healthCheckUrl("/api/health")),
                bad("logFile", "'/tmp/s.pid'", b -> b.pidFile(Paths.get("/tmp/s.pid")).logFile(Paths.get("/tmp/s.pid"))),
                bad("env.A=B", "'x'", b -> b.environmentVariable("A=B", "x")),
                bad("env.", "'x'", b -> b.environmentVariable("", "x")),
                bad("env.SESSION_SERVER_PORT", "'1234'", b -> b.environmentVariable("SESSION_SERVER_PORT", "1234")),
                bad("env.A", "'null'", b -> b.environmentVariable("A", null)),
                bad("command", "'[]'", b -> b.command(List.of())),
                bad("command", "'[/bin/true, null]'", b -> b.command(java.util.Arrays.asList("/bin/true", null))),
                bad("serverScript", "'null'", b -> b.serverScript(null)),
                bad("pidFile", "'/'", b -> b.pidFile(Paths.get("/"))),
                bad("logMaxBytes", "'-1'", b -> b.logMaxBytes(-1)),
                bad("logBackups", "'-1'", b -> b.logBackups(-1)),
                bad("logBackups", "'1001'", b -> b.logBackups(1001)));
    }

    @Test
    void logRotationDefaults() {
        ProcessManagerOptions o = ProcessManagerOptions.builder().build();
        assertEquals(52428800L, o.logMaxBytes());
        assertEquals(5, o.logBackups());
    }

    private static Arguments bad(String key, String quoted, UnaryOperator<ProcessManagerOptions.Builder> set) {
        return Arguments.of(key, quoted, set);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("invalid")
    void rejectsBadValuesNamingTheKeyAndQuotingTheValue(String key, String quoted,
            UnaryOperator<ProcessManagerOptions.Builder> set) {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> set.apply(ProcessManagerOptions.builder()).build());
        String expected = "invalid " + key + " " + quoted;
        assertTrue(e.getMessage().startsWith(expected), () -> "expected '" + expected + "...', got: " + e.getMessage());
        // the fields carry what the message says: a caller re-words it without reading the text
        assertEquals(key, e.key());
        assertEquals(quoted, "'" + e.value() + "'");
        assertFalse(e.reason().isEmpty());
        assertEquals(expected + ": " + e.reason(), e.getMessage());
    }
    @Test
    void theEdgesOfEveryRangeAreAccepted() {
        ProcessManagerOptions low = ProcessManagerOptions.builder().port(1).logBackups(0).logMaxBytes(0)
                .healthCheckTimeout(Duration.ofMillis(1)).stopTimeout(Duration.ZERO).startTimeout(Duration.ZERO)
                .healthCheckUrl("tcp://127.0.0.1:1").stopSignal(StopSignal.INT).workingDirectory(Paths.get("/tmp"))
                .port(1).build();
        assertEquals(1, low.port());
        assertEquals(StopSignal.INT, low.stopSignal());
        assertEquals(Optional.of(Paths.get("/tmp")), low.workingDirectory());
        ProcessManagerOptions high = ProcessManagerOptions.builder().port(65535)
                .logBackups(ProcessManagerOptions.MAX_LOG_BACKUPS).healthCheckUrl("tcp://127.0.0.1:65535").build();
        assertEquals(65535, high.port());
        assertEquals(URI.create("tcp://127.0.0.1:65535"), high.healthCheckUrl());
    }

    static Stream<Arguments> nulAndEqualsAtTheStart() {
        return Stream.of(
                Arguments.of((UnaryOperator<ProcessManagerOptions.Builder>) b -> b.environmentVariable("=A", "x"),
                        "env.=A"),
                Arguments.of((UnaryOperator<ProcessManagerOptions.Builder>) b -> b.environmentVariable("\0A", "x"),
                        "env.\0A"),
                Arguments.of((UnaryOperator<ProcessManagerOptions.Builder>) b -> b.environmentVariable("A", "\0x"),
                        "env.A"),
                Arguments.of((UnaryOperator<ProcessManagerOptions.Builder>) b -> b.command(List.of("/bin/x", "\0y")),
                        "command"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("nulAndEqualsAtTheStart")
    void aNulOrEqualsSignAtTheFirstPositionIsRefusedToo(UnaryOperator<ProcessManagerOptions.Builder> tweak,
            String key) {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> tweak.apply(ProcessManagerOptions.builder()).build());
        assertEquals(key, e.key());
    }
    @Test
    void anExecHealthCheckKeepsItsCommandAsWritten() {
        ProcessManagerOptions o = ProcessManagerOptions.builder().healthCheckUrl("exec: /usr/bin/pg_isready -q").build();
        assertEquals(HealthCheck.Kind.EXEC, o.healthCheckKind());
        assertEquals("exec:/usr/bin/pg_isready -q", HealthCheck.text(o.healthCheckUrl()));
        assertEquals(HealthCheck.Kind.EXEC, ProcessManagerOptions.builder().healthCheckUrl("EXEC:/bin/true").build()
                .healthCheckKind(), "the scheme in any case");
    }
}
