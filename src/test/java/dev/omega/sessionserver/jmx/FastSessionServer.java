package dev.omega.sessionserver.jmx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * A session server that starts in milliseconds, for tests that start and stop a server hundreds of times: the Perl
 * script {@code fast-session-server.pl} (test resource beside this class; perl-base only), copied into the test's
 * directory with mode 0700 and run through its {@code #!} line. It listens on {@code 127.0.0.1:$SESSION_SERVER_PORT},
 * answers every request (the health URL included) with HTTP 200, and dies on SIGTERM. It spawns no children.
 */
final class FastSessionServer {

    static final String SCRIPT = "fast-session-server.pl";

    private FastSessionServer() {
    }

    /** Copies the script into {@code dir} (mode 0700) and returns its path. */
    static Path install(Path dir) {
        Path script = dir.resolve(SCRIPT);
        try (InputStream in = FastSessionServer.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + SCRIPT + " not found beside "
                        + FastSessionServer.class.getName());
            }
            Files.copy(in, script);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install " + SCRIPT + " into " + dir, e);
        }
    }

    /**
     * Options for the fast server installed in {@code dir}: PID file {@code <dir>/server.pid} (log beside it), the
     * given port and its loopback health URL, generous start and stop timeouts, the reaper's marker in the server's
     * environment.
     */
    static ProcessManagerOptions.Builder options(Path dir, int port, ProcessReaper reaper) {
        Path script = install(dir);
        return ProcessManagerOptions.builder().pidFile(dir.resolve("server.pid")).port(port)
                .healthCheckUrl(ExampleServer.healthUrl(port)).command(List.of(script.toString()))
                .startTimeout(Duration.ofSeconds(30)).stopTimeout(Duration.ofSeconds(5))
                .environmentVariable(ProcessReaper.MARKER_ENV, reaper.marker());
    }

    /** Whether {@code argv} (from {@code /proc/<pid>/cmdline}) is this fast server's. */
    static boolean isFastServer(List<String> argv) {
        return argv.stream().anyMatch(a -> a.endsWith("/" + SCRIPT));
    }
}
