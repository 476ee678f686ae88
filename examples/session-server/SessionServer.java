/*
 * SessionServer: the example "session server" that a process manager starts detached and
 * stops with SIGTERM. JDK only; compiles with `javac --release 11` and runs as
 * `java SessionServer.java` (single-file source launcher).
 *
 * Endpoints: GET /api/health -> {"status":"ok","pid":1234,"uptimeMs":567}; anything else -> 404.
 *
 * Environment variables (all optional; blank counts as unset):
 *   SESSION_SERVER_PORT              TCP port to listen on (default 3000; 0 = any free port)
 *   SESSION_SERVER_HOST              bind address (default 127.0.0.1, loopback only)
 *   SESSION_SERVER_STARTUP_DELAY_MS  sleep this long before binding the port (slow start)
 *   SESSION_SERVER_SHUTDOWN_DELAY_MS sleep this long in the shutdown hook (slow graceful stop)
 *   SESSION_SERVER_IGNORE_SIGTERM    true: ignore SIGTERM entirely (SIGINT still stops it)
 *   SESSION_SERVER_SPAWN_CHILD       true: spawn a child `sleep 3600` at startup (never killed by us)
 *   SESSION_SERVER_CHILD_PID_FILE    file to write the child's PID to (atomically: temp + rename)
 *   SESSION_SERVER_EXIT_AFTER_MS     halt this many ms after process start (no shutdown hooks)
 *   SESSION_SERVER_EXIT_CODE         exit code used with SESSION_SERVER_EXIT_AFTER_MS (default 1)
 *   SESSION_SERVER_HEALTH_STATUS     HTTP status returned by /api/health (default 200)
 *   SESSION_SERVER_HEALTH_HANG       true: /api/health accepts the request but never answers
 *   SESSION_SERVER_LOG_EVERY_MS      once listening, print a line to stdout every this many ms (a steady
 *                                    writer; a failed write, e.g. on a full disk, is ignored and it goes on)
 *   SESSION_SERVER_FLOOD             true: once listening, write lines to stdout as fast as it can, forever
 *                                    (after a failed write, e.g. on a full disk, it pauses 1 ms and goes on)
 *   SESSION_SERVER_CLOSE_OUTPUT      true: once listening, close stdout and stderr (the JDK then points
 *                                    descriptors 1 and 2 at /dev/null rather than leave them free)
 *
 * Signals: SIGTERM and SIGINT stop it (exit code 128+N, after the shutdown hook); SIGHUP is logged and it keeps
 * running; SIGQUIT prints a thread dump (the JVM's own), as for any JVM.
 *
 * Booleans accept true/false/yes/no/1/0. An invalid value prints a message naming the
 * variable and value to stderr and exits with code 2. Failing to bind the port exits with 1.
 */
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

public class SessionServer {
    private static final long PID = ProcessHandle.current().pid();
    private static final long START_MS = ManagementFactory.getRuntimeMXBean().getStartTime();
    private static final Object LOCK = new Object();
    private static HttpServer server;      // guarded by LOCK
    private static boolean stopping;       // guarded by LOCK

    public static void main(String[] args) throws Exception {
        int port = (int) envLong("SESSION_SERVER_PORT", 3000, 0, 65535);
        String host = env("SESSION_SERVER_HOST", "127.0.0.1");
        long startupDelay = envLong("SESSION_SERVER_STARTUP_DELAY_MS", 0, 0, Long.MAX_VALUE);
        long shutdownDelay = envLong("SESSION_SERVER_SHUTDOWN_DELAY_MS", 0, 0, Long.MAX_VALUE);
        boolean ignoreTerm = envBool("SESSION_SERVER_IGNORE_SIGTERM");
        boolean spawnChild = envBool("SESSION_SERVER_SPAWN_CHILD");
        String childPidFile = env("SESSION_SERVER_CHILD_PID_FILE", null);
        long exitAfter = envLong("SESSION_SERVER_EXIT_AFTER_MS", -1, 0, Long.MAX_VALUE);
        int exitCode = (int) envLong("SESSION_SERVER_EXIT_CODE", 1, 0, 255);
        int healthStatus = (int) envLong("SESSION_SERVER_HEALTH_STATUS", 200, 100, 599);
        boolean healthHang = envBool("SESSION_SERVER_HEALTH_HANG");
        long logEvery = envLong("SESSION_SERVER_LOG_EVERY_MS", -1, 1, Long.MAX_VALUE);
        boolean flood = envBool("SESSION_SERVER_FLOOD");
        boolean closeOutput = envBool("SESSION_SERVER_CLOSE_OUTPUT");
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            fail("SESSION_SERVER_HOST", host, "an address or resolvable host name");
        }

        if (exitAfter >= 0) {
            long wait = Math.max(0, exitAfter - (System.currentTimeMillis() - START_MS));
            daemon("exit-timer", () -> {
                sleepQuietly(wait);
                System.err.println("session-server: exiting with code " + exitCode);
                System.err.flush();
                Runtime.getRuntime().halt(exitCode);
            }).start();
        }

