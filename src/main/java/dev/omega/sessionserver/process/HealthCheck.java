package dev.omega.sessionserver.process;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;

/**
 * One {@code GET} of the health URL with a short timeout, as the seed's {@code healthCheck()}: healthy means a
 * 2xx answer. Never uses a proxy (a host's {@code http.proxyHost} must not reroute a loopback check) and never
 * keeps the connection. Stateless and thread-safe; each call blocks at most about twice the timeout (connect,
 * then read).
 */
public final class HealthCheck {

    /** What one check found. */
    public enum Outcome {
        /** A 2xx answer. */
        UP,
        /** An HTTP answer that is not 2xx: something serves the port, but it is not healthy. */
        ERROR_STATUS,
        /** Nothing listens on the port. */
        REFUSED,
        /** The connection or the answer took longer than the timeout: something may hold the port and hang. */
        TIMEOUT,
        /** Any other failure (unknown host, reset, bad answer). */
        FAILED;

        /** Whether something answered or held the connection: the port is served by some process. */
        public boolean portServed() {
            return this == UP || this == ERROR_STATUS || this == TIMEOUT;
        }

        /** The metric tag value: {@code up}, {@code timeout} or {@code down}. */
        public String tag() {
            return this == UP ? "up" : this == TIMEOUT ? "timeout" : "down";
        }
    }

    private final URI url;
    private final int timeoutMillis;

    public HealthCheck(URI url, Duration timeout) {
        this.url = url;
        this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    public URI url() {
        return url;
    }

    /** Checks now. Never throws; an interrupted caller gets {@link Outcome#FAILED} with its flag still set. */
    public Outcome check() {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) url.toURL().openConnection(Proxy.NO_PROXY);
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(timeoutMillis);
            c.setUseCaches(false);
            c.setInstanceFollowRedirects(false);
            c.setRequestProperty("Connection", "close");
            c.setRequestProperty("User-Agent", "session-server-manager");
            int status = c.getResponseCode();
            drain(c);
            return status >= 200 && status < 300 ? Outcome.UP : Outcome.ERROR_STATUS;
        } catch (SocketTimeoutException e) {
            return Outcome.TIMEOUT;
        } catch (ConnectException e) {
            return e.getMessage() != null && e.getMessage().toLowerCase().contains("timed out") ? Outcome.TIMEOUT
                    : Outcome.REFUSED;
        } catch (IOException | RuntimeException e) {
            return Outcome.FAILED;
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    private static void drain(HttpURLConnection c) {
        try (InputStream in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
            if (in != null) {
                byte[] buf = new byte[512];
                int total = 0;
                int n;
                while (total < 65536 && (n = in.read(buf)) > 0) {
                    total += n;
                }
            }
        } catch (IOException e) {
            // the status is what counts
        }
    }
}
