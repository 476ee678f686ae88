package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/** The Micrometer meters: names, tags, units, descriptions, and values that follow the server. */
class SessionServerMetricsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;
    JmxFixture jmx;
    SimpleMeterRegistry registry;

    @BeforeEach
    void setUp() {
        jmx = new JmxFixture(reaper, dir, FreePort.find());
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void tearDown() {
        jmx.close();
        registry.close();
    }

    private double gauge(String name) {
        return registry.get(name).tag("name", "metrics").gauge().value();
    }

    private double counter(String name) {
        return registry.get(name).tag("name", "metrics").functionCounter().count();
    }

    private FunctionTimer healthTimer(String outcome) {
        return registry.get(SessionServerMetrics.HEALTH_CHECK).tag("name", "metrics").tag("outcome", outcome)
                .functionTimer();
    }

    @Test
    @Timeout(90)
    void metersExistWithTagsUnitsAndDescriptions() {
        SessionServerManager m = jmx.manager("metrics", Duration.ofSeconds(5), b -> b);
        new SessionServerMetrics(m).bindTo(registry);
        new SessionServerMetrics(m).bindTo(registry); // binding twice registers (and records) nothing twice

        Map<String, String> units = new TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            assertEquals("metrics", id.getTag("name"), id.toString());
            assertNotNull(id.getDescription(), id + " has a description");
            assertTrue(id.getDescription().length() > 10, id.toString());
            units.merge(id.getName(), String.valueOf(id.getBaseUnit()), (a, b) -> a);
        }
        Map<String, String> expected = new TreeMap<>(Map.of("session.server.up", "null", "session.server.healthy",
                "null", "session.server.uptime", "seconds", "session.server.health.check", "seconds",
                "session.server.starts", "starts", "session.server.stops", "stops", "session.server.crashes",
                "crashes", "session.server.restarts", "restarts"));
        expected.putAll(Map.of("session.server.memory.rss", "bytes", "session.server.cpu.usage", "ratio",
                "session.server.processes", "processes", "session.server.open.files", "files",
                "session.server.state", "state", "session.server.health.check.time", "nanoseconds"));
        assertEquals(expected, units, "names and base units (the timer's is the registry's time unit)");
        assertEquals(10 + 4 + 3 + ServerState.values().length, registry.getMeters().size(),
                "three gauges, four counters, three timers; four resource gauges; three health check time counters;"
                        + " one state gauge per State");
        assertEquals(Set.of("STOPPED", "STARTING", "RUNNING", "UNHEALTHY", "STOPPING", "BACKOFF", "FAILED"),
                registry.get(SessionServerMetrics.STATE).gauges().stream().map(g -> g.getId().getTag("state"))
                        .collect(java.util.stream.Collectors.toSet()));

        assertTrue(registry.get("session.server.up").meter() instanceof Gauge);
        assertTrue(registry.get("session.server.starts").meter() instanceof FunctionCounter);
        assertTrue(registry.get("session.server.restarts").meter() instanceof FunctionCounter);
        assertEquals(Set.of("up", "down", "timeout"), Set.copyOf(registry.get(SessionServerMetrics.HEALTH_CHECK)
                .functionTimers().stream().map(t -> t.getId().getTag("outcome")).collect(java.util.stream.Collectors
                        .toList())));
        for (Meter meter : registry.getMeters()) {
            List<Tag> tags = meter.getId().getTags();
            assertTrue(tags.contains(Tag.of("name", "metrics")), tags.toString());
        }
    }

    @Test
    @Timeout(90)
    void valuesFollowTheServer() {
        SessionServerManager m = jmx.manager("metrics", Duration.ofMillis(100), b -> b);
        new SessionServerMetrics(m).bindTo(registry);
        assertEquals(0.0, gauge("session.server.up"));
        assertEquals(0.0, gauge("session.server.healthy"));
        assertEquals(0.0, gauge("session.server.uptime"));
        assertEquals(0.0, counter("session.server.starts"));

        long beforeStart = System.nanoTime();
        long pid = m.start();
        reaper.track(pid);

        assertEquals(1.0, gauge("session.server.up"));
        assertEquals(1.0, gauge("session.server.healthy"));
        assertEquals(1.0, counter("session.server.starts"));
        Await.until("uptime grows", DEADLINE, () -> gauge("session.server.uptime") > 0.2);
        double uptime = gauge("session.server.uptime");
        double sinceStart = (System.nanoTime() - beforeStart) / 1e9;
        // (slack: the kernel's boot time, from which a process's start time is computed, has whole seconds)
        assertTrue(uptime <= sinceStart + 2, "uptime " + uptime + " s, but the server was started " + sinceStart
                + " s ago");

        double upChecks = healthTimer("up").count();
        assertTrue(m.checkHealth());
        assertEquals(upChecks + 1, healthTimer("up").count(), "checkHealth records into the timer");
        assertTrue(healthTimer("up").totalTime(TimeUnit.NANOSECONDS) > 0);
        // the time counter is the timer's sum, in whole nanoseconds (the JMX form of a timer has no sum)
        assertEquals((long) healthTimer("up").totalTime(TimeUnit.NANOSECONDS),
                registry.get(SessionServerMetrics.HEALTH_CHECK_TIME).tag("name", "metrics").tag("outcome", "up")
                        .functionCounter().count());
        m.startMonitoring();
        Await.until("the monitor records its checks", DEADLINE, () -> healthTimer("up").count() >= upChecks + 3);

        assertTrue(ProcessHandle.of(pid).orElseThrow().destroyForcibly());
        Await.until("the crash is counted", DEADLINE, () -> counter("session.server.crashes") == 1.0);
        assertEquals(0.0, gauge("session.server.up"));
        assertEquals(0.0, gauge("session.server.healthy"));
        assertEquals(0.0, gauge("session.server.uptime"));
        Await.until("failed checks are recorded as down", DEADLINE, () -> healthTimer("down").count() >= 1);

        long again = m.start();
        reaper.track(again);
        m.stop();
        assertEquals(2.0, counter("session.server.starts"));
        assertEquals(1.0, counter("session.server.stops"));
        assertEquals(1.0, counter("session.server.crashes"));
        assertEquals(0.0, counter("session.server.restarts"), "the default policy never restarts");
        assertEquals(0.0, gauge("session.server.up"));
    }

    @Test
    @Timeout(60)
    void aHungHealthCheckIsRecordedAsTimeout() {
        SessionServerManager m = jmx.manager("metrics", Duration.ofSeconds(60),
                SupervisionPolicy.builder().unhealthyThreshold(1).build(),
                b -> b.environmentVariable("SESSION_SERVER_HEALTH_HANG", "true")
                        .healthCheckTimeout(Duration.ofMillis(300)).startTimeout(Duration.ZERO));
        new SessionServerMetrics(m).bindTo(registry);
        long pid = m.start();
        reaper.track(pid);

        Await.until("a health check times out", DEADLINE, () -> {
            m.checkHealth();
            return healthTimer("timeout").count() >= 1;
        });
        assertEquals(ServerState.UNHEALTHY, m.state());
        assertEquals(1.0, gauge("session.server.up"));
        assertEquals(0.0, gauge("session.server.healthy"));
        FunctionTimer timeouts = healthTimer("timeout");
        assertTrue(timeouts.totalTime(TimeUnit.MILLISECONDS) / timeouts.count() >= 250,
                "every check that timed out waited about the timeout (mean " + timeouts.mean(TimeUnit.MILLISECONDS)
                        + " ms)");
    }
}
