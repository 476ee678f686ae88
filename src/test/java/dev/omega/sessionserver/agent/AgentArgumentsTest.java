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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.omega.sessionserver.jmx.ServerDependency;
import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.process.StopSignal;

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
        assertEquals(SupervisionPolicy.DEFAULT, a.supervision());
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
                ok("restart=on-failure", a -> a.supervision().restart(), Restart.ON_FAILURE),
                ok("restart=ALWAYS", a -> a.supervision().restart(), Restart.ALWAYS),
                ok("restart=never", a -> a.supervision(), SupervisionPolicy.DEFAULT),
                ok("restartDelay=250", a -> a.supervision().restartDelay(), Duration.ofMillis(250)),
                ok("restartMaxDelay=60000", a -> a.supervision().restartMaxDelay(), Duration.ofSeconds(60)),
                ok("restartResetAfter=5000", a -> a.supervision().restartResetAfter(), Duration.ofSeconds(5)),
                ok("restartLimit=2", a -> a.supervision().restartLimit(), 2),
                ok("restartWindow=10000", a -> a.supervision().restartWindow(), Duration.ofSeconds(10)),
                ok("unhealthyThreshold=1", a -> a.supervision().unhealthyThreshold(), 1),
                ok("restartOnUnhealthy=true", a -> a.supervision().restartOnUnhealthy(), true),
                ok("restart=always,restartLimit=3", a -> a.supervision(),
                        SupervisionPolicy.builder().restart(Restart.ALWAYS).restartLimit(3).build()),
                ok(" port = 3002 , name = web ,", a -> a.name() + ":" + a.options().port(), "web:3002"),
                ok("logMaxBytes=65536", a -> a.options().logMaxBytes(), 65536L),
                ok("logMaxBytes=64k", a -> a.options().logMaxBytes(), 65536L),
                ok("logMaxBytes=64K", a -> a.options().logMaxBytes(), 65536L),
                ok("logMaxBytes=50m", a -> a.options().logMaxBytes(), 52428800L),
                ok("logMaxBytes=2g", a -> a.options().logMaxBytes(), 2147483648L),
                ok("logMaxBytes=0", a -> a.options().logMaxBytes(), 0L),
                ok("logBackups=2", a -> a.options().logBackups(), 2),
                ok("logBackups=0", a -> a.options().logBackups(), 0),
                ok("", a -> a.options().logMaxBytes() + "/" + a.options().logBackups(), "52428800/5"));
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
                bad("restart=sometimes", "restart", "sometimes", "must be never, on-failure or always"),
                bad("restartDelay=soon", "restartDelay", "soon", "not a number of milliseconds"),
                bad("restartDelay=0", "restartDelay", "0", "must be at least 1 ms"),
                bad("restartWindow=-1", "restartWindow", "-1", "must be at least 1 ms"),
                bad("restartLimit=0", "restartLimit", "0", "must be 1 or more"),
                bad("restartLimit=x", "restartLimit", "x", "not a number"),
                bad("unhealthyThreshold=0", "unhealthyThreshold", "0", "must be 1 or more"),
                bad("restartOnUnhealthy=yes", "restartOnUnhealthy", "yes", "must be true or false"),
                bad("restartDelay=2000,restartMaxDelay=1000", "restartMaxDelay", "1000",
                        "must be at least restartDelay (2000 ms)"),
                // a default that no longer fits what was given
                bad("restartDelay=60000", "restartMaxDelay", "30000 ms",
                        "must be at least restartDelay (60000 ms) (default value)"),
                bad("restart=", "restart", "", "must not be empty"),
                bad("logMaxBytes=abc", "logMaxBytes", "abc", "not a number of bytes (a whole number, optionally"
                        + " followed by k, m or g: KiB, MiB, GiB)"),
                bad("logMaxBytes=1.5m", "logMaxBytes", "1.5m", "not a number of bytes"),
                bad("logMaxBytes=10x", "logMaxBytes", "10x", "not a number of bytes"),
                bad("logMaxBytes=k", "logMaxBytes", "k", "not a number of bytes"),
                bad("logMaxBytes=64 k", "logMaxBytes", "64 k", "not a number of bytes"),
                bad("logMaxBytes=9999999999999g", "logMaxBytes", "9999999999999g", "not a number of bytes"),
                bad("logMaxBytes=-1", "logMaxBytes", "-1", "must be 0 (never rotate) or more"),
                bad("logMaxBytes=-1k", "logMaxBytes", "-1k", "must be 0 (never rotate) or more"),
                bad("logMaxBytes=", "logMaxBytes", "", "must not be empty"),
                bad("logBackups=-1", "logBackups", "-1", "must be between 0 and 1000"),
                bad("logBackups=1001", "logBackups", "1001", "must be between 0 and 1000"),
                bad("logBackups=two", "logBackups", "two", "not a number"),
                bad("logBackups=5k", "logBackups", "5k", "not a number"),
                bad("bogus=1", "bogus", "1", "unknown key (keys: name, serverScript, workingDirectory, port"),
                bad("bogus=1", "bogus", "1", "env.<NAME>, config, servers)"),
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
                        + " ','; put such values in a properties file given with config=FILE)"),
                // only bare names right after servers= continue its list
                Arguments.of("servers=a,port=1,b", "invalid agent argument b: expected key=value (a value cannot"
                        + " contain ','; put such values in a properties file given with config=FILE)"));
    }

    @Test
    void aLeadingCommaIsAnEmptyPieceLikeAnyOther() {
        assertEquals(3001, AgentArguments.parse(",port=3001").options().port());
        assertEquals(3002, AgentArguments.parse(",,port=3002,").options().port());
    }

    @Test
    void aMissingKeyAfterAServersListIsMissingNotAName() {
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll("servers=a,=3000"));
        assertEquals("invalid agent argument ='3000': missing key before '='", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {".port=1", "c.env.=1", "env.=1"})
    void keysThatOnlyLookPrefixedAreUnknownKeys(String text) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parse(text));
        assertFalse(e.getMessage().contains("servers= is not given"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"servers=a.b,a", "servers=a,a.b"})
    void ambiguousServerNamesNameTheLongerPrefix(String text) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parseAll(text));
        assertTrue(e.getMessage().contains("is 'a.b.port' a port of which?"), e.getMessage());
    }

    @Test
    void aServersLogFileThatIsAnotherServersPidFileIsRefused() {
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll(TWO + ",a.logFile=/t/b.pid"));
        assertEquals("a.logFile", e.key());
        assertTrue(e.getMessage().contains("would append its output to the PID file of server 'b'"), e.getMessage());
    }

    @Test
    void aServersLogFileFromAConfigFileThatIsAnotherServersPidFileNamesTheFile() throws IOException {
        Path file = config("a.logFile=/t/b.pid");
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll(TWO + ",config=" + file));
        assertEquals("a.logFile", e.key());
        assertTrue(e.getMessage().endsWith("(in config file " + file + ")"), e.getMessage());
    }

    @Test
    void dependsOnAndStopWithHostAreEachServersOwn() {
        List<AgentArguments> all = AgentArguments.parseAll(TWO + ",b.dependsOn=a:started,b.stopWithHost=true");
        assertEquals(List.of(), all.get(0).dependsOn());
        assertFalse(all.get(0).stopWithHost());
        assertEquals(List.of(new ServerDependency("a", ServerDependency.Condition.STARTED)), all.get(1).dependsOn());
        assertTrue(all.get(1).stopWithHost());
        assertFalse(new ServerDependency("a", ServerDependency.Condition.STARTED)
                .equals(new ServerDependency("a", ServerDependency.Condition.HEALTHY)));
        assertFalse(new ServerDependency("a", ServerDependency.Condition.STARTED)
                .equals(new ServerDependency("b", ServerDependency.Condition.STARTED)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TWO + ",a.dependsOn=b,b.dependsOn=a", "dependsOn=db"})
    void aDependencyCycleOrADependencyOnNoServerIsRefused(String text) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parseAll(text));
        assertTrue(e.key().endsWith("dependsOn"), e.getMessage());
    }

    @Test
    void aKeyThatIsAServersNameAloneIsAnUnknownKey() {
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll(TWO + ",a=1"));
        assertEquals("a", e.key());
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
                "startTimeout=900", "healthInterval=1500", "logFile=logs/s.log", "logMaxBytes=10m", "logBackups=3",
                "autoStart=true",
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
        assertEquals(10L * 1024 * 1024, a.options().logMaxBytes());
        assertEquals(3, a.options().logBackups());
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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"port=3001\nport\\ =3002", "port\\ =3001\nport\\ =3002", "port=3001\n\\ port=3002"})
    void aKeyGivenTwiceInAFileIsRefusedAlsoWhenOneHasEscapedWhitespace(String content) throws IOException {
        // found by AgentArgumentsPropertiesTest: 'port' and 'port\ ' were one key once trimmed, and the last one won
        Path file = config(content);
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parse("config=" + file));
        assertEquals("port", e.key());
        assertTrue(e.getMessage().startsWith("invalid agent argument port='300"), e.getMessage());
        assertTrue(e.getMessage().contains("given twice"), e.getMessage());
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

    // ------------------------------------------------------------------ several servers: servers=a,b and a.key=...

    /** Two servers that share nothing: the base of the rows below. */
    private static final String TWO = "servers=a,b,a.port=3001,b.port=3002,a.pidFile=/t/a.pid,b.pidFile=/t/b.pid";

    static Stream<Arguments> severalServers() {
        return Stream.of(
                many(TWO, all -> names(all), List.of("a", "b")),
                many(TWO, all -> all.get(0).options().port() + "," + all.get(1).options().port(), "3001,3002"),
                many(TWO, all -> all.get(1).options().pidFile(), Paths.get("/t/b.pid")),
                many(TWO, all -> all.get(1).options().logFile(), Optional.of(Paths.get("/t/b.log"))),
                many(TWO, all -> all.get(0).options().healthCheckUrl().toString(),
                        "http://localhost:3001/api/health"),
                // the list may be spaced; one name is one server
                many("servers= a , b ,a.port=1,a.pidFile=/t/a.pid", all -> names(all), List.of("a", "b")),
                many("servers=solo", all -> names(all), List.of("solo")),
                many("servers=solo,port=3005", all -> all.get(0).options().port(), 3005),
                // names with dots, dashes, underscores: the prefix is the whole name
                many("servers=web.1,web-2,web.1.port=3001,web.1.pidFile=/t/1.pid",
                        all -> all.get(0).options().port() + "," + all.get(1).options().port(), "3001,3000"),
                // an unprefixed key is a default for every server
                many(TWO + ",healthInterval=250,autoStart=true,stopTimeout=700",
                        all -> all.get(0).healthInterval().toMillis() + "," + all.get(1).healthInterval().toMillis()
                                + "," + all.get(0).autoStart() + "," + all.get(1).autoStart() + ","
                                + all.get(1).options().stopTimeout().toMillis(), "250,250,true,true,700"),
                many(TWO + ",serverScript=/srv/s.js,b.serverScript=/srv/b.js",
                        all -> all.get(0).options().serverScript() + "," + all.get(1).options().serverScript(),
                        "/srv/s.js,/srv/b.js"),
                many(TWO + ",b.serverScript=/srv/b.js",
                        all -> all.get(0).serverScriptConfigured() + "," + all.get(1).serverScriptConfigured(),
                        "false,true"),
                // a server's own key beats the shared one, whichever comes first
                many("a.healthInterval=100,healthInterval=900," + TWO,
                        all -> all.get(0).healthInterval().toMillis() + "," + all.get(1).healthInterval().toMillis(),
                        "100,900"),
                // environment: shared variables, a server's own, a server's own value over the shared one
                many(TWO + ",env.X=shared,env.Y=y,a.env.X=mine,a.env.Z=",
                        all -> List.of(all.get(0).options().environment(), all.get(1).options().environment()),
                        List.of(Map.of("X", "mine", "Y", "y", "Z", ""), Map.of("X", "shared", "Y", "y"))),
                // health URLs follow each server's port unless given
                many(TWO + ",b.healthCheckUrl=http://127.0.0.1:9/h",
                        all -> all.get(0).options().healthCheckUrl() + " " + all.get(1).options().healthCheckUrl(),
                        "http://localhost:3001/api/health http://127.0.0.1:9/h"),
                many(TWO + ",a.logFile=discard",
                        all -> all.get(0).options().logFile(), Optional.empty()),
                // supervision: shared and per server
                many(TWO + ",restart=on-failure,b.restart=always,a.restartLimit=2",
                        all -> all.get(0).supervision().restart() + "," + all.get(1).supervision().restart() + ","
                                + all.get(0).supervision().restartLimit() + ","
                                + all.get(1).supervision().restartLimit(), "on-failure,always,2,5"),
                many(TWO + ",b.restartOnUnhealthy=true",
                        all -> List.of(all.get(0).supervision(), all.get(1).supervision().restartOnUnhealthy()),
                        List.of(SupervisionPolicy.DEFAULT, true)));
    }

    private static Arguments many(String text, Function<List<AgentArguments>, Object> get, Object expected) {
        return Arguments.of(text, get, expected);
    }

    private static List<String> names(List<AgentArguments> all) {
        return all.stream().map(AgentArguments::name).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("severalServers")
    void severalServersWithPrefixesAndSharedDefaults(String text, Function<List<AgentArguments>, Object> get,
            Object expected) {
        assertEquals(expected, get.apply(AgentArguments.parseAll(text)));
    }

    static Stream<Arguments> badSeveralServers() {
        String home = HOME.resolve(".omega-session-server.pid").toString();
        return Stream.of(
                // a prefix that names no server, with and without servers=
                bad(TWO + ",c.port=1", "c.port", "1", "unknown server 'c' (servers=a,b)"),
                bad(TWO + ",c.env.X=1", "c.env.X", "1", "unknown server 'c' (servers=a,b)"),
                bad("a.port=3001", "a.port", "3001", "a prefix names one of several servers, but servers= is not"
                        + " given (e.g. servers=a,other)"),
                // each server's value is checked under its full key
                bad("servers=a,b,a.port=3001,a.pidFile=/t/a.pid,b.pidFile=/t/b.pid,b.port=x", "b.port", "x",
                        "not a number"),
                bad("servers=a,b,a.port=3001,a.pidFile=/t/a.pid,b.pidFile=/t/b.pid,b.port=99999", "b.port", "99999",
                        "must be between 1 and 65535"),
                bad(TWO + ",a.healthInterval=0", "a.healthInterval", "0", "must be greater than 0 ms"),
                bad(TWO + ",b.env.SESSION_SERVER_PORT=1", "b.env.SESSION_SERVER_PORT", "1",
                        "configure the port instead"),
                bad(TWO + ",b.bogus=1", "b.bogus", "1", "unknown key (keys: name,"),
                bad(TWO + ",a.Port=1", "a.Port", "1", "did you mean 'a.port'?"),
                bad(TWO + ",b.restartDelay=0", "b.restartDelay", "0", "must be at least 1 ms"),
                bad(TWO + ",b.restartDelay=60000", "b.restartMaxDelay", "30000 ms",
                        "must be at least restartDelay (60000 ms) (default value)"),
                bad(TWO + ",restart=maybe", "restart", "maybe", "must be never, on-failure or always"),
                bad(TWO + ",c.restart=always", "c.restart", "always", "unknown server 'c'"),
                // a shared value is checked under its own key
                bad(TWO + ",stopTimeout=-1", "stopTimeout", "-1", "must be 0 ms or more"),
                // two servers, one PID file or one port: an error naming both
                bad("servers=a,b,a.port=1,b.port=2,a.pidFile=/t/s.pid,b.pidFile=/t/s.pid", "b.pidFile", "/t/s.pid",
                        "servers 'a' and 'b' both use PID file /t/s.pid (a: a.pidFile, b: b.pidFile); give each"
                                + " server its own pidFile"),
                bad("servers=a,b,a.port=1,b.port=2,pidFile=/t/s.pid", "pidFile", "/t/s.pid",
                        "servers 'a' and 'b' both use PID file /t/s.pid (a: pidFile, b: pidFile)"),
                bad("servers=a,b,a.port=1,b.port=2", "b.pidFile", home,
                        "servers 'a' and 'b' both use PID file " + home + " (a: the default, b: the default)"),
                bad("servers=a,b,c,a.port=1,b.port=2,c.port=3,a.pidFile=/t/a.pid,b.pidFile=/t/b.pid,"
                        + "c.pidFile=/t/a.pid", "c.pidFile", "/t/a.pid",
                        "servers 'a' and 'c' both use PID file /t/a.pid (a: a.pidFile, c: c.pidFile)"),
                bad("servers=a,b,a.pidFile=/t/a.pid,b.pidFile=/t/b.pid,a.port=3001,b.port=3001", "b.port", "3001",
                        "servers 'a' and 'b' both use port 3001 (a: a.port, b: b.port); give each server its own"
                                + " port"),
                bad("servers=a,b,a.pidFile=/t/a.pid,b.pidFile=/t/b.pid", "b.port", "3000",
                        "servers 'a' and 'b' both use port 3000 (a: the default, b: the default)"),
                bad("servers=a,b,a.pidFile=/t/a.pid,b.pidFile=/t/b.pid,a.port=3000", "b.port", "3000",
                        "(a: a.port, b: the default)"),
                bad(TWO + ",a.logFile=/t/b.pid", "a.logFile", "/t/b.pid",
                        "server 'a' would append its output to the PID file of server 'b' (b.pidFile)"),
                // names
                bad(TWO + ",b.logMaxBytes=1q", "b.logMaxBytes", "1q", "not a number of bytes"),
                bad(TWO + ",a.logBackups=-2", "a.logBackups", "-2", "must be between 0 and 1000"),
                bad(TWO + ",name=x", "name", "x", "cannot be combined with servers=a,b"),
                bad(TWO + ",a.name=x", "a.name", "x", "not allowed: the server's name is 'a'"),
                bad(TWO + ",a.config=/t/c.properties", "a.config", "/t/c.properties", "is for the whole agent"),
                bad("servers=a,a", "servers", "a,a", "server 'a' is listed twice"),
                bad("servers=a,a.b", "servers", "a,a.b", "make ambiguous key prefixes"),
                bad("servers=env", "servers", "env", "'env' cannot be a server's name"),
                bad("servers=a b", "servers", "a b", "server name 'a b': only letters, digits"),
                bad("servers=", "servers", "", "must not be empty"),
                bad("servers=a,b,servers=c", "servers", "c", "given twice (first servers='a,b')"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSeveralServers")
    void rejectsBadServersNamingTheFullKey(String text, String key, String value, String reason) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parseAll(text));
        String m = e.getMessage();
        assertTrue(m.startsWith("invalid agent argument " + key + "='" + value + "': "), m);
        assertTrue(m.contains(reason), m);
        assertEquals(key, e.key());
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
    }

    @Test
    void logRotationKeysPerServerAndShared() {
        List<AgentArguments> servers = AgentArguments.parseAll(TWO + ",logMaxBytes=1m,a.logMaxBytes=64k,"
                + "b.logBackups=1");
        assertEquals(65536L, servers.get(0).options().logMaxBytes(), "a's own");
        assertEquals(ProcessManagerOptions.DEFAULT_LOG_BACKUPS, servers.get(0).options().logBackups());
        assertEquals(1048576L, servers.get(1).options().logMaxBytes(), "shared");
        assertEquals(1, servers.get(1).options().logBackups(), "b's own");
    }

    @Test
    void parseWantsOneServer() {
        assertEquals("solo", AgentArguments.parse("servers=solo").name());
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> AgentArguments.parse(TWO));
        assertEquals("invalid agent argument servers='a,b': names 2 servers where one is expected", e.getMessage());
    }

    /** Precedence, key by key: defaults < file < arguments for one key; a server's key over the shared one. */
    static Stream<Arguments> severalServersFromAFile() {
        return Stream.of(
                fileRow("a.port from the file", ",b.port=3003", all -> all.get(0).options().port(), 3001),
                fileRow("b.port: the argument beats the file", ",b.port=3003", all -> all.get(1).options().port(),
                        3003),
                fileRow("a.healthInterval in the file beats healthInterval in the arguments", ",healthInterval=1500",
                        all -> all.get(0).healthInterval().toMillis(), 2000L),
                fileRow("healthInterval in the arguments beats the file's", ",healthInterval=1500",
                        all -> all.get(1).healthInterval().toMillis(), 1500L),
                fileRow("the file's shared healthInterval", "", all -> all.get(1).healthInterval().toMillis(), 1000L),
                fileRow("relative paths: to the file", "", all -> all.get(0).options().pidFile().getFileName()
                        + " " + all.get(0).options().pidFile().getParent().getFileName(), "a.pid run"),
                fileRow("relative paths in the arguments: to the working directory", ",b.pidFile=x/b.pid",
                        all -> all.get(1).options().pidFile(), CWD.resolve("x/b.pid")),
                fileRow("env: the file's shared, the argument's own", ",b.env.X=args",
                        all -> all.get(1).options().environment(), Map.of("X", "args", "LIST", "1,2")));
    }

    private static Arguments fileRow(String what, String args, Function<List<AgentArguments>, Object> get,
            Object expected) {
        return Arguments.of(what, args, get, expected);
    }

    private Path twoServerConfig() throws IOException {
        return config("servers = a, b", "a.port=3001", "b.port=3002", "a.pidFile=run/a.pid", "b.pidFile=run/b.pid",
                "healthInterval=1000", "a.healthInterval=2000", "env.X=file", "env.LIST=1,2");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("severalServersFromAFile")
    void severalServersFromAFileWithArguments(String what, String args, Function<List<AgentArguments>, Object> get,
            Object expected) throws IOException {
        Path file = twoServerConfig();
        List<AgentArguments> all = AgentArguments.parseAll("config=" + file + args);
        assertEquals(expected, get.apply(all), what);
        assertEquals(Optional.of(file), all.get(0).configFile());
        assertEquals(dir.resolve("run/a.pid"), all.get(0).options().pidFile());
    }

    static Stream<Arguments> badSeveralServersFromAFile() {
        return Stream.of(
                Arguments.of("c.port=1", "", "c.port", "1", "unknown server 'c' (servers=a,b)", true),
                Arguments.of("b.port=x", "", "b.port", "x", "not a number", true),
                Arguments.of("b.port=3001", "", "b.port", "3001", "servers 'a' and 'b' both use port 3001 (a: a.port,"
                        + " b: b.port)", true),
                // the file's a.* keys name a server that the arguments' servers= no longer lists
                Arguments.of("", ",servers=b", "a.healthInterval", "2000", "unknown server 'a' (servers=b)", true),
                // the argument's value is the one checked, and it names no file
                Arguments.of("", ",b.port=3001", "b.port", "3001", "both use port 3001", false),
                Arguments.of("", ",b.port=y", "b.port", "y", "not a number", false));
    }

    @ParameterizedTest(name = "{0}{1}")
    @MethodSource("badSeveralServersFromAFile")
    void badServerValuesInTheFileNameTheKeyAndTheFile(String extraLine, String args, String key, String value,
            String reason, boolean inFile) throws IOException {
        Path file = config("servers=a,b", "a.port=3001", "b.port=3002", "a.pidFile=a.pid", "b.pidFile=b.pid",
                "a.healthInterval=2000", extraLine);
        if (extraLine.startsWith("b.port=")) { // a second b.port would be a duplicate: replace the first
            file = config("servers=a,b", "a.port=3001", extraLine, "a.pidFile=a.pid", "b.pidFile=b.pid");
        }
        Path f = file;
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll("config=" + f + args));
        String m = e.getMessage();
        assertTrue(m.startsWith("invalid agent argument " + key + "='" + value + "': "), m);
        assertTrue(m.contains(reason), m);
        assertEquals(inFile, m.endsWith("(in config file " + f + ")"), m);
    }

    @Test
    void absolutizeKnowsTheServersPrefixes() throws IOException {
        String text = "servers=a,web.1,a.pidFile=run/a.pid,web.1.logFile=discard,web.1.serverScript=s.js,"
                + "web.1.pidFile=/abs/w.pid,env.X=rel/x,a.env.Y=rel/y,a.port=3001";
        assertEquals("servers=a,web.1,a.pidFile=" + CWD.resolve("run/a.pid") + ",web.1.logFile=discard,"
                + "web.1.serverScript=" + CWD.resolve("s.js") + ",web.1.pidFile=/abs/w.pid,env.X=rel/x,a.env.Y=rel/y,"
                + "a.port=3001", AgentArguments.absolutize(text));
        assertEquals(2, AgentArguments.parseAll(AgentArguments.absolutize(text)).size());
        // servers= only in the config file: its names still mark the prefixes in the arguments
        Path file = config("servers=a,b", "a.port=3001", "b.port=3002");
        assertEquals("config=" + file + ",a.pidFile=" + CWD.resolve("a.pid") + ",b.logFile=" + CWD.resolve("b.log"),
                AgentArguments.absolutize("config=" + file + ",a.pidFile=a.pid,b.logFile=b.log"));
    }

    /** The operations keys (stopSignal, workingDirectory, healthCheckUrl kinds): file, per server, attach. */
    @Test
    void operationsKeysFromTheFileAndPerServer() throws IOException {
        Path file = config("servers=a,b", "a.port=3001", "b.port=3002", "a.pidFile=a.pid", "b.pidFile=b.pid",
                "stopSignal=sigint", "b.stopSignal=QUIT", "workingDirectory=srv", "serverScript=bin/s.sh",
                "b.healthCheckUrl=tcp://127.0.0.1:3002", "a.healthCheckUrl=none");
        List<AgentArguments> both = AgentArguments.parseAll("config=" + file + ",a.workingDirectory=/opt/a");
        ProcessManagerOptions a = both.get(0).options();
        ProcessManagerOptions b = both.get(1).options();
        assertEquals(StopSignal.INT, a.stopSignal());
        assertEquals(StopSignal.QUIT, b.stopSignal());
        assertEquals(Optional.of(Paths.get("/opt/a")), a.workingDirectory()); // the argument's, its own
        assertEquals(Optional.of(dir.resolve("srv")), b.workingDirectory()); // relative to the file
        assertEquals(Paths.get("/opt/a/bin/s.sh"), a.serverScript()); // in its working directory
        assertEquals(dir.resolve("srv/bin/s.sh"), b.serverScript());
        assertEquals(HealthCheck.Kind.NONE, a.healthCheckKind());
        assertEquals("none", a.healthCheckUrl().toString());
        assertEquals(HealthCheck.Kind.TCP, b.healthCheckKind());

        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll("config=" + file + ",a.stopSignal=KILL"));
        assertEquals("invalid agent argument a.stopSignal='KILL': must be TERM, INT, HUP, QUIT, USR1 or USR2 (with or"
                + " without SIG)", e.getMessage());
        e = assertThrows(AgentArgumentException.class,
                () -> AgentArguments.parseAll("config=" + file + ",b.healthCheckUrl=udp://127.0.0.1:1"));
        assertEquals("invalid agent argument b.healthCheckUrl='udp://127.0.0.1:1': must be an absolute http:// or"
                + " https:// URL with a host, tcp://host:port, exec:<program> [args...] or none", e.getMessage());

        // attach: a relative serverScript stays relative where a workingDirectory resolves it in the target
        assertEquals("servers=a,b,a.workingDirectory=" + CWD.resolve("w") + ",a.serverScript=s.js,b.serverScript="
                + CWD.resolve("s.js"), AgentArguments.absolutize(
                        "servers=a,b,a.workingDirectory=w,a.serverScript=s.js,b.serverScript=s.js"));
        assertEquals("config=" + file + ",serverScript=t.sh",
                AgentArguments.absolutize("config=" + file + ",serverScript=t.sh")); // the file has workingDirectory
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

    // ------------------------------------------------------------------ the real agent/agent.properties

    private static final Pattern KEY_LINE = Pattern.compile("^#\\s*([A-Za-z][A-Za-z0-9_.-]*)=(.*)$");

    private static List<String> agentPropertiesLines() throws IOException {
        Path file = Paths.get(System.getProperty("basedir", "."), "agent", "agent.properties");
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /**
     * Every key line of the shipped agent/agent.properties, uncommented, is accepted by the parser (the one-server
     * lines each alone, the servers= example as a whole), and every key of the parser has a line there.
     */
    @Test
    void everyKeyOfTheRealAgentPropertiesIsAcceptedAndEveryKeyIsInIt() throws IOException {
        List<String> lines = agentPropertiesLines();
        List<String> serversExample = new ArrayList<>();
        Set<String> documented = new LinkedHashSet<>();
        for (String line : lines) {
            Matcher m = KEY_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String key = m.group(1);
            if (key.equals("servers") || !serversExample.isEmpty()) {
                serversExample.add(key + "=" + m.group(2));
            }
            documented.add(key.startsWith("env.") ? "env.<NAME>" : key);
            if (key.equals("config") || key.equals("servers") || !serversExample.isEmpty()) {
                continue;
            }
            if (key.equals("dependsOn")) { // names other servers: only with servers=, parsed in that example
                continue;
            }
            Path alone = dir.resolve("line.properties");
            Files.writeString(alone, key + "=" + m.group(2) + "\n");
            assertEquals(1, AgentArguments.parseAll("config=" + alone).size(), line);
        }
        assertEquals(Set.copyOf(AgentArguments.KEYS), documented.stream()
                .filter(k -> AgentArguments.KEYS.contains(k)).collect(Collectors.toSet()), "keys without a line");
        List<String> serverNames = List.of(serversExample.get(0).substring("servers=".length()).split(","));
        List<String> notKeys = new ArrayList<>();
        for (String key : documented) {
            String local = key;
            for (String name : serverNames) {
                local = local.startsWith(name + ".") ? local.substring(name.length() + 1) : local;
            }
            if (!AgentArguments.KEYS.contains(local.startsWith("env.") ? "env.<NAME>" : local)) {
                notKeys.add(key);
            }
        }
        assertEquals(List.of(), notKeys, "lines whose key the parser does not know");
        // the servers example: every one of its lines together is a valid two-server configuration
        Path example = dir.resolve("servers.properties");
        Files.write(example, serversExample, StandardCharsets.UTF_8);
        List<AgentArguments> servers = AgentArguments.parseAll("config=" + example);
        assertEquals(List.of("web", "admin"), names(servers));
        assertEquals(List.of(3001, 3002), servers.stream().map(a -> a.options().port()).toList());
        assertEquals(Restart.ALWAYS, servers.get(1).supervision().restart());
        assertEquals(Restart.ON_FAILURE, servers.get(0).supervision().restart());
    }
}