        installSignalHandlers(ignoreTerm);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (LOCK) {
                stopping = true;
                if (server != null) {
                    server.stop(0);
                }
            }
            sleepQuietly(shutdownDelay);
            log("session-server: exited pid=" + PID);
        }, "shutdown-hook"));

        if (spawnChild) {
            spawnChild(childPidFile);
        }
        sleepQuietly(startupDelay);

        // A cached pool when handlers hang forever, so hung requests never starve anything.
        ExecutorService executor = healthHang
                ? Executors.newCachedThreadPool(r -> daemon("http-worker", r))
                : Executors.newFixedThreadPool(2, r -> daemon("http-worker", r));
        IOException bindError = null;
        synchronized (LOCK) { // the shutdown hook takes LOCK too, so never call System.exit in here
            if (stopping) {
                return; // a signal arrived during startup; the shutdown hook is running
            }
            try {
                server = HttpServer.create(address, 0);
                server.createContext("/", exchange -> handle(exchange, healthStatus, healthHang));
                server.setExecutor(executor);
                server.start();
                log("session-server: listening on " + host + ":" + server.getAddress().getPort() + " pid=" + PID);
            } catch (IOException e) {
                bindError = e;
            }
        }
        if (bindError != null) {
            System.err.println("session-server: cannot listen on " + host + ":" + port + ": " + bindError);
            System.exit(1);
        }
        if (logEvery > 0) {
            daemon("steady-writer", () -> {
                for (long n = 1; ; n++) {
                    log("session-server: tick " + n + " pid=" + PID); // PrintStream swallows write errors
                    sleepQuietly(logEvery);
                }
            }).start();
        }
        if (flood) {
            daemon("flood-writer", SessionServer::flood).start();
        }
        if (closeOutput) {
            log("session-server: closing stdout and stderr");
            System.out.close();
            System.err.close();
        }
    }

    /** Writes numbered lines to descriptor 1 as fast as it can, forever; after a failed write it pauses 1 ms. */
    private static void flood() {
        java.io.FileOutputStream out = new java.io.FileOutputStream(java.io.FileDescriptor.out);
        StringBuilder chunk = new StringBuilder(1 << 16);
        for (long n = 1; ; n++) {
            chunk.setLength(0);
            for (int i = 0; i < 512; i++) {
                chunk.append("session-server: flood line ").append(n).append('.').append(i).append(" pid=")
                        .append(PID).append('\n');
            }
            try {
                out.write(chunk.toString().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                sleepQuietly(1);
            }
        }
    }

    private static void handle(HttpExchange exchange, int healthStatus, boolean hang) throws IOException {
        try {
            if (!"/api/health".equals(exchange.getRequestURI().getPath())) {
                respond(exchange, 404, "{\"error\":\"not found\"}");
            } else if (!"GET".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "{\"error\":\"method not allowed\"}");
            } else if (hang) {
                sleepQuietly(Long.MAX_VALUE); // accept the request, never answer
            } else {
                long uptime = System.currentTimeMillis() - START_MS;
                String status = healthStatus < 400 ? "ok" : "unhealthy";
                respond(exchange, healthStatus, String.format(
                        "{\"status\":\"%s\",\"pid\":%d,\"uptimeMs\":%d}", status, PID, uptime));
            }
        } finally {
            exchange.close();
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * Prints a line for SIGTERM/SIGINT, then exits like the JVM would (128+signal, runs hooks). SIGHUP (what an
     * operator sends to make a server reload) is logged and the server keeps running: it has nothing to reload.
     */
    private static void installSignalHandlers(boolean ignoreTerm) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"),
                    sig -> log("session-server: received SIGHUP (nothing to reload), still running pid=" + PID));
        } catch (Throwable t) { // e.g. the host ignores SIGHUP (nohup): the JVM refuses to handle it
            System.err.println("session-server: warning: cannot handle SIGHUP: " + t);
        }
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                if (ignoreTerm && name.equals("TERM")) {
                    sun.misc.Signal.handle(new sun.misc.Signal(name),
                            sig -> log("session-server: ignoring SIGTERM"));
                } else {
                    sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                        log("session-server: received SIG" + sig.getName() + ", shutting down");
                        System.exit(128 + sig.getNumber());
                    });
                }
            } catch (Throwable t) { // e.g. signal reserved by the VM or OS, or API missing
                System.err.println("session-server: warning: cannot handle SIG" + name + ": " + t);
            }
        }
    }

    private static void spawnChild(String pidFile) throws IOException {
        Process child = new ProcessBuilder("sleep", "3600")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        log("session-server: child pid=" + child.pid());
        if (pidFile != null) {
            try {
                Path target = Paths.get(pidFile).toAbsolutePath();
                Path tmp = target.resolveSibling(target.getFileName() + ".tmp." + PID);
                Files.write(tmp, Long.toString(child.pid()).getBytes(StandardCharsets.UTF_8));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                System.err.println("session-server: warning: cannot write SESSION_SERVER_CHILD_PID_FILE="
                        + pidFile + ": " + e);
            }
        }
    }

    private static String env(String name, String def) {
        String value = System.getenv(name);
        return value == null || value.trim().isEmpty() ? def : value.trim();
    }

    private static long envLong(String name, long def, long min, long max) {
        String value = env(name, null);
        if (value == null) {
            return def;
        }
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        String range = max == Long.MAX_VALUE ? ">= " + min : min + ".." + max;
        fail(name, value, "an integer " + range);
        return def; // unreachable
    }

    private static boolean envBool(String name) {
        String value = env(name, "false").toLowerCase();
        if (value.equals("true") || value.equals("yes") || value.equals("1")) {
            return true;
        }
        if (!value.equals("false") && !value.equals("no") && !value.equals("0")) {
            fail(name, System.getenv(name), "true or false");
        }
        return false;
    }

    private static void fail(String name, String value, String expected) {
        System.err.println("session-server: invalid " + name + "='" + value + "' (expected " + expected + ")");
        System.exit(2);
    }

    private static Thread daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void log(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
