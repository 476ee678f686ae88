package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.omega.sessionserver.process.ProcessManagerOptions;

class AgentArgumentsTest {

    private static final Path HOME = Paths.get(System.getProperty("user.home"));
    private static final Path CWD = Paths.get("").toAbsolutePath();

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ defaults

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", ",", " , ,, "})
    void noArgumentsGiveTheDefaults(String text) {
        AgentArguments a = AgentArguments.parse(text);
        assertEquals("default", a.name());
        assertEquals(Duration.ofMillis(5000), a.healthInterval());
        assertFalse(a.autoStart());
        assertFalse(a.serverScriptConfigured());
        assertEquals(Optional.empty(), a.configFile());
        assertEquals(ProcessManagerOptions.builder().build(), a.options());
        assertEquals(HOME.resolve(".omega-session-server.pid"), a.options().pidFile());
        assertEquals(3000, a.options().port());
    }

    // ------------------------------------------------------------------ every key, accepted values

    static Stream<Arguments> validValues() {
        return Stream.of(
                ok("name=web-1.a_b", a -> a.name(), "web-1.a_b"),
                ok("serverScript=/srv/s.js", a -> a.options().serverScript(), Paths.get("/srv/s.js")),
                ok("serverScript=rel/s.ts", a -> a.options().serverScript(), CWD.resolve("rel/s.ts")),
                ok("serverScript=/srv/s.js", a -> a.serverScriptConfigured(), true),
                ok("port=3001", a -> a.options().port(), 3001),
                ok("port=3001", a -> a.options().healthCheckUrl().toString(), "http://localhost:3001/api/health"),
                ok("pidFile=/run/x.pid", a -> a.options().pidFile(), Paths.get("/run/x.pid")),
                ok("pidFile=/run/x.pid", a -> a.options().logFile(), Optional.of(Paths.get("/run/x.log"))),
                ok("pidFile=~/p/x.pid", a -> a.options().pidFile(), HOME.resolve("p/x.pid")),
                ok("pidFile=x.pid", a -> a.options().pidFile(), CWD.resolve("x.pid")),
                ok("healthCheckUrl=https://127.0.0.1:9/h", a -> a.options().healthCheckUrl().toString(),
                        "https://127.0.0.1:9/h"),
                ok("healthCheckTimeout=250", a -> a.options().healthCheckTimeout(), Duration.ofMillis(250)),
                ok("stopTimeout=0", a -> a.options().stopTimeout(), Duration.ZERO),
                ok("stopTimeout=12000", a -> a.options().stopTimeout(), Duration.ofSeconds(12)),
                ok("startTimeout=0", a -> a.options().startTimeout(), Duration.ZERO),
                ok("healthInterval=100", a -> a.healthInterval(), Duration.ofMillis(100)),
                ok("logFile=/var/log/s.log", a -> a.options().logFile(), Optional.of(Paths.get("/var/log/s.log"))),
                ok("logFile=discard", a -> a.options().logFile(), Optional.empty()),
                ok("autoStart=true", a -> a.autoStart(), true),
                ok("autoStart=TRUE", a -> a.autoStart(), true),
                ok("autoStart=false", a -> a.autoStart(), false),
                ok("env.NODE_ENV=production", a -> a.options().environment(), Map.of("NODE_ENV", "production")),
                ok("env.EMPTY=", a -> a.options().environment(), Map.of("EMPTY", "")),
                ok("env.OPTS=-Da=b", a -> a.options().environment(), Map.of("OPTS", "-Da=b")),
                ok("env.A=1,env.B=2", a -> a.options().environment(), Map.of("A", "1", "B", "2")),
                ok(" port = 3002 , name = web ,", a -> a.name() + ":" + a.options().port(), "web:3002"));
    }

