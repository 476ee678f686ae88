package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.sun.net.httpserver.HttpServer;

import dev.omega.sessionserver.testing.FreePort;

/** One health check against small loopback servers made in the test: each outcome, and the timeout bound. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HealthCheckTest {

    private HttpServer http;
    private ServerSocket raw;

    @AfterEach
    void close() throws IOException {
        if (http != null) {
            http.stop(0);
        }
        if (raw != null) {
            raw.close();
        }
    }

    private int serve(int status, String body) throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicReference<String> seen = new AtomicReference<>();
        http.createContext("/", ex -> {
            seen.set(ex.getRequestURI().toString());
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        http.start();
        return http.getAddress().getPort();
    }

    private static HealthCheck check(int port, String path, long timeoutMillis) {
        return new HealthCheck(URI.create("http://127.0.0.1:" + port + path), Duration.ofMillis(timeoutMillis));
    }

    @Test
    void twoHundredIsUp() throws IOException {
        assertEquals(HealthCheck.Outcome.UP, check(serve(200, "{\"status\":\"ok\"}"), "/api/health", 2000).check());
    }

    @Test
    void anyTwoXxIsUpAndALargeBodyIsFine() throws IOException {
        assertEquals(HealthCheck.Outcome.UP, check(serve(204, ""), "/api/health", 2000).check());
        close();
        assertEquals(HealthCheck.Outcome.UP, check(serve(200, "x".repeat(200_000)), "/api/health", 2000).check());
    }

    @Test
    void nonTwoXxAnswerIsErrorStatusAndServesThePort() throws IOException {
        HealthCheck.Outcome o = check(serve(503, "unhealthy"), "/api/health", 2000).check();
        assertEquals(HealthCheck.Outcome.ERROR_STATUS, o);
        assertTrue(o.portServed());
        assertEquals("down", o.tag());
    }

    @Test
    void nothingListeningIsRefused() {
        HealthCheck.Outcome o = check(FreePort.find(), "/api/health", 2000).check();
        assertEquals(HealthCheck.Outcome.REFUSED, o);
        assertEquals("down", o.tag());
    }

    @Test
    void aServerThatAcceptsButNeverAnswersTimesOutWithinTheTimeout() throws IOException {
        raw = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        long t0 = System.nanoTime();
        HealthCheck.Outcome o = check(raw.getLocalPort(), "/api/health", 300).check();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(HealthCheck.Outcome.TIMEOUT, o);
        assertEquals("timeout", o.tag());
        assertTrue(tookMs >= 250, "returned before the timeout: " + tookMs + " ms");
    }

    @Test
    void somethingThatIsNotHttpFails() throws Exception {
        raw = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = raw.accept()) {
                s.getOutputStream().write("SSH-2.0-OpenSSH\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // closed by the test
            }
        });
        t.setDaemon(true);
        t.start();
        assertEquals(HealthCheck.Outcome.FAILED, check(raw.getLocalPort(), "/api/health", 2000).check());
    }

    @Test
    void statusLineParsing() {
        assertEquals(200, HealthCheck.statusCode("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII), 17));
        assertEquals(-1, HealthCheck.statusCode("HTTP/1.1 20".getBytes(StandardCharsets.US_ASCII), 11));
        assertEquals(-2, HealthCheck.statusCode("hello\n".getBytes(StandardCharsets.US_ASCII), 6));
    }

    @Test
    void unknownHostFails() {
        HealthCheck c = new HealthCheck(URI.create("http://no-such-host.invalid:1/api/health"), Duration.ofMillis(500));
        assertEquals(HealthCheck.Outcome.FAILED, c.check());
    }
}
