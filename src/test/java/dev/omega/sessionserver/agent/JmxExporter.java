package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The real Prometheus jmx_exporter agent in the end-to-end tests (a helper, not a test): where its jar is, the
 * {@code -javaagent} flag that loads it on 127.0.0.1 with the shipped {@code examples/prometheus/jmx_exporter.yaml},
 * and a scrape of {@code /metrics} parsed from the Prometheus text format into samples. Immutable; thread-safe.
 */
final class JmxExporter {

    /** The agent jar the build copies ({@code io.prometheus.jmx:jmx_prometheus_javaagent:1.0.1}). */
    static final Path EXPORTER_JAR = Paths
            .get(System.getProperty("sessionserver.jmx.exporter.jar",
                    "target/jmx_exporter/jmx_prometheus_javaagent-1.0.1.jar"))
            .toAbsolutePath().normalize();
    /** The rules the examples ship, used as they are. */
    static final Path CONFIG = AgentTestHosts.EXAMPLES.resolve("prometheus/jmx_exporter.yaml");

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI url;

    JmxExporter(int port) {
        this.url = URI.create("http://127.0.0.1:" + port + "/metrics");
    }

    /** {@code -javaagent:<exporter jar>=127.0.0.1:<port>:<CONFIG>}: the agent line of the README. */
    static String agentFlag(int port) {
        return "-javaagent:" + EXPORTER_JAR + "=127.0.0.1:" + port + ":" + CONFIG;
    }

    /** One line of the exposition: a metric name, its labels (sorted by name) and its value. */
    static final class Sample {
        final String name;
        final Map<String, String> labels;
        final double value;

        Sample(String name, Map<String, String> labels, double value) {
            this.name = name;
            this.labels = Collections.unmodifiableMap(new TreeMap<>(labels));
            this.value = value;
        }

        @Override
        public String toString() {
            return name + labels + " " + value;
        }
    }

    /** What one scrape returned: the body as sent and its samples. */
    static final class Scrape {
        final String body;
        final List<Sample> samples;

        Scrape(String body, List<Sample> samples) {
            this.body = body;
            this.samples = samples;
        }

        /** The value of series {@code name} with exactly {@code labels}, or null when there is none. */
        Double value(String name, Map<String, String> labels) {
            for (Sample s : samples) {
                if (s.name.equals(name) && s.labels.equals(new TreeMap<>(labels))) {
                    return s.value;
                }
            }
            return null;
        }

        /** Whether series {@code name}{{@code labels}} is there with value {@code expected}. */
        boolean is(String name, Map<String, String> labels, double expected) {
            Double v = value(name, labels);
            return v != null && Double.compare(v, expected) == 0;
        }

        /** The samples whose name starts with {@code prefix}, as {@code name{labels} value} lines. */
        List<Sample> withPrefix(String prefix) {
            return samples.stream().filter(s -> s.name.startsWith(prefix)).collect(Collectors.toList());
        }

        /** The body's lines that start with {@code prefix} (samples and comments alike), for a report. */
        String lines(String prefix) {
            return body.lines().filter(l -> l.startsWith(prefix)).collect(Collectors.joining("\n"));
        }

        @Override
        public String toString() {
            return body;
        }
    }

    /** GETs {@code /metrics} and parses it; fails on anything but HTTP 200. */
    Scrape scrape() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + url + ": HTTP " + response.statusCode() + "\n" + response.body());
        }
        return new Scrape(response.body(), parse(response.body()));
    }

    /**
     * The samples of a Prometheus text exposition (version 0.0.4): {@code name{label="value",...} value} per line;
     * comments and blank lines skipped; no timestamps (jmx_exporter writes none).
     */
    static List<Sample> parse(String body) {
        List<Sample> samples = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            String rest;
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            if (brace >= 0 && (space < 0 || brace < space)) {
                name = line.substring(0, brace);
                int i = brace + 1;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq).trim();
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2; // past ="
                    while (line.charAt(j) != '"') {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char next = line.charAt(++j);
                            value.append(next == 'n' ? '\n' : next);
                        } else {
                            value.append(c);
                        }
                        j++;
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                rest = line.substring(i + 1).trim();
            } else {
                name = line.substring(0, space);
                rest = line.substring(space + 1).trim();
            }
            samples.add(new Sample(name, labels, parseValue(rest.split(" ")[0])));
        }
        return samples;
    }

    private static double parseValue(String v) {
        switch (Objects.requireNonNull(v)) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                return Double.parseDouble(v);
        }
    }
}
