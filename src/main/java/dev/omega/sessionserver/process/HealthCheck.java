package dev.omega.sessionserver.process;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One health check with a short timeout. What it does depends on the configured target ({@link Kind}):
 * <ul>
 * <li>{@code http://...}: one {@code GET}, the same check as the TypeScript tool's {@code healthCheck()}: healthy
 * means a 2xx answer. The request is written on a plain socket and only the status line is parsed: a monitor checking
 * a hundred servers every second must cost next to nothing.</li>
 * <li>{@code https://...}: the same {@code GET} over TLS, with the JDK's default trust store (the
 * {@code javax.net.ssl.trustStore} properties apply) and hostname verification on ({@code HTTPS} endpoint
 * identification, whatever default {@code HostnameVerifier} the host set); there is no trust-all. A certificate the
 * trust store does not accept, or a name it does not cover, is {@link Outcome#FAILED}.</li>
 * <li>{@code tcp://host:port}: healthy means a TCP connection is accepted within the timeout (for servers without an
 * HTTP health endpoint); nothing is written.</li>
 * <li>{@code none}: healthy means the managed process is alive (the liveness given to the constructor); no network
 * at all.</li>
 * <li>{@code exec:<program> [args...]}: healthy means the program exits 0 within the timeout (see
 * {@link ExecHealthCheck}); while the managed process is not alive, {@link Outcome#REFUSED} without running it.</li>
 * </ul>
 * Never uses a proxy (a host's {@code http.proxyHost} must not reroute a loopback check) and never keeps the
 * connection. The whole check (connect, handshake, request, answer) is bounded by the timeout. Stateless and
 * thread-safe.
 */
public final class HealthCheck {

    /** The kinds of health check, by the target's scheme. */
    public enum Kind {
        /** {@code http://}: a GET, 2xx is healthy. */
        HTTP(true),
        /** {@code https://}: a GET over verified TLS, 2xx is healthy. */
        HTTPS(true),
        /** {@code tcp://host:port}: an accepted connection is healthy. */
        TCP(true),
        /** {@code none}: the process being alive is healthy. */
        NONE(false),
        /** {@code exec:<program> [args...]}: the program exiting 0 is healthy. */
        EXEC(false);

        private final boolean probesAnEndpoint;

        Kind(boolean probesAnEndpoint) {
            this.probesAnEndpoint = probesAnEndpoint;
        }

        /**
         * Whether this check asks a network endpoint, which a server this manager did not start could be serving
         * (so a start looks there first); false for {@code none} and {@code exec:}.
         */
        public boolean probesAnEndpoint() {
            return probesAnEndpoint;
        }
    }

    /** The scheme of {@link Kind#EXEC} targets. */
    public static final String EXEC_SCHEME = "exec";

    /** The kind of check a target names: by its scheme; {@code none} (no scheme) for {@link Kind#NONE}. */
    public static Kind kindOf(URI target) {
        String scheme = target.getScheme();
        if (scheme == null) {
            return Kind.NONE;
        }
        switch (scheme.toLowerCase(java.util.Locale.ROOT)) {
            case "https":
                return Kind.HTTPS;
            case "tcp":
                return Kind.TCP;
            case EXEC_SCHEME:
                return Kind.EXEC;
            default:
                return Kind.HTTP;
        }
    }

    /** What one check found. */
    public enum Outcome {
        /** A 2xx answer ({@code tcp}: a connection accepted; {@code none}: the process is alive). */
        UP,
        /** An HTTP answer that is not 2xx: something serves the port, but it is not healthy. */
        ERROR_STATUS,
        /** Nothing listens on the port ({@code none}: the process is not alive). */
        REFUSED,
        /** The connection or the answer took longer than the timeout: something may hold the port and hang. */
        TIMEOUT,
        /** Any other failure (unknown host, reset, bad answer, a TLS handshake or certificate refused). */
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
    private final Kind kind;
    private final String host;
    private final int port;
    private final byte[] request;
    private final BooleanSupplier processAlive;
    private final SSLSocketFactory tls; // null: the JDK's default, looked up at each https check
    private final ExecHealthCheck exec; // null: not an exec: check (one without it is never healthy)

    /**
     * The target as configured: {@code exec:} with its command as written (spaces, not {@code %20}); any other kind
     * its URI's text.
     */
    public static String text(URI target) {
        return kindOf(target) == Kind.EXEC ? EXEC_SCHEME + ":" + target.getSchemeSpecificPart() : target.toString();
    }

    /** The check of {@code options}' target: its URL, timeout, and for {@code exec:} its environment and directory. */
    static HealthCheck of(ProcessManagerOptions options, BooleanSupplier processAlive) {
        URI url = options.healthCheckUrl();
        ExecHealthCheck exec = kindOf(url) == Kind.EXEC ? new ExecHealthCheck(url.getSchemeSpecificPart(), options)
                : null;
        return new HealthCheck(url, options.healthCheckTimeout(), processAlive, null, exec);
    }

    /** A check of an {@code http}, {@code https} or {@code tcp} target; {@code none} is then never healthy. */
    public HealthCheck(URI url, Duration timeout) {
        this(url, timeout, () -> false);
    }

    /**
     * A check of {@code url}; for {@code none}, healthy is what {@code processAlive} says (called once per check, on
     * the checking thread).
     */
    public HealthCheck(URI url, Duration timeout, BooleanSupplier processAlive) {
        this(url, timeout, processAlive, null);
    }

    /** A test seam: {@code https} checks use {@code tls} (e.g. trusting a test's certificate) instead of the JDK's. */
    HealthCheck(URI url, Duration timeout, BooleanSupplier processAlive, SSLSocketFactory tls) {
        this(url, timeout, processAlive, tls, null);
    }

    private HealthCheck(URI url, Duration timeout, BooleanSupplier processAlive, SSLSocketFactory tls,
            ExecHealthCheck exec) {
        this.exec = exec;
        this.url = url;
        this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        this.kind = kindOf(url);
        this.processAlive = processAlive;
        this.tls = tls;
        String h = url.getHost();
        this.host = h != null && h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        this.port = url.getPort() >= 0 ? url.getPort() : kind == Kind.HTTPS ? 443 : 80;
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

    /**
     * Why the last {@code exec:} check could not run its program (missing, not executable), for {@code LastError};
     * {@code ""} when it ran, and for the other kinds. No I/O.
     */
    public String problem() {
        return exec == null ? "" : exec.problem();
    }

    /** What this check does. */
    public Kind kind() {
        return kind;
    }

    /**
     * Checks now. Never throws; an interrupted caller gets {@link Outcome#FAILED} with its flag still set. For
     * {@code none}: {@link Outcome#UP} when the process is alive, else {@link Outcome#REFUSED}.
     */
    public Outcome check() {
        switch (kind) {
            case NONE:
                try {
                    return processAlive.getAsBoolean() ? Outcome.UP : Outcome.REFUSED;
                } catch (RuntimeException e) {
                    return Outcome.FAILED;
                }
            case TCP:
                return checkConnect();
            case EXEC:
                try {
                    return exec != null && processAlive.getAsBoolean() ? exec.check() : Outcome.REFUSED;
                } catch (RuntimeException e) {
                    return Outcome.FAILED;
                }
            default:
                return checkOnSocket(kind == Kind.HTTPS);
        }
    }

    private Outcome checkConnect() {
        try (java.net.Socket socket = connect()) {
            return Outcome.UP;
        } catch (IOException | RuntimeException e) {
            return outcomeOf(e);
        }
    }

    /**
     * A socket connected to the target's host and port, without any proxy, within the check's timeout; the caller
     * closes it.
     *
     * @throws java.net.UnknownHostException when the host cannot be resolved
     * @throws IOException when the connection fails or times out (nothing is left open)
     */
    private java.net.Socket connect() throws IOException {
        java.net.InetAddress address = java.net.InetAddress.getByName(host);
        java.net.Socket socket = new java.net.Socket(Proxy.NO_PROXY);
        try {
            socket.connect(new java.net.InetSocketAddress(address, port), timeoutMillis);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * The outcome of a check that failed with {@code e}: {@link Outcome#TIMEOUT} for a timeout (a read's, or a
     * connect the system reports as timed out), {@link Outcome#REFUSED} for another refused connect,
     * {@link Outcome#FAILED} for anything else (an unknown host, a failed TLS handshake, a broken exchange).
     */
    private static Outcome outcomeOf(Exception e) {
        if (e instanceof SocketTimeoutException) {
            return Outcome.TIMEOUT;
        }
        if (e instanceof ConnectException) {
            return e.getMessage() != null && e.getMessage().toLowerCase().contains("timed out") ? Outcome.TIMEOUT
                    : Outcome.REFUSED;
        }
        return Outcome.FAILED;
    }

    private Outcome checkOnSocket(boolean overTls) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try (java.net.Socket socket = connect()) {
            socket.setTcpNoDelay(true);
            java.net.Socket conn = socket;
            if (overTls) {
                int remaining = (int) java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return Outcome.TIMEOUT;
                }
                conn = handshake(socket, remaining);
            }
            conn.getOutputStream().write(request);
            InputStream in = conn.getInputStream();
            byte[] buf = new byte[1024];
            int len = 0;
            int status = -1;
            int total = 0;
            while (true) {
                int remaining = (int) java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remaining <= 0) {
                    return status >= 0 ? verdict(status) : Outcome.TIMEOUT;
                }
                conn.setSoTimeout(remaining);
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
        } catch (IOException | RuntimeException e) {
            return outcomeOf(e);
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

    /** TLS over the connected socket, verified: the trust store's certificates and the URL's host name. */
    private java.net.Socket handshake(java.net.Socket socket, int timeoutMillis) throws IOException {
        SSLSocketFactory factory = tls;
        if (factory == null) {
            try {
                factory = SSLContext.getDefault().getSocketFactory();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("no default TLS context: " + e.getMessage(), e);
            }
        }
        SSLSocket ssl = (SSLSocket) factory.createSocket(socket, host, port, true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(params);
        ssl.setSoTimeout(timeoutMillis);
        ssl.startHandshake();
        return ssl;
    }
}
