package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.omega.sessionserver.testing.Json;

/**
 * The real Jolokia JVM agent in the end-to-end tests (a helper, not a test): where its jar is, the {@code -javaagent}
 * flag that loads it on 127.0.0.1, and an HTTP client speaking Jolokia's protocol the way {@code curl} does in
 * {@code examples/jolokia/}: one POST of a JSON body to {@code http://127.0.0.1:<port>/jolokia/}, with or without HTTP
 * Basic credentials. Immutable; thread-safe.
 */
final class JolokiaClient {

    /** The agent jar the build copies ({@code org.jolokia:jolokia-agent-jvm:2.6.0:jar:javaagent}). */
    static final Path JOLOKIA_JAR = Paths
            .get(System.getProperty("sessionserver.jolokia.jar", "target/jolokia/jolokia-agent-jvm-2.6.0-javaagent.jar"))
            .toAbsolutePath().normalize();
    /** The access policy the examples ship, used as it is. */
    static final Path POLICY = AgentTestHosts.EXAMPLES.resolve("jolokia/jolokia-access.xml");

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI url;
    private final String authorization; // null: no credentials

    private JolokiaClient(URI url, String authorization) {
        this.url = url;
        this.authorization = authorization;
    }

    /**
     * {@code -javaagent:<jolokia jar>=host=127.0.0.1,port=<port>,policyLocation=<POLICY as file URL>,user=..,password=..}:
     * the agent line of {@code examples/jolokia/README.md} with this test's port and credentials.
     */
    static String agentFlag(int port, String user, String password) {
        return agentFlag(port, user, password, POLICY);
    }

    /** The same with another policy file (e.g. the shipped one as an operator edited it). */
    static String agentFlag(int port, String user, String password, Path policy) {
        return "-javaagent:" + JOLOKIA_JAR + "=host=127.0.0.1,port=" + port + ",policyLocation="
                + policy.toAbsolutePath().toUri() + ",user=" + user + ",password=" + password;
    }

    /** A client for the agent on 127.0.0.1:{@code port} that sends these credentials. */
    static JolokiaClient withCredentials(int port, String user, String password) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new JolokiaClient(endpoint(port), "Basic " + token);
    }

    /** A client for the agent on 127.0.0.1:{@code port} that sends no credentials. */
    static JolokiaClient anonymous(int port) {
        return new JolokiaClient(endpoint(port), null);
    }

    private static URI endpoint(int port) {
        return URI.create("http://127.0.0.1:" + port + "/jolokia/");
    }

    /** What the agent answered: the HTTP status, the headers and the body as sent. */
    static final class Exchange {
        final String request;
        final int httpStatus;
        final HttpResponse<String> response;

        Exchange(String request, HttpResponse<String> response) {
            this.request = request;
            this.httpStatus = response.statusCode();
            this.response = response;
        }

        String body() {
            return response.body();
        }

        /** The body as one Jolokia response object (fails, with the exchange, when it is not one). */
        Map<String, Object> json() {
            assertEquals(200, httpStatus, this::toString);
            return Json.parseObject(body());
        }

        @Override
        public String toString() {
            return "POST " + request + "\n-> HTTP " + httpStatus + " " + response.headers().map() + "\n" + body();
        }
    }

    /** POSTs {@code json} (a Jolokia request, or an array of them for a bulk request). */
    Exchange post(String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString(json)), json, Map.of());
    }

    /** POSTs {@code json} with extra request headers (e.g. {@code Origin}). */
    Exchange post(String json, Map<String, String> headers) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString(json)), json, headers);
    }

    /** A GET of {@code path} below the agent's URL (Jolokia's URL form, e.g. {@code read/<mbean>/<attribute>}). */
    Exchange get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(url.resolve(path)).GET(), "(GET " + path + ")", Map.of());
    }

    private Exchange send(HttpRequest.Builder b, String shown, Map<String, String> headers)
            throws IOException, InterruptedException {
        b.timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        headers.forEach(b::header);
        return new Exchange(shown, http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
    }

    // ------------------------------------------------------------------ the protocol's request bodies

    /** {@code {"type":"read","mbean":..,"attribute":..}}. */
    static String read(String mbean, String attribute) {
        return "{\"type\":\"read\",\"mbean\":" + Json.quote(mbean) + ",\"attribute\":" + Json.quote(attribute) + "}";
    }

    /** {@code {"type":"read","mbean":..,"attribute":[..]}}: several attributes in one request. */
    static String read(String mbean, List<String> attributes) {
        StringBuilder a = new StringBuilder("[");
        for (String s : attributes) {
            a.append(a.length() > 1 ? "," : "").append(Json.quote(s));
        }
        return "{\"type\":\"read\",\"mbean\":" + Json.quote(mbean) + ",\"attribute\":" + a + "]}";
    }

    /** {@code {"type":"write","mbean":..,"attribute":..,"value":<json value>}}. */
    static String write(String mbean, String attribute, String jsonValue) {
        return "{\"type\":\"write\",\"mbean\":" + Json.quote(mbean) + ",\"attribute\":" + Json.quote(attribute)
                + ",\"value\":" + jsonValue + "}";
    }

    /** {@code {"type":"exec","mbean":..,"operation":..}} (no arguments). */
    static String exec(String mbean, String operation) {
        return "{\"type\":\"exec\",\"mbean\":" + Json.quote(mbean) + ",\"operation\":" + Json.quote(operation) + "}";
    }

    /** {@code {"type":"exec","mbean":..,"operation":..,"arguments":[..]}}: each argument a JSON value. */
    static String exec(String mbean, String operation, String... jsonArguments) {
        return "{\"type\":\"exec\",\"mbean\":" + Json.quote(mbean) + ",\"operation\":" + Json.quote(operation)
                + ",\"arguments\":[" + String.join(",", jsonArguments) + "]}";
    }
}
