package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.AGENT_JAR;
import static dev.omega.sessionserver.agent.AgentTestHosts.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.agent.JmxExporter.Sample;
import dev.omega.sessionserver.agent.JmxExporter.Scrape;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * Prometheus through the real jmx_exporter agent ({@code io.prometheus.jmx:jmx_prometheus_javaagent:1.0.1}) loaded
 * beside ours in a host JVM, on 127.0.0.1, with the rules {@code examples/prometheus/jmx_exporter.yaml} as shipped.
 * The server is driven over plain JMX (as JConsole would); every check is a scrape of {@code /metrics}, and the
 * series must follow the server: start, crash and automatic restart, stop; one label set per server.
 */
class PrometheusExporterIT {

    /** Every series the shipped rules make of our meters; nothing else of ours may appear. */
    private static final Set<String> OUR_SERIES = Set.of("session_server_up", "session_server_healthy",
            "session_server_uptime_seconds", "session_server_state", "session_server_memory_rss_bytes",
            "session_server_cpu_usage", "session_server_processes", "session_server_open_files",
            "session_server_starts_total", "session_server_stops_total", "session_server_crashes_total",
            "session_server_restarts_total", "session_server_health_check_seconds_count",
            "session_server_health_check_seconds_sum");
    private static final List<String> STATES = List.of("STOPPED", "STARTING", "RUNNING", "UNHEALTHY", "STOPPING",
            "BACKOFF", "FAILED");

    /** Which {@code -javaagent} flag comes first on the host's command line. */
    enum AgentOrder {
        OURS_FIRST, EXPORTER_FIRST
    }

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    /** A host JVM with both agents: its process, the exporter and the JMX port that drives the servers. */
    private static final class Host {
        final Proc proc;
        final JmxExporter exporter;
        final int jmxPort;

        Host(Proc proc, JmxExporter exporter, int jmxPort) {
            this.proc = proc;
            this.exporter = exporter;
            this.jmxPort = jmxPort;
        }
    }

    /**
     * Starts examples/host-app with our agent ({@code ourArgs}) and the exporter (free port, the shipped rules) in
     * {@code order}, and a loopback JMX port; returns once a scrape shows {@code session_server_up} for each of
     * {@code names}.
     */
    private Host startHost(AgentOrder order, String ourArgs, String... names) throws Exception {
        int exporterPort = FreePort.find();
        int jmxPort = FreePort.find();
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(AgentTestHosts.jmxPortFlags(jmxPort));
        String ours = "-javaagent:" + AGENT_JAR + "=" + ourArgs;
        String exporter = JmxExporter.agentFlag(exporterPort);
        argv.addAll(order == AgentOrder.OURS_FIRST ? List.of(ours, exporter) : List.of(exporter, ours));
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc proc = AgentTestHosts.start(reaper, dir, "host", argv);
        proc.awaitOut("host-app: running (pid " + proc.pid() + ")");
        Host host = new Host(proc, new JmxExporter(exporterPort), jmxPort);
        awaitScrape(host, "every server's session_server_up is exported", s -> {
            for (String name : names) {
                if (s.value("session_server_up", Map.of("name", name)) == null) {
                    return false;
                }
            }
            return true;
        });
        return host;
    }

