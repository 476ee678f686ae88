package dev.omega.sessionserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * The example session server ({@code examples/session-server/SessionServer.java}) for tests: compiled once per JVM
 * into a temporary directory, then run from the class file with a JVM tuned for a fast start.
 */
public final class ExampleServer {

    /** The system property (set by the pom's surefire configuration) naming the example's source file. */
    public static final String SOURCE_PROPERTY = "sessionserver.example.source";
    public static final String MAIN_CLASS = "SessionServer";

    private static Path classes; // guarded by ExampleServer.class

    private ExampleServer() {
    }

    /** The example's source file: the system property, else {@code examples/session-server/SessionServer.java}. */
    public static Path source() {
        String configured = System.getProperty(SOURCE_PROPERTY);
        Path p = configured != null && !configured.isBlank() ? Paths.get(configured)
                : Paths.get("examples", "session-server", "SessionServer.java");
        p = p.toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("example server source not found: " + p + " (set -D" + SOURCE_PROPERTY
                    + " or run from the project directory)");
        }
        return p;
    }

    /** The directory holding {@code SessionServer.class}, compiled on first use. */
    public static synchronized Path classesDir() {
        if (classes == null) {
            classes = compile(source());
        }
        return classes;
    }

    private static Path compile(Path source) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no system Java compiler: tests need a JDK, not a JRE");
        }
        try {
            Path dir = Files.createTempDirectory("session-server-example-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = javac.run(null, out, out, "-proc:none", "-nowarn", "-XDsuppressNotes", "-d", dir.toString(),
                    source.toString());
            if (rc != 0 || !Files.isRegularFile(dir.resolve(MAIN_CLASS + ".class"))) {
                throw new IllegalStateException("compiling " + source + " failed (javac exit " + rc + "):\n"
                        + out.toString(StandardCharsets.UTF_8));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    /** This JVM's {@code java} executable. */
    public static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The argv that runs the precompiled server quickly. */
    public static List<String> command() {
        return command(classesDir());
    }

    /** The argv that runs the server compiled into {@code classesDir} quickly. */
    public static List<String> command(Path classesDir) {
        return List.of(java(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-cp",
                classesDir.toString(), MAIN_CLASS);
    }

    /** {@code http://127.0.0.1:<port>/api/health}. */
    public static String healthUrl(int port) {
        return "http://127.0.0.1:" + port + "/api/health";
    }

    /**
     * Options for a test: PID file {@code <dir>/server.pid}, the given port and its loopback health URL, the fast
     * command, generous start and stop timeouts, and the reaper's marker in the server's environment.
     */
    public static ProcessManagerOptions.Builder options(Path dir, int port, ProcessReaper reaper) {
        return options(dir.resolve("server.pid"), port, reaper.marker(), classesDir());
    }

    /** The same, for a JVM that is not the test's (a host main given the values on its command line). */
    public static ProcessManagerOptions.Builder options(Path pidFile, int port, String marker, Path classesDir) {
        return ProcessManagerOptions.builder().pidFile(pidFile).port(port).healthCheckUrl(healthUrl(port))
                .command(command(classesDir)).startTimeout(Duration.ofSeconds(30)).stopTimeout(Duration.ofSeconds(5))
                .environmentVariable(ProcessReaper.MARKER_ENV, marker);
    }

    /** The status of {@code GET /api/health} on 127.0.0.1:port, or -1 when nothing answers within a second. */
    public static int healthStatus(int port) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) new URL(healthUrl(port)).openConnection(Proxy.NO_PROXY);
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            c.setRequestProperty("Connection", "close");
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            return status;
        } catch (IOException e) {
            return -1;
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    public static boolean healthy(int port) {
        return healthStatus(port) == 200;
    }

    /** The live example servers (not their children) started with this reaper's marker. */
    public static List<Long> serversOf(ProcessReaper reaper) {
        return reaper.markedProcesses().stream().filter(pid -> {
            List<String> argv = Procs.commandLine(pid);
            return !Procs.isLauncherOrShim(argv) && argv.contains(MAIN_CLASS) || argv.stream().anyMatch(a -> a.endsWith("/" + MAIN_CLASS + ".java"));
        }).collect(java.util.stream.Collectors.toList());
    }
}