    private static Arguments ok(String text, Function<AgentArguments, Object> get, Object expected) {
        return Arguments.of(text, get, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validValues")
    void acceptsEveryKey(String text, Function<AgentArguments, Object> get, Object expected) {
        assertEquals(expected, get.apply(AgentArguments.parse(text)));
    }

    // ------------------------------------------------------------------ bad values: one line, key and value named

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                bad("port=abc", "port", "abc", "not a number"),
                bad("port=0", "port", "0", "must be between 1 and 65535"),
                bad("port=70000", "port", "70000", "must be between 1 and 65535"),
                bad("port=", "port", "", "must not be empty"),
                bad("port=3.5", "port", "3.5", "not a number"),
                bad("name=a b", "name", "a b", "only letters, digits"),
                bad("name=a:b", "name", "a:b", "only letters, digits"),
                bad("name=", "name", "", "must not be empty"),
                bad("healthCheckTimeout=0", "healthCheckTimeout", "0", "must be greater than 0 ms"),
                bad("healthCheckTimeout=1s", "healthCheckTimeout", "1s", "not a number of milliseconds"),
                bad("stopTimeout=-1", "stopTimeout", "-1", "must be 0 ms or more"),
                bad("startTimeout=-5", "startTimeout", "-5", "must be 0 ms or more"),
                bad("startTimeout=99999999999999999999", "startTimeout", "99999999999999999999",
                        "not a number of milliseconds"),
                bad("healthInterval=0", "healthInterval", "0", "must be greater than 0 ms"),
                bad("healthInterval=fast", "healthInterval", "fast", "not a number of milliseconds"),
                bad("healthCheckUrl=ftp://h/x", "healthCheckUrl", "ftp://h/x", "http:// or https://"),
                bad("healthCheckUrl=http://a b/", "healthCheckUrl", "http://a b/", "is not a URL"),
                bad("autoStart=yes", "autoStart", "yes", "must be true or false"),
                bad("logFile=", "logFile", "", "must not be empty"),
                bad("pidFile=/", "pidFile", "/", "must name a file"),
                bad("pidFile=/tmp/a.pid,logFile=/tmp/a.pid", "logFile", "/tmp/a.pid", "must not be the PID file"),
                bad("env.SESSION_SERVER_PORT=1", "env.SESSION_SERVER_PORT", "1", "configure the port instead"),
                bad("env.=x", "env.", "x", "not a valid environment variable name"),
                bad("bogus=1", "bogus", "1", "unknown key (keys: name, serverScript, port"),
                bad("Port=1", "Port", "1", "did you mean 'port'?"),
                bad("ENV.A=1", "ENV.A", "1", "did you mean 'env.A'?"),
                bad("port=1,port=2", "port", "2", "given twice (first port='1')"),
                bad("config=", "config", "", "must not be empty"),
                bad("config=/nonexistent/agent.properties", "config", "/nonexistent/agent.properties",
                        "file not found"),
                bad("serverScript=a\u0000b", "serverScript", "a\\u0000b", "not a valid path"));
    }

    private static Arguments bad(String text, String key, String value, String reason) {
        return Arguments.of(text, key, value, reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValues")
    void rejectsBadValuesNamingKeyAndValue(String text, String key, String value, String reason) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parse(text));
        String m = e.getMessage();
        assertTrue(m.startsWith("invalid agent argument " + key + "='" + value + "': "), m);
        assertTrue(m.contains(reason), m);
        assertEquals(key, e.key());
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("port", "invalid agent argument port: expected key=value (a value cannot contain ',';"
                        + " put such values in a properties file given with config=FILE)"),
                Arguments.of("=3000", "invalid agent argument ='3000': missing key before '='"),
                // the rule for commas: no escaping; the piece after the comma is not key=value
                Arguments.of("env.LIST=a,b", "invalid agent argument b: expected key=value (a value cannot contain"
                        + " ','; put such values in a properties file given with config=FILE)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsPiecesThatAreNotKeyValue(String text, String message) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parse(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void messagesStayOnOneLine() {
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse("port=1\n2"));
        assertEquals("invalid agent argument port='1\\n2': not a number", e.getMessage());
    }

    // ------------------------------------------------------------------ config file and precedence