    /** Scrapes until {@code condition} holds (a refused connection while the exporter starts counts as not yet). */
    private static Scrape awaitScrape(Host host, String description, Predicate<Scrape> condition) {
        Scrape[] last = new Scrape[1];
        try {
            Await.until(description, DEADLINE, () -> {
                if (!host.proc.process.isAlive()) {
                    throw new AssertionError("host exited: " + host.proc.describe());
                }
                try {
                    last[0] = host.exporter.scrape();
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
                return condition.test(last[0]);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nlast scrape:\n" + (last[0] == null ? "(none)"
                    : last[0].lines("session_server_")), e);
        }
        return last[0];
    }

    private static Map<String, String> name(String name) {
        return Map.of("name", name);
    }

    private static boolean inState(Scrape s, String name, String state) {
        for (String st : STATES) {
            if (!s.is("session_server_state", Map.of("name", name, "state", st), st.equals(state) ? 1 : 0)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the series is there with a value of at least {@code min} (NaN is not). */
    private static boolean atLeast(Scrape s, String series, Map<String, String> labels, double min) {
        Double v = s.value(series, labels);
        return v != null && v >= min;
    }

    private static double value(Scrape s, String series, Map<String, String> labels) {
        Double v = s.value(series, labels);
        assertTrue(v != null, () -> series + labels + " is exported\n" + s.lines("session_server_"));
        return v;
    }

    /**
     * Our series are exactly {@link #OUR_SERIES}, each with a HELP and a TYPE line, every sample labelled with one of
     * {@code names}; nothing of ours is exported under another name (no {@code metrics_*} bean dump, none of the
     * MBean's own attributes).
     */
    private static void assertOnlyOurSeries(Scrape s, Set<String> names) {
        Set<String> ours = s.samples.stream().map(x -> x.name).filter(n -> n.startsWith("session_server_"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(OUR_SERIES), ours, s::toString);
        List<String> strays = s.samples.stream().map(x -> x.name)
                .filter(n -> n.startsWith("metrics_") || n.toLowerCase(java.util.Locale.ROOT).contains("sessionserver")
                        || n.startsWith("dev_omega"))
                .distinct().collect(Collectors.toList());
        assertEquals(List.of(), strays, "nothing of ours under another name");
        for (String series : OUR_SERIES) {
            assertTrue(s.body.contains("\n# HELP " + series + " "), () -> "HELP for " + series + "\n" + s);
            assertTrue(s.body.contains("\n# TYPE " + series + " "), () -> "TYPE for " + series + "\n" + s);
        }
        assertTrue(s.body.contains("\n# TYPE session_server_starts_total counter\n"), s::toString);
        assertTrue(s.body.contains("\n# TYPE session_server_up gauge\n"), s::toString);
        for (Sample x : s.withPrefix("session_server_")) {
            assertTrue(names.contains(x.labels.get("name")), () -> x + " is labelled with a server's name " + names);
        }
    }

    private static long startOverJmx(MBeanServerConnection c, String name) throws Exception {
        return (Long) c.invoke(bean(name), "start", new Object[0], new String[0]);
    }

    private static void stopOverJmx(MBeanServerConnection c, String name) throws Exception {
        c.invoke(bean(name), "stop", new Object[0], new String[0]);
    }

    private static ObjectName bean(String name) throws Exception {
        return new ObjectName("dev.omega.sessionserver:type=SessionServerManager,name=" + name);
    }

    /**
     * One server under restart=on-failure, in both orders of the two -javaagent flags: stopped (up 0, STOPPED 1);
     * started (up 1, RUNNING 1, starts 1, health checks counted with their time in seconds); SIGKILLed (crashes 1,
     * restarts 1, RUNNING again under a new PID); stopped (up 0, STOPPED 1, stops 1).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(AgentOrder.class)
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void theSeriesFollowTheServerThroughStartCrashRestartAndStop(AgentOrder order) throws Exception {
        int serverPort = FreePort.find();
        Host host = startHost(order, AgentTestHosts.serverArgs(dir, "default", serverPort, AgentTestHosts.serverJar())
                + ",restart=on-failure,restartDelay=200", "default");
        Map<String, String> d = name("default");

        Scrape stopped = awaitScrape(host, "stopped: up 0, STOPPED 1", s -> s.is("session_server_up", d, 0)
                && inState(s, "default", "STOPPED"));
        assertOnlyOurSeries(stopped, Set.of("default"));
        assertEquals(0, value(stopped, "session_server_starts_total", d));
        assertEquals(0, value(stopped, "session_server_healthy", d));
        assertEquals(0, value(stopped, "session_server_uptime_seconds", d));

        try (JMXConnector jmx = AgentTestHosts.awaitBean(host.proc, host.jmxPort, AgentTestHosts.BEAN)) {
            MBeanServerConnection c = jmx.getMBeanServerConnection();

            // start
            long first = startOverJmx(c, "default");
            reaper.track(first);
            assertTrue(Procs.alive(first));
            Scrape running = awaitScrape(host, "started: up 1, RUNNING 1, healthy, a health check counted",
                    s -> s.is("session_server_up", d, 1) && inState(s, "default", "RUNNING")
                            && s.is("session_server_healthy", d, 1)
                            && atLeast(s, "session_server_health_check_seconds_count",
                                    Map.of("name", "default", "outcome", "up"), 1)
                            && atLeast(s, "session_server_memory_rss_bytes", d, 1));
            System.out.println("[prometheus] " + order + ", running:\n" + running.lines("session_server_") + "\n"
                    + running.lines("# HELP session_server_") + "\n" + running.lines("# TYPE session_server_"));
            assertOnlyOurSeries(running, Set.of("default"));
            assertEquals(1, value(running, "session_server_starts_total", d));
            assertEquals(0, value(running, "session_server_crashes_total", d));
            assertEquals(0, value(running, "session_server_restarts_total", d));
            assertEquals(1, value(running, "session_server_processes", d));
            assertTrue(value(running, "session_server_open_files", d) > 0, running::toString);
            assertTrue(value(running, "session_server_uptime_seconds", d) < 120, running::toString);
            Map<String, String> up = Map.of("name", "default", "outcome", "up");
            double checks = value(running, "session_server_health_check_seconds_count", up);
            double seconds = value(running, "session_server_health_check_seconds_sum", up);
            // seconds, not the counter's nanoseconds: each check is well under its 500 ms timeout on loopback
            assertTrue(seconds > 0 && seconds / checks < 2.0, () -> "sum " + seconds + " s over " + checks);
            // (checks while the server was not up yet are "down"; a sum without checks is 0)
            for (String outcome : List.of("down", "timeout")) {
                Map<String, String> labels = Map.of("name", "default", "outcome", outcome);
                double n = value(running, "session_server_health_check_seconds_count", labels);
                double sum = value(running, "session_server_health_check_seconds_sum", labels);
                assertTrue(n == 0 ? sum == 0 : sum >= 0 && sum / n < 2.0, () -> outcome + ": " + sum + " s over " + n);
            }

            // crash (SIGKILL to the server this test started) under restart=on-failure: counted, and restarted
            assertTrue(ProcessHandle.of(first).orElseThrow().destroyForcibly());
            Scrape restarted = awaitScrape(host, "crash counted, restart counted, RUNNING again",
                    s -> s.is("session_server_crashes_total", d, 1) && s.is("session_server_restarts_total", d, 1)
                            && s.is("session_server_up", d, 1) && inState(s, "default", "RUNNING")
                            && s.is("session_server_starts_total", d, 2));
            long second = (Long) c.getAttribute(bean("default"), "Pid");
            reaper.track(second);
            assertTrue(second > 0 && second != first, "a new server after the restart: " + second);
            assertFalse(Procs.alive(first));
            assertTrue(Procs.alive(second));
            Map<String, String> laterUp = Map.of("name", "default", "outcome", "up");
            assertTrue(value(restarted, "session_server_health_check_seconds_sum", laterUp) >= seconds,
                    "the sum only grows");
            assertTrue(value(restarted, "session_server_health_check_seconds_count", laterUp) >= checks,
                    "the count only grows");

            // stop
            stopOverJmx(c, "default");
            Await.until("server pid " + second + " is gone", DEADLINE, () -> !Procs.alive(second));
            Scrape after = awaitScrape(host, "stopped: up 0, STOPPED 1, stops 1",
                    s -> s.is("session_server_up", d, 0) && inState(s, "default", "STOPPED")
                            && s.is("session_server_stops_total", d, 1));
            assertEquals(0, value(after, "session_server_healthy", d));
            assertEquals(0, value(after, "session_server_uptime_seconds", d));
            assertEquals(1, value(after, "session_server_restarts_total", d));
            assertEquals(1, value(after, "session_server_crashes_total", d));
            assertEquals(2, value(after, "session_server_starts_total", d));
            assertOnlyOurSeries(after, Set.of("default"));
        }
        assertFalse(Files.exists(dir.resolve("default.pid")));
        assertTrue(host.proc.process.isAlive(), host.proc::describe);
    }

    /**
     * servers=a,b in one agent: every series comes in two label sets, name="a" and name="b", each following its own
     * server (a started and b stopped, then both running, then both stopped).
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void twoServersAreTwoLabelSets() throws Exception {
        int portA = FreePort.find();
        int portB = FreePort.find();
        String args = "servers=a,b,serverScript=" + AgentTestHosts.serverJar() + ",healthInterval=500"
                + ",startTimeout=20000"
                + ",a.port=" + portA + ",a.pidFile=" + dir.resolve("a.pid") + ",a.healthCheckUrl="
                + ExampleServer.healthUrl(portA)
                + ",b.port=" + portB + ",b.pidFile=" + dir.resolve("b.pid") + ",b.healthCheckUrl="
                + ExampleServer.healthUrl(portB);
        Host host = startHost(AgentOrder.OURS_FIRST, args, "a", "b");
        Map<String, String> a = name("a");
        Map<String, String> b = name("b");

        try (JMXConnector jmx = AgentTestHosts.awaitBean(host.proc, host.jmxPort,
                "dev.omega.sessionserver:type=SessionServerManager,name=b")) {
            MBeanServerConnection c = jmx.getMBeanServerConnection();
            long pidA = startOverJmx(c, "a");
            reaper.track(pidA);
            Scrape onlyA = awaitScrape(host, "a RUNNING, b STOPPED", s -> s.is("session_server_up", a, 1)
                    && inState(s, "a", "RUNNING") && s.is("session_server_up", b, 0) && inState(s, "b", "STOPPED"));
            System.out.println("[prometheus] servers=a,b, a running:\n" + onlyA.lines("session_server_"));
            assertOnlyOurSeries(onlyA, Set.of("a", "b"));
            // every series: the same label sets once for a, once for b
            for (String series : OUR_SERIES) {
                Set<Map<String, String>> labelsA = new java.util.HashSet<>();
                Set<Map<String, String>> labelsB = new java.util.HashSet<>();
                for (Sample x : onlyA.samples) {
                    if (x.name.equals(series)) {
                        Map<String, String> rest = new java.util.TreeMap<>(x.labels);
                        String n = rest.remove("name");
                        ("a".equals(n) ? labelsA : labelsB).add(rest);
                    }
                }
                assertFalse(labelsA.isEmpty(), series);
                assertEquals(labelsA, labelsB, series + ": a and b have the same label sets");
            }
            assertEquals(1, value(onlyA, "session_server_starts_total", a));
            assertEquals(0, value(onlyA, "session_server_starts_total", b));

            long pidB = startOverJmx(c, "b");
            reaper.track(pidB);
            awaitScrape(host, "both RUNNING", s -> inState(s, "a", "RUNNING") && inState(s, "b", "RUNNING")
                    && s.is("session_server_up", b, 1) && s.is("session_server_starts_total", b, 1));

            stopOverJmx(c, "a");
            Scrape aStopped = awaitScrape(host, "a STOPPED, b still RUNNING", s -> inState(s, "a", "STOPPED")
                    && s.is("session_server_up", a, 0) && s.is("session_server_stops_total", a, 1)
                    && inState(s, "b", "RUNNING") && s.is("session_server_up", b, 1));
            assertEquals(0, value(aStopped, "session_server_stops_total", b));
            stopOverJmx(c, "b");
            awaitScrape(host, "both STOPPED", s -> inState(s, "a", "STOPPED") && inState(s, "b", "STOPPED")
                    && s.is("session_server_stops_total", b, 1));
            Await.until("both servers are gone", DEADLINE, () -> !Procs.alive(pidA) && !Procs.alive(pidB));
        }
        assertTrue(host.proc.process.isAlive(), host.proc::describe);
    }
}
