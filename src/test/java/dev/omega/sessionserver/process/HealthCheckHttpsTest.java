package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * {@code https://} health checks against a server with a self-signed certificate (made by {@code keytool}): the
 * JDK's default trust store refuses it (no trust-all), a trust store holding it accepts it, and a trusted
 * certificate for another host name is still refused (hostname verification on).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthCheckHttpsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dir;
    private HttpsServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** A PKCS12 key store with a self-signed EC certificate whose names are {@code san}. */
    private KeyStore selfSigned(String name, String san) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Path keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=" + name, "-ext", "san=" + san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", new String(PASSWORD),
                "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    /** Serves {@code GET /api/health} with 200 over TLS with this key store's key; returns the port. */
    private int serve(KeyStore keys) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.createContext("/api/health", exchange -> {
            byte[] body = "{\"status\":\"ok\"}".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    /** Trusts exactly the certificate of {@code keys}. */
    private static SSLSocketFactory trusting(KeyStore keys) throws Exception {
        Certificate cert = keys.getCertificate("server");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    private static HealthCheck check(String url, SSLSocketFactory tls) {
        return new HealthCheck(URI.create(url), Duration.ofSeconds(5), () -> false, tls);
    }

    @Test
    void selfSignedIsRefusedByTheDefaultTrustStoreAndAcceptedWhenTrusted() throws Exception {
        KeyStore keys = selfSigned("localhost", "ip:127.0.0.1,dns:localhost");
        int port = serve(keys);
        String url = "https://127.0.0.1:" + port + "/api/health";

        assertEquals(HealthCheck.Kind.HTTPS, check(url, null).kind());
        assertEquals(HealthCheck.Outcome.FAILED, check(url, null).check(), "the JDK's trust store: a TLS failure");
        assertEquals(HealthCheck.Outcome.UP, check(url, trusting(keys)).check());
        assertEquals(HealthCheck.Outcome.UP,
                check("https://localhost:" + port + "/api/health", trusting(keys)).check(), "by its DNS name");
        assertEquals(HealthCheck.Outcome.ERROR_STATUS,
                check("https://127.0.0.1:" + port + "/missing", trusting(keys)).check(), "404 over TLS");
    }

    @Test
    void aTrustedCertificateForAnotherHostIsRefused() throws Exception {
        KeyStore keys = selfSigned("elsewhere", "dns:elsewhere.invalid");
        int port = serve(keys);

        assertEquals(HealthCheck.Outcome.FAILED,
                check("https://127.0.0.1:" + port + "/api/health", trusting(keys)).check(),
                "hostname verification: 127.0.0.1 is not in the certificate");
    }

    @Test
    void nothingListeningIsRefused() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertEquals(HealthCheck.Outcome.REFUSED, check("https://127.0.0.1:" + port + "/", null).check());
    }
}
