package dev.omega.sessionserver.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * {@code examples/embedded/EmbeddedSessionServer.java}, the README's embedding example, compiled against the library
 * and run as an application of its own: it must start the example server, show it RUNNING through the MBean it
 * registered (read over a loopback JMX connection, with its meter), and stop it when told to.
 */
class EmbeddedExampleTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String BEAN = "dev.omega.sessionserver:type=SessionServerManager,name=embedded";
    private static final String UP_GAUGE = "metrics:name=sessionServerUp.name.embedded,type=gauges";
    private static final Pattern RUNNING_LINE = Pattern.compile(
            "embedded: RUNNING pid (\\d+) as " + Pattern.quote(BEAN));

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void embeddedExampleRegistersTheManagerAndRunsTheServer() throws Exception {
        Path classes = compileExample();
        int port = FreePort.find();
        int jmxPort = FreePort.find();
        Path pidFile = dir.resolve("embedded.pid");
        Path out = dir.resolve("app.out");
        Path err = dir.resolve("app.err");
        List<String> argv = new ArrayList<>(List.of(ExampleServer.java(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
                "-cp", classes + java.io.File.pathSeparator + testClassPath(), "EmbeddedSessionServer",
                ExampleServer.source().toString(), Integer.toString(port), pidFile.toString()));
        // the marker reaches the server through the app's environment, so teardown kills both whatever happens
        Process app = reaper.start(new ProcessBuilder(argv).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()));

        Await.until("the example prints its RUNNING line", DEADLINE, () -> {
            if (!app.isAlive() && !RUNNING_LINE.matcher(read(out)).find()) {
                throw new AssertionError("the example exited (" + app.exitValue() + ")\n" + describe(out, err));
            }
            return RUNNING_LINE.matcher(read(out)).find();
        });
        Matcher m = RUNNING_LINE.matcher(read(out));
        assertTrue(m.find());
        long pid = Long.parseLong(m.group(1));
        reaper.track(pid);
        assertTrue(Procs.alive(pid), () -> "server pid " + pid + " is alive\n" + describe(out, err));
        assertTrue(String.join(" ", Procs.commandLine(pid)).contains("SessionServer"),
                () -> "pid " + pid + " runs the example server: " + Procs.commandLine(pid));
        assertEquals(Long.toString(pid), Files.readAllLines(pidFile).get(0));
        assertEquals(200, ExampleServer.healthStatus(port));

        try (JMXConnector c = connect(jmxPort, app, out, err)) {
            MBeanServerConnection jmx = c.getMBeanServerConnection();
            ObjectName bean = new ObjectName(BEAN);
            assertTrue(jmx.isRegistered(bean), () -> BEAN + " is registered\n" + describe(out, err));
            assertEquals("RUNNING", jmx.getAttribute(bean, "State"));
            assertEquals(Boolean.TRUE, jmx.getAttribute(bean, "Running"));
            assertEquals(pid, jmx.getAttribute(bean, "Pid"));
            assertEquals(port, jmx.getAttribute(bean, "Port"));
            assertEquals(pidFile.toString(), jmx.getAttribute(bean, "PidFile"));
            assertEquals(1.0, (Double) jmx.getAttribute(new ObjectName(UP_GAUGE), "Value"), 0.0);
        }

        try (OutputStream stdin = app.getOutputStream()) {
            stdin.write("stop\n".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(app.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), () -> "the example exits after stop\n"
                + describe(out, err));
        assertEquals(0, app.exitValue(), () -> describe(out, err));
        assertTrue(read(out).contains("embedded: stopped"), () -> describe(out, err));
        Await.until("server pid " + pid + " is gone", DEADLINE, () -> !Procs.alive(pid));
        assertFalse(Files.exists(pidFile), "the stop removed the PID file");
    }

    /** Compiles the example (release 11, as a library user's Java 11 application) against the test class path. */
    private Path compileExample() throws IOException {
        Path source = ExampleServer.source().getParent().resolveSibling("embedded").resolve("EmbeddedSessionServer.java");
        assertTrue(Files.isRegularFile(source), "example source " + source);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = javac.run(null, log, log, "--release", "11", "-proc:none", "-Xlint:all", "-Werror", "-classpath",
                testClassPath(), "-d", classes.toString(), source.toString());
        assertEquals(0, rc, () -> "compiling " + source + ":\n" + log.toString(StandardCharsets.UTF_8));
        return classes;
    }

    /**
     * The class path the tests run with: the library's classes and its dependencies (surefire and failsafe give it
     * as {@code surefire.test.class.path} when their own JVM runs from a manifest-only jar).
     */
    private static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    private static JMXConnector connect(int jmxPort, Process app, Path out, Path err) throws IOException {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
        JMXConnector[] holder = new JMXConnector[1];
        Await.until("the example's JMX port " + jmxPort + " accepts connections", DEADLINE, () -> {
            if (!app.isAlive()) {
                throw new AssertionError("the example exited\n" + describe(out, err));
            }
            try {
                holder[0] = JMXConnectorFactory.connect(url);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return holder[0];
    }

    private static String describe(Path out, Path err) {
        return "stdout:\n" + read(out) + "\nstderr:\n" + read(err);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
