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
 * One {@code GET} of the health URL with a short timeout, the same check as the TypeScript tool's
 * {@code healthCheck()}: healthy means a 2xx answer. Never uses a proxy (a host's {@code http.proxyHost} must not
 * reroute a loopback check) and never keeps the connection. Stateless and thread-safe.
 *
 * <p>For {@code http} URLs the request is written on a plain socket and only the status line is parsed: a monitor
 * checking a hundred servers every second must cost next to nothing, and {@link HttpURLConnection} costs several
 * times more per call. The whole check (connect, request, answer) is bounded by the timeout. {@code https} URLs go
 * through {@link HttpURLConnection} (connect and read each bounded by the timeout).
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

    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final URI url;
    private final int timeoutMillis;
    private final boolean plainHttp;
    private final String host;
    private final int port;
    private final byte[] request;

    public HealthCheck(URI url, Duration timeout) {
        this.url = url;
        this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        this.plainHttp = "http".equalsIgnoreCase(url.getScheme());
        String h = url.getHost();
        this.host = h != null && h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        this.port = url.getPort() >= 0 ? url.getPort() : 80;
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + url.getRawAuthority()
                + "\r\nUser-Agent: session-server-manager\r\nAccept: */*\r\nConnection: close\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    public URI url() {
        return url;
    }

    /** Checks now. Never throws; an interrupted caller gets {@link Outcome#FAILED} with its flag still set. */
    public Outcome check() {
        return plainHttp ? checkOnSocket() : checkWithUrlConnection();
    }

    private Outcome checkOnSocket() {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.getByName(host);
        } catch (java.net.UnknownHostException | SecurityException e) {
            return Outcome.FAILED;
        }
        try (java.net.Socket socket = new java.net.Socket(Proxy.NO_PROXY)) {
            socket.connect(new java.net.InetSocketAddress(address, port), timeoutMillis);
            socket.setTcpNoDelay(true);
            socket.getOutputStream().write(request);
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[1024];
            int len = 0;
            int status = -1;
            int total = 0;
            while (true) {
                int remaining = (int) java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return status >= 0 ? verdict(status) : Outcome.TIMEOUT;
                }
                socket.setSoTimeout(remaining);
                int n = status >= 0 ? in.read(buf, 0, buf.length) : in.read(buf, len, buf.length - len);
                if (n < 0) {
                    return status >= 0 ? verdict(status) : Outcome.FAILED;
                }
                total += n;
                if (status < 0) {
                    len += n;
                    status = statusCode(buf, len);
                    if (status == -2 || (status < 0 && len == buf.length)) {
                        return Outcome.FAILED; // not HTTP
                    }
                }
                if (status >= 0 && total >= MAX_ANSWER_BYTES) {
                    return verdict(status); // read enough; closing early is fine
                }
            }
        } catch (SocketTimeoutException e) {
            return Outcome.TIMEOUT;
        } catch (ConnectException e) {
            return e.getMessage() != null && e.getMessage().toLowerCase().contains("timed out") ? Outcome.TIMEOUT
                    : Outcome.REFUSED;
        } catch (IOException | RuntimeException e) {
            return Outcome.FAILED;
        }
    }

    private static Outcome verdict(int status) {
        return status >= 200 && status < 300 ? Outcome.UP : Outcome.ERROR_STATUS;
    }

    /** The status code of a complete status line in {@code buf[0..len)}; -1 if incomplete, -2 if not HTTP. */
    static int statusCode(byte[] buf, int len) {
        int eol = -1;
        for (int i = 0; i < len; i++) {
            if (buf[i] == '\n') {
                eol = i;
                break;
            }
        }
        if (eol < 0) {
            return -1;
        }
        String line = new String(buf, 0, eol, java.nio.charset.StandardCharsets.ISO_8859_1).trim();
        if (!line.startsWith("HTTP/") || line.length() < 12 || line.charAt(8) != ' ') {
            return -2;
        }
        try {
            int code = Integer.parseInt(line.substring(9, 12));
            return code >= 100 && code <= 999 ? code : -2;
        } catch (NumberFormatException e) {
            return -2;
        }
    }

    private Outcome checkWithUrlConnection() {
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
