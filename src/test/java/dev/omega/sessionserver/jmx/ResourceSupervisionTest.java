package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.testing.Await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * successExitCodes, the resource view (MemoryBytes, CpuUsage, Processes, OpenFiles and their meters), the state
 * gauges and the maxMemory restart, with real servers: the example server, and Perl scripts that allocate memory and
 * burn CPU. Every wait is a condition with a deadline.
 */
class ResourceSupervisionTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final long MIB = 1024 * 1024;

    private Object get(ObjectName name, String attribute) {
        return jmx.get(name, attribute);
    }

    private static Map<String, String> exitingAfter(long millis, int exitCode) {
        return Map.of("SESSION_SERVER_EXIT_AFTER_MS", Long.toString(millis), "SESSION_SERVER_EXIT_CODE",
                Integer.toString(exitCode));
    }

    // ------------------------------------------------------------------ successExitCodes

    @Test
    @Timeout(90)
    void anExitCodeOfSuccessExitCodesIsCleanAndNotRestartedByOnFailure() throws Exception {
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ON_FAILURE)
                .restartDelay(Duration.ofMillis(200)).successExitCodes(0, 3).build();
        SessionServerManager m = jmx.registered("exit3", FAST, policy, b -> b.environment(exitingAfter(1_500, 3)));
        ObjectName name = m.objectName();
        SupervisionTest.Recorder rec = new SupervisionTest.Recorder(jmx, name);
        m.startMonitoring();
        long pid = jmx.start(name);

        Await.until("the exit is seen", DEADLINE, () -> rec.count(SessionServerNotifications.CRASH) == 1);
        assertEquals("not restarted (restart=on-failure)", rec.of(SessionServerNotifications.CRASH).get(0)
                .data("decision"));
        assertEquals("STOPPED", get(name, "State"), "exit 3 is a clean exit under successExitCodes=0;3");
        assertEquals("session server pid " + pid + " exited by itself (exit code 3)", get(name, "LastError"));
        assertEquals(3, get(name, "LastExitCode"));
        jmx.schedulerPassed(Duration.ofMillis(5 * 200));
        assertEquals(0, rec.count(SessionServerNotifications.RESTART));
        assertEquals(0L, get(name, "Restarts"));
        assertEquals(List.of("STOPPED->STARTING", "STARTING->RUNNING", "RUNNING->STOPPED"), rec.states());
    }

    /** Exit 4 is not in successExitCodes=0;3: BACKOFF, then restarted; the state gauges follow every transition. */
    @Test
    @Timeout(90)
    void anOtherExitCodeIsRestartedThroughBackoffAndTheStateGaugesFollowEveryTransition() throws Exception {
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ON_FAILURE)
                .restartDelay(Duration.ofMillis(200)).restartLimit(1).successExitCodes(0, 3).build();
        SessionServerManager m = jmx.registered("exit4", FAST, policy, b -> b.environment(exitingAfter(1_500, 4)));
        ObjectName name = m.objectName();
        SupervisionTest.Recorder rec = new SupervisionTest.Recorder(jmx, name);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SessionServerMetrics(m).bindTo(registry);
        List<String> gaugeErrors = new CopyOnWriteArrayList<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        m.addStateListener((from, to) -> {
            // in the thread that made the change, right after it: exactly the new state's gauge reads 1
            List<String> ones = new ArrayList<>();
            for (Gauge g : registry.get(SessionServerMetrics.STATE).gauges()) {
                double v = g.value();
                if (v == 1) {
                    ones.add(g.getId().getTag(SessionServerMetrics.STATE_TAG));
                } else if (v != 0) {
                    gaugeErrors.add(g.getId() + " = " + v);
                }
            }
            if (!ones.equals(List.of(to.name()))) {
                gaugeErrors.add(from + "->" + to + ": gauges at 1: " + ones);
            }
            seen.add(to.name());
        });
        assertEquals(1.0, registry.get(SessionServerMetrics.STATE).tag("state", "STOPPED").gauge().value());
        m.startMonitoring();
        long first = jmx.start(name);

        // exit 4: BACKOFF (never FAILED) until the restart; the restarted server exits 4 too: the limit (1) is
        // reached, so the second exit is FAILED at once
        Await.until("the manager gave up", DEADLINE, () -> rec.count(SessionServerNotifications.GAVE_UP) == 1);
        assertEquals(1L, get(name, "Restarts"));
        assertEquals("restarting in 200 ms (attempt 1)", rec.of(SessionServerNotifications.CRASH).get(0)
                .data("decision"));
        assertEquals(first, rec.of(SessionServerNotifications.CRASH).get(0).data("pid"));
        assertEquals(List.of("STOPPED->STARTING", "STARTING->RUNNING", "RUNNING->BACKOFF", "BACKOFF->STARTING",
                "STARTING->RUNNING", "RUNNING->FAILED"), rec.states());
        assertEquals("FAILED", get(name, "State"));

        jmx.start(name);
        m.stop();
        assertEquals("STOPPED", get(name, "State"));
        assertEquals(List.of(), gaugeErrors);
        assertTrue(seen.containsAll(List.of("STARTING", "RUNNING", "BACKOFF", "FAILED", "STOPPING", "STOPPED")),
                seen.toString());
        assertEquals(1.0, registry.get(SessionServerMetrics.STATE).tag("state", "STOPPED").gauge().value());
        registry.close();
    }

    // ------------------------------------------------------------------ resource view

    /**
     * A Perl server that waits (small, idle) until a go file appears, then allocates about 100 MiB, touches it and
     * spins. It answers no health check: start does not wait for one.
     */
    private static List<String> allocatorWaitingFor(Path go, int mib) {
        String script = "$| = 1; print \"waiting\\n\";"
                + " select(undef, undef, undef, 0.05) until -e '" + go + "';"
                // the size from a variable: Perl folds a constant 'x' x N at compile time, before the wait
                + " my $mib = " + mib + "; my $x = 'x' x ($mib * 1024 * 1024); print \"allocated\\n\";"
                + " my $n = 0; while (1) { $n++ }";
        return List.of("perl", "-e", script);
    }

    @Test
    @Timeout(90)
    void memoryBytesAndCpuUsageFollowAServerThatAllocatesAndBurnsCpu() throws Exception {
        Path go = dir.resolve("go");
        SessionServerManager m = jmx.registered("resources", FAST, b -> b.command(allocatorWaitingFor(go, 100))
                .startTimeout(Duration.ZERO));
        ObjectName name = m.objectName();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SessionServerMetrics(m).bindTo(registry);
        assertEquals(0L, get(name, "MemoryBytes"), "nothing runs yet");
        assertEquals(0, get(name, "Processes"));
        m.startMonitoring();
        long pid = jmx.start(name);
        reaper.track(pid);

        // idle and small first: a CPU figure needs two passes
        Await.until("an idle sample", DEADLINE, () -> !Double.isNaN((Double) get(name, "CpuUsage"))
                && (Long) get(name, "MemoryBytes") > 0);
        long idleMemory = (Long) get(name, "MemoryBytes");
        assertTrue(idleMemory < 20 * MIB, "an idle perl is small (about 5 MiB): " + idleMemory);
        assertEquals(1, get(name, "Processes"));
        assertTrue((Long) get(name, "OpenFiles") >= 3, "stdin, stdout, stderr at least: " + get(name, "OpenFiles"));

        Files.createFile(go);
        Await.until("MemoryBytes above 90 MiB and CpuUsage above half a core", DEADLINE,
                () -> (Long) get(name, "MemoryBytes") > 90 * MIB && (Double) get(name, "CpuUsage") > 0.5);
        double rss = registry.get(SessionServerMetrics.MEMORY_RSS).gauge().value();
        assertTrue(rss > 90 * MIB, "the meter follows the attribute: " + rss);
        assertTrue(registry.get(SessionServerMetrics.CPU_USAGE).gauge().value() > 0, "cpu meter");
        assertEquals(1.0, registry.get(SessionServerMetrics.PROCESSES).gauge().value());
        assertTrue(registry.get(SessionServerMetrics.OPEN_FILES).gauge().value() >= 3);
        System.out.println("[resources] idle " + idleMemory / 1024 + " KiB; busy " + (long) rss / 1024 + " KiB, cpu "
                + get(name, "CpuUsage"));

        m.stop();
        Await.until("a pass after the stop", DEADLINE, () -> (Long) get(name, "MemoryBytes") == 0);
        assertEquals(0, get(name, "Processes"));
        registry.close();
    }

    /** Its own PID file, log and port: several managers in one test. */
    private ProcessManagerOptions.Builder own(ProcessManagerOptions.Builder b, String server) {
        return b.pidFile(dir.resolve(server + ".pid")).logFile(dir.resolve(server + ".log"))
                .port(dev.omega.sessionserver.testing.FreePort.find());
    }

    private static long healthChecks(SessionServerManager m) {
        long n = 0;
        for (int tag = 0; tag < TimedHealthCheck.TAGS.length; tag++) {
            n += m.healthChecks(tag);
        }
        return n;
    }

    @Test
    @Timeout(90)
    void theResourceViewIsSampledWhenReadAtMostOncePerIntervalAndNeverByAPassWithoutMaxMemory() throws Exception {
        Path go = dir.resolve("go"); // never created: the server stays small and idle
        // passes every 100 ms, nobody reads: no sample
        SessionServerManager passes = jmx.registered("passes", FAST, b -> own(b, "passes")
                .command(allocatorWaitingFor(go, 1)).startTimeout(Duration.ZERO));
        passes.startMonitoring();
        reaper.track(jmx.start(passes.objectName()));
        long checks = healthChecks(passes);
        Await.until("five monitor passes", DEADLINE, () -> healthChecks(passes) >= checks + 5);
        assertEquals(0, passes.resourceSamples(), "no pass samples without maxMemory");
        assertEquals(1, get(passes.objectName(), "Processes"), "a read samples");
        assertTrue(passes.resourceSamples() >= 1, "sampled on the read");

        // an interval of an hour: every read within it is served by one sample, attributes and meters alike
        SessionServerManager cached = jmx.registered("cached", Duration.ofHours(1),
                b -> own(b, "cached").command(allocatorWaitingFor(go, 1)).startTimeout(Duration.ZERO));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SessionServerMetrics(cached).bindTo(registry);
        cached.startMonitoring();
        ObjectName name = cached.objectName();
        assertEquals(0L, get(name, "MemoryBytes"), "nothing runs: no sample");
        assertEquals(0, cached.resourceSamples());
        long pid = jmx.start(name);
        reaper.track(pid);
        for (int i = 0; i < 5; i++) {
            assertTrue((Long) get(name, "MemoryBytes") > 0);
            assertEquals(1, get(name, "Processes"));
            assertTrue((Long) get(name, "OpenFiles") >= 3);
            assertTrue(Double.isNaN((Double) get(name, "CpuUsage")), "one sample only: nothing to compare with");
            assertEquals(1.0, registry.get(SessionServerMetrics.PROCESSES).gauge().value());
            assertTrue(registry.get(SessionServerMetrics.MEMORY_RSS).gauge().value() > 0);
        }
        assertEquals(1, cached.resourceSamples(), "one sample for all the reads of one interval");

        // with maxMemory (far above the server), every pass samples, read or not
        SupervisionPolicy limit = SupervisionPolicy.builder().maxMemory(1L << 40).build();
        SessionServerManager limited = jmx.registered("limited", FAST, limit,
                b -> own(b, "limited").command(allocatorWaitingFor(go, 1)).startTimeout(Duration.ZERO));
        limited.startMonitoring();
        reaper.track(jmx.start(limited.objectName()));
        long before = limited.resourceSamples();
        Await.until("passes sample with maxMemory", DEADLINE, () -> limited.resourceSamples() >= before + 3);
        assertEquals(0L, get(limited.objectName(), "Restarts"), "below the limit: nothing restarted");

        cached.stop();
        long samples = cached.resourceSamples();
        assertEquals(0L, get(name, "MemoryBytes"), "stopped: nothing runs");
        assertEquals(0, get(name, "Processes"));
        assertEquals(samples, cached.resourceSamples(), "no sample of a stopped server");
        passes.stop();
        limited.stop();
        registry.close();
    }

    // ------------------------------------------------------------------ maxMemory

    @Test
    @Timeout(90)
    void aServerAboveMaxMemoryIsRestartedAndCounted() throws Exception {
        Path go = dir.resolve("go");
        Files.createFile(go); // allocate at once
        SupervisionPolicy policy = SupervisionPolicy.builder().maxMemory(50 * MIB).unhealthyThreshold(2)
                .restartDelay(Duration.ofMillis(200)).restartLimit(1).build();
        SessionServerManager m = jmx.registered("memory", FAST, policy,
                b -> b.command(allocatorWaitingFor(go, 100)).startTimeout(Duration.ZERO));
        ObjectName name = m.objectName();
        SupervisionTest.Recorder rec = new SupervisionTest.Recorder(jmx, name);
        m.startMonitoring();
        long first = jmx.start(name);
        reaper.track(first);

        Await.until("restarted for its memory", DEADLINE, () -> (Long) get(name, "Restarts") >= 1);
        SupervisionTest.Recorder.Event limit = rec.of(SessionServerNotifications.MEMORY_LIMIT).get(0);
        assertEquals(first, limit.data("pid"));
        assertTrue((Long) limit.data("memoryBytes") > 50 * MIB, limit.toString());
        assertEquals(50 * MIB, limit.data("maxMemory"));
        assertEquals(2, limit.data("passes"));
        assertEquals("restarting in 200 ms (attempt 1)", limit.data("decision"));
        assertTrue(limit.notification.getMessage().contains("above maxMemory " + (50 * MIB) + " bytes"),
                limit.notification.getMessage());
        // the Restarts counter moves before the notification is sent: wait for it rather than race it
        Await.until("the restart notification", DEADLINE, () -> rec.count(SessionServerNotifications.RESTART) >= 1);
        SupervisionTest.Recorder.Event restart = rec.of(SessionServerNotifications.RESTART).get(0);
        assertEquals("memory-limit", restart.data("trigger"));
        Await.until("a new server runs", DEADLINE, () -> {
            long pid = (Long) get(name, "Pid");
            return pid > 0 && pid != first;
        });
        reaper.track((Long) get(name, "Pid"));
        m.stop();
        assertEquals("STOPPED", get(name, "State"));
    }
}
