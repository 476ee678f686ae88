package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * What the agent's end-to-end tests share (a helper, not a test): where the agent jar, jmxterm and the test hosts
 * are, host JVMs started with their output in files, jmxterm run as its own process the way a user scripts it, and the
 * example server packed as a jar so that a host's {@code serverScript=...jar} starts it quickly.
 * <p>
 * Host JVMs run on this JVM's own JDK ({@code java.home}) and, where one is configured or installed, on an extra JDK
 * ({@link HostJdk#extra()}: {@code -Dextra.host.java.home=}, {@code EXTRA_HOST_JAVA_HOME}, or the Temurin 25 default);
 * a test that needs the extra JDK is skipped, with the reason, when there is none.
 */
public final class AgentTestHosts {

    public static final Path AGENT_JAR = property("sessionserver.agent.jar", "target/session-server-manager-agent.jar");
    static final Path JMXTERM_JAR = property("sessionserver.jmxterm.jar", "target/jmxterm/jmxterm-1.0.4-uber.jar");
    static final Path TEST_HOSTS = property("sessionserver.testhost.dir", "target/test-hosts");
    static final Path EXAMPLES = property("sessionserver.examples.dir", "examples");
    static final String BEAN = "dev.omega.sessionserver:type=SessionServerManager,name=default";
    public static final Duration DEADLINE = Duration.ofSeconds(30);

    private static Path serverJar; // guarded by AgentTestHosts.class
    private static Path hostAppClasses; // guarded by AgentTestHosts.class

    private AgentTestHosts() {
    }

    private static Path property(String key, String fallback) {
        String v = System.getProperty(key);
        return Paths.get(v == null || v.isBlank() ? fallback : v).toAbsolutePath().normalize();
    }

    /**
     * The JDKs to host the agent on: this JVM's own, then the extra one (which may be unavailable: {@link #java}
     * then skips the test with the reason).
     */
    static Stream<HostJdk> hostJdks() {
        return Stream.of(HostJdk.current(), HostJdk.extra());
    }

    /**
     * {@code bin/java} of {@code jdk}; skips the calling test (JUnit assumption, with the reason) when the JDK is
     * unavailable. For this JVM's own JDK, checks that it is the version this JVM runs.
     */
    static String java(HostJdk jdk) {
        assumeTrue(jdk.available(), jdk::unavailableReason);
        if (jdk.home().equals(HostJdk.current().home())) {
            assertEquals(Runtime.version().feature(), jdk.feature(),
                    () -> "the JDK at java.home (" + jdk.home() + ") is the one this JVM runs on");
            assertEquals(Paths.get(ExampleServer.java()).toAbsolutePath().normalize(), jdk.java());
        }
        return jdk.java().toString();
    }

    /** {@code bin/java} of this JVM's own JDK ({@code java.home}): the host of the tests that run on one JDK. */
    public static String mainJava() {
        return java(HostJdk.current());
    }

    /**
     * A host JDK that can refuse dynamically loaded agents ({@code -XX:-EnableDynamicAgentLoading}, Java 21 and
     * newer): this JVM's own when it is one, else the extra one; skips the calling test when neither is.
     */
    static HostJdk jdkWithDynamicAgentSwitch() {
        HostJdk jdk = hostJdks().filter(j -> j.available() && j.feature() >= 21).findFirst().orElse(null);
        assumeTrue(jdk != null, () -> "no host JDK 21 or newer (this JVM: Java " + Runtime.version().feature() + "; "
                + (HostJdk.extra().available() ? "extra: " + HostJdk.extra() : HostJdk.extra().unavailableReason())
                + ")");
        return jdk;
    }

    /** Flags that make a host start fast and let jmxterm reach it on a loopback JMX port without authentication. */
    public static List<String> jmxPortFlags(int port) {
        return List.of("-Dcom.sun.management.jmxremote.port=" + port, "-Dcom.sun.management.jmxremote.rmi.port=" + port,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false");
    }

    /**
     * {@code --enable-native-access=ALL-UNNAMED} for a host on Java 22 or newer, so that the agent spawns, signals and
     * watches its servers through pidfds there (the pidfd process layer); nothing for older hosts.
     */
    static List<String> nativeAccess(HostJdk jdk) {
        return jdk.feature() >= 22 ? List.of("--enable-native-access=ALL-UNNAMED") : List.of();
    }

    public static List<String> fastJvm() {
        return List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");
    }

    /** This module's test classes (the test hosts' classes), as a class path entry. */
    static Path testClasses() {
        try {
            return Paths.get(AgentTestHosts.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** examples/host-app/HostApp.java, compiled once (release 11, as a user's Java 11 host would run it). */
    public static synchronized Path hostAppClasses() {
        if (hostAppClasses == null) {
            hostAppClasses = compile(EXAMPLES.resolve("host-app/HostApp.java"), "host-app-");
        }
        return hostAppClasses;
    }

    /**
     * The example server as an executable jar ({@code Main-Class: SessionServer}), built once from
     * {@link ExampleServer#classesDir()}: the agent runs {@code serverScript=<jar>} as {@code java -jar <jar>}, which
     * starts far faster than the source launcher.
     */
    public static synchronized Path serverJar() {
        if (serverJar == null) {
            try {
                Path dir = ExampleServer.classesDir();
                Path jar = Files.createTempDirectory("session-server-jar-").resolve("session-server.jar");
                Manifest mf = new Manifest();
                mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
                mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, ExampleServer.MAIN_CLASS);
                try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf);
                        Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
                        out.putNextEntry(new JarEntry(f.getFileName().toString()));
                        out.write(Files.readAllBytes(f));
                        out.closeEntry();
                    }
                }
                deleteOnExit(jar.getParent());
                serverJar = jar;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return serverJar;
    }

    private static Path compile(Path source, String prefix) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        try {
            Path dir = Files.createTempDirectory(prefix);
            deleteOnExit(dir);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = javac.run(null, out, out, "--release", "11", "-proc:none", "-d", dir.toString(),
                    source.toString());
            assertEquals(0, rc, () -> "compiling " + source + ":\n" + out);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the directory tree when this JVM exits. */
    static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort
            }
        }));
    }

    /** Agent arguments for a server on {@code port} with its PID file in {@code dir}, checked every 500 ms. */
    public static String serverArgs(Path dir, String name, int port, Path script) {
        return "name=" + name + ",serverScript=" + script + ",pidFile=" + dir.resolve(name + ".pid") + ",port=" + port
                + ",healthCheckUrl=" + ExampleServer.healthUrl(port) + ",healthInterval=500,startTimeout=20000";
    }

    // ------------------------------------------------------------------ processes with output in files

    /** A process started by a test, its stdout and stderr going to files in the test's directory. */
    public static final class Proc {
        public final Process process;
        public final Path stdout;
        public final Path stderr;

        Proc(Process process, Path stdout, Path stderr) {
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        public long pid() {
            return process.pid();
        }

        String out() {
            return read(stdout);
        }

        String err() {
            return read(stderr);
        }

        List<String> errLines() {
            return Arrays.asList(err().split("\n"));
        }

        /** Waits until stdout holds {@code text} (fails early, with both outputs, when the process exits). */
        public String awaitOut(String text) {
            Await.until("stdout of pid " + pid() + " contains '" + text + "'", DEADLINE, () -> {
                if (out().contains(text)) {
                    return true;
                }
                if (!process.isAlive() && !out().contains(text)) {
                    throw new AssertionError("pid " + pid() + " exited (" + process.exitValue() + ") before printing '"
                            + text + "'\nstdout:\n" + out() + "\nstderr:\n" + err());
                }
                return false;
            });
            return out();
        }

        String awaitErr(String text) {
            Await.until("stderr of pid " + pid() + " contains '" + text + "'", DEADLINE, () -> err().contains(text));
            return err();
        }

        int awaitExit() throws InterruptedException {
            assertTrue(process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "pid " + pid() + " did not exit");
            return process.exitValue();
        }

        public String describe() {
            return "stdout:\n" + out() + "\nstderr:\n" + err();
        }

        private static String read(Path p) {
            try {
                return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Starts {@code argv} (marked and tracked by the reaper) with output in {@code dir/<label>.out|.err}. */
    public static Proc start(ProcessReaper reaper, Path dir, String label, List<String> argv) throws IOException {
        Path out = dir.resolve(label + ".out");
        Path err = dir.resolve(label + ".err");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = reaper.start(pb);
        return new Proc(p, out, err);
    }

    /** {@code java -jar AGENT_JAR <args>} on this JVM's own JDK, to completion. */
    public static Proc agentCli(ProcessReaper reaper, Path dir, String label, String... args)
            throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(mainJava(), "-jar", AGENT_JAR.toString()));
        argv.addAll(List.of(args));
        Proc p = start(reaper, dir, label, argv);
        p.process.getOutputStream().close();
        p.awaitExit();
        return p;
    }

    // ------------------------------------------------------------------ jmxterm

    /** What one jmxterm run printed. */
    static final class Jmxterm {
        final int exitCode;
        final List<String> out;
        final String err;

        Jmxterm(int exitCode, List<String> out, String err) {
            this.exitCode = exitCode;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString() {
            return "jmxterm exit " + exitCode + "\nstdout:\n" + String.join("\n", out) + "\nstderr:\n" + err;
        }
    }

    /**
     * Runs jmxterm as a user scripts it: its own JVM, {@code -l target -n -v brief -e}, the commands on stdin (or a
     * script with {@code -i}); {@code target} is a PID (the client then needs the jconsole export) or host:port.
     */
    static Jmxterm jmxterm(ProcessReaper reaper, Path dir, String target, List<String> extraArgs, String... commands)
            throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(mainJava(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "--add-exports", "jdk.jconsole/sun.tools.jconsole=ALL-UNNAMED", "-jar", JMXTERM_JAR.toString(), "-l",
                target, "-n", "-v", "brief"));
        argv.addAll(extraArgs);
        String label = "jmxterm-" + System.nanoTime();
        Proc p = start(reaper, dir, label, argv);
        try (OutputStream stdin = p.process.getOutputStream()) {
            stdin.write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        int rc = p.awaitExit();
        List<String> out = new ArrayList<>();
        for (String line : p.out().split("\n")) {
            if (!line.isBlank()) {
                out.add(line.trim());
            }
        }
        return new Jmxterm(rc, out, p.err());
    }

    static Jmxterm jmxterm(ProcessReaper reaper, Path dir, String target, String... commands)
            throws IOException, InterruptedException {
        return jmxterm(reaper, dir, target, List.of("-e"), commands);
    }

    // ------------------------------------------------------------------ plain JMX, for waiting

    public static JMXConnector connect(int jmxPort) throws IOException {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
        return JMXConnectorFactory.connect(url);
    }

    /** Connects to the host's JMX port (retrying while the host starts) and waits until {@code bean} is registered. */
    public static JMXConnector awaitBean(Proc host, int jmxPort, String bean) throws Exception {
        JMXConnector[] holder = new JMXConnector[1];
        Await.until("the host's JMX port " + jmxPort + " accepts connections", DEADLINE, () -> {
            if (!host.process.isAlive()) {
                throw new AssertionError("host exited: " + host.describe());
            }
            try {
                holder[0] = connect(jmxPort);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        MBeanServerConnection c = holder[0].getMBeanServerConnection();
        ObjectName name = new ObjectName(bean);
        Await.until(bean + " is registered in the host", DEADLINE, () -> {
            try {
                return c.isRegistered(name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return holder[0];
    }
    // ------------------------------------------------------------------ the scenario every host goes through

    /**
     * What a user scripting jmxterm does with a host whose agent manages server {@code name} (PID file
     * {@code pidFile}): start it, read Running, Pid, State and the metric beans, stop it; then a start of the MBean
     * {@code broken} (whose script does not exist) must fail and show why. Checks against the kernel that the PID is
     * the real server's and that it is gone after the stop.
     */
    static void exerciseServer(ProcessReaper reaper, Path dir, String target, String name, Path pidFile,
            String broken) throws Exception {
        String bean = "dev.omega.sessionserver:type=SessionServerManager,name=" + name;
        String m = "metrics:name=sessionServer%s.name." + name + "%s,type=%s";
        Jmxterm started = jmxterm(reaper, dir, target,
                "bean " + bean,
                "run start",
                "get -s Running",
                "get -s Pid",
                "get -s State",
                "get -s -b " + String.format(m, "Up", "", "gauges") + " Value",
                "get -s -b " + String.format(m, "Healthy", "", "gauges") + " Value",
                "get -s -b " + String.format(m, "Uptime", "", "gauges") + " Value",
                "get -s -b " + String.format(m, "Starts", "", "meters") + " Count",
                "get -s -b " + String.format(m, "HealthCheck", ".outcome.up", "timers") + " Count");
        assertEquals(0, started.exitCode, started::toString);
        assertEquals(9, started.out.size(), started::toString);
        long pid = Long.parseLong(started.out.get(0));
        reaper.track(pid);
        assertEquals(List.of(Long.toString(pid), "true", Long.toString(pid), "RUNNING"), started.out.subList(0, 4),
                started::toString);
        // the PID is the real server's: the kernel says so, and the PID file's first line names it
        assertTrue(Procs.alive(pid), "server pid " + pid + " is alive");
        assertTrue(String.join(" ", Procs.commandLine(pid)).contains("SessionServer")
                || String.join(" ", Procs.commandLine(pid)).contains(serverJar().toString()),
                () -> "pid " + pid + " runs the example server: " + Procs.commandLine(pid));
        assertEquals(Long.toString(pid), Files.readAllLines(pidFile).get(0));
        // metric beans, sane values
        assertEquals(1.0, Double.parseDouble(started.out.get(4)), started::toString);
        assertEquals(1.0, Double.parseDouble(started.out.get(5)), started::toString);
        double uptime = Double.parseDouble(started.out.get(6));
        assertTrue(uptime >= 0 && uptime < 120, started::toString);
        assertEquals(1, Long.parseLong(started.out.get(7)), started::toString);
        assertTrue(Long.parseLong(started.out.get(8)) >= 0, started::toString);

        String brokenBean = "dev.omega.sessionserver:type=SessionServerManager,name=" + broken;
        Jmxterm stopped = jmxterm(reaper, dir, target,
                "bean " + bean,
                "run stop",
                "get -s Running",
                "get -s Pid",
                "get -s State",
                "get -s -b " + String.format(m, "Stops", "", "meters") + " Count",
                "run -b " + brokenBean + " start");
        assertEquals(List.of("null", "false", "-1", "STOPPED", "1"), stopped.out, stopped::toString);
        assertEquals(256 - 7, stopped.exitCode, () -> "-e: the failed start on line 7 ends jmxterm\n" + stopped);
        assertTrue(stopped.err.contains("start failed") && stopped.err.contains("exited during start")
                && stopped.err.contains("Nope"),
                () -> "the failed start shows its message\n" + stopped);
        Await.until("server pid " + pid + " is gone", DEADLINE, () -> !Procs.alive(pid));
        assertTrue(!Files.exists(pidFile), "PID file removed");
    }

    /** Agent arguments for an MBean whose server script does not exist: every start fails. */
    static String brokenArgs(Path dir, String name) {
        int port = dev.omega.sessionserver.testing.FreePort.find();
        return "name=" + name + ",serverScript=" + dir.resolve("missing/Nope.java") + ",pidFile="
                + dir.resolve(name + ".pid") + ",port=" + port + ",healthCheckUrl=" + ExampleServer.healthUrl(port);
    }
}