    private Path config(String... lines) throws IOException {
        Path file = dir.resolve("agent.properties");
        Files.write(file, String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        return file;
    }

    @Test
    void configFileGivesEveryKey() throws IOException {
        Path file = config("# a comment", "name=fromfile", "serverScript=srv/s.js", "port=4000", "pidFile=run/s.pid",
                "healthCheckUrl=http://127.0.0.1:4000/h", "healthCheckTimeout=300", "stopTimeout=700",
                "startTimeout=900", "healthInterval=1500", "logFile=logs/s.log", "autoStart=true",
                "env.LIST=a,b", "env.SPACE = x y");
        AgentArguments a = AgentArguments.parse("config=" + file);
        assertEquals("fromfile", a.name());
        assertEquals(dir.resolve("srv/s.js"), a.options().serverScript()); // relative to the file
        assertEquals(4000, a.options().port());
        assertEquals(dir.resolve("run/s.pid"), a.options().pidFile());
        assertEquals("http://127.0.0.1:4000/h", a.options().healthCheckUrl().toString());
        assertEquals(Duration.ofMillis(300), a.options().healthCheckTimeout());
        assertEquals(Duration.ofMillis(700), a.options().stopTimeout());
        assertEquals(Duration.ofMillis(900), a.options().startTimeout());
        assertEquals(Duration.ofMillis(1500), a.healthInterval());
        assertEquals(Optional.of(dir.resolve("logs/s.log")), a.options().logFile());
        assertTrue(a.autoStart());
        assertTrue(a.serverScriptConfigured());
        assertEquals(Map.of("LIST", "a,b", "SPACE", "x y"), a.options().environment()); // commas are fine here
        assertEquals(Optional.of(file), a.configFile());
    }

    @Test
    void argumentsWinOverTheFileWhichWinsOverDefaults() throws IOException {
        Path file = config("port=4000", "name=fromfile", "env.A=file", "env.B=file");
        AgentArguments a = AgentArguments.parse("config=" + file + ",port=5000,env.A=args");
        assertEquals(5000, a.options().port()); // argument over file
        assertEquals("fromfile", a.name()); // file over default
        assertEquals(Duration.ofMillis(5000), a.healthInterval()); // default
        assertEquals(Map.of("A", "args", "B", "file"), a.options().environment());
        // the order of config= among the arguments does not matter
        assertEquals(5000, AgentArguments.parse("port=5000,config=" + file).options().port());
    }

    @Test
    void badValueInTheFileNamesTheFile() throws IOException {
        Path file = config("port=4000", "healthInterval=soon");
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse("config=" + file));
        assertEquals("invalid agent argument healthInterval='soon': not a number of milliseconds (in config file "
                + file + ")", e.getMessage());
    }

    @Test
    void builderValidationOfAFileValueNamesTheFile() throws IOException {
        Path file = config("port=99999");
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse("config=" + file));
        assertEquals("invalid agent argument port='99999': must be between 1 and 65535 (in config file " + file
                + ")", e.getMessage());
    }

    @Test
    void aBadFileValueOverriddenByAnArgumentIsNotAnError() throws IOException {
        Path file = config("port=nope");
        assertEquals(3005, AgentArguments.parse("config=" + file + ",port=3005").options().port());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unknownKey=1", "config=other.properties", "port=1\nport=2"})
    void rejectsWhatAFileCannotHold(String content) throws IOException {
        Path file = config(content);
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse("config=" + file));
        assertTrue(e.getMessage().endsWith("(in config file " + file + ")"), e.getMessage());
    }

    @Test
    void missingConfigFileIsNamed() {
        Path missing = dir.resolve("nope.properties");
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse("port=3000,config=" + missing));
        assertEquals("invalid agent argument config='" + missing + "': file not found: " + missing,
                e.getMessage());
    }

    @Test
    void configThatIsADirectoryCannotBeRead() {
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse("config=" + dir));
        assertTrue(e.getMessage().startsWith("invalid agent argument config='" + dir + "': cannot read"),
                e.getMessage());
    }

    @Test
    void configGivenTwiceIsAnError() throws IOException {
        Path file = config("port=4000");
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse("config=" + file + ",config=" + file));
        assertEquals("config", e.key());
    }

    // ------------------------------------------------------------------ helpers for attach and run

    @Test
    void absolutizeMakesRelativePathsAbsoluteAndKeepsTheRest() {
        String text = "pidFile=run/s.pid, port=3001,logFile=discard,serverScript=/abs/s.js,config=c.properties,"
                + "env.X=rel/not-a-path";
        assertEquals("pidFile=" + CWD.resolve("run/s.pid") + ",port=3001,logFile=discard,serverScript=/abs/s.js,"
                + "config=" + CWD.resolve("c.properties") + ",env.X=rel/not-a-path", AgentArguments.absolutize(text));
    }

    @Test
    void withServerScriptKeepsEverythingElse() {
        AgentArguments a = AgentArguments.parse("name=x,port=3100,autoStart=true,healthInterval=250");
        AgentArguments b = a.withServerScript(dir.resolve("S.java"));
        assertEquals(dir.resolve("S.java"), b.options().serverScript());
        assertTrue(b.serverScriptConfigured());
        assertEquals(a.options().toBuilder().serverScript(dir.resolve("S.java")).build(), b.options());
        assertEquals("x", b.name());
        assertTrue(b.autoStart());
        assertEquals(Duration.ofMillis(250), b.healthInterval());
    }

    @Test
    void everyDocumentedKeyIsKnownToTheParser() {
        for (String key : AgentArguments.KEYS) {
            if (key.equals("config") || key.startsWith("env.")) {
                continue;
            }
            try {
                AgentArguments.parse(key + "=x");
            } catch (AgentArgumentException e) {
                assertFalse(e.getMessage().contains("unknown key"), key + ": " + e.getMessage());
            }
        }
    }
}
