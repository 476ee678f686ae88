package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.testing.Await;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * The Flight Recorder events of real servers, recorded in this JVM by a {@link Recording} (the same events a host
 * started with {@code -XX:StartFlightRecording} records: they are committed in the manager's threads), dumped to a
 * file and read back with {@link RecordingFile}.
 */
class FlightRecorderEventsTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration RESTART_DELAY = Duration.ofMillis(200);
    private static final String PREFIX = "dev.omega.sessionserver.";
    /** The example settings file the README documents, from the project directory (surefire's working directory). */
    private static final Path SHIPPED_JFC = Path.of("examples", "jfr", "session-server.jfc");

    @Test
    @Timeout(120)
    void aStartACrashWithItsRestartAndAStopAreRecordedInOrderWithTheirFields() throws Exception {
        assertSame(JfrEvents.class, FlightRecorderEvents.get().getClass(), "this JVM has jdk.jfr");
        String server = "jfr-lifecycle";
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ON_FAILURE)
                .restartDelay(RESTART_DELAY).build();
        SessionServerManager m = jmx.registered(server, FAST, policy, b -> b);
        List<String> listened = new CopyOnWriteArrayList<>();
        m.addStateListener((from, to) -> listened.add(from + "->" + to));
        Path file = dir.resolve("lifecycle.jfr");
        long first;
        long second;
        try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
            recording.start();
            m.startMonitoring();
            first = jmx.start(m.objectName());
            assertTrue(ProcessHandle.of(first).orElseThrow().destroyForcibly()); // SIGKILL, behind the manager's back
            Await.until("restarted under a new pid", DEADLINE,
                    () -> m.getPid() > 0 && m.getPid() != first && "RUNNING".equals(m.getState()));
            second = m.getPid();
            reaper.track(second);
            m.stop();
            recording.stop();
            recording.dump(file);
        }

        List<RecordedEvent> events = ofServer(file, server);
        RecordedEvent firstStart = only(events, "ServerStart", e -> e.getLong("pid") == first);
        RecordedEvent crash = only(events, "ServerCrash", e -> true);
        RecordedEvent restart = only(events, "ServerRestart", e -> true);
        RecordedEvent secondStart = only(events, "ServerStart", e -> e.getLong("pid") == second);
        RecordedEvent stop = only(events, "ServerStop", e -> true);
        assertEquals(2, named(events, "ServerStart").size(), "two starts: the operator's and the restart's");

        assertFalse(firstStart.getBoolean("adopted"));
        assertEquals("RUNNING", firstStart.getString("outcome"));
        assertEquals("", firstStart.getString("error"));
        assertFalse(firstStart.getDuration().isNegative(), "spawn to healthy: " + firstStart.getDuration());
        assertEquals(first, crash.getLong("pid"));
        assertEquals(137, crash.getInt("exitCode"));
        assertEquals(9, crash.getInt("signal"));
        assertEquals("restarting in 200 ms (attempt 1)", crash.getString("decision"));
        assertEquals(1, restart.getInt("attempt"));
        assertEquals(RESTART_DELAY, restart.getDuration("delay"));
        assertEquals("crash", restart.getString("trigger"));
        assertTrue(restart.getString("cause").contains(Long.toString(first)), restart.getString("cause"));
        assertFalse(secondStart.getBoolean("adopted"));
        assertEquals("RUNNING", secondStart.getString("outcome"));
        assertEquals(second, stop.getLong("pid"));
        assertEquals("EXITED_ON_SIGTERM", stop.getString("result"));
        assertEquals("TERM", stop.getString("signal"));

        List<RecordedEvent> lifecycle = List.of(firstStart, crash, restart, secondStart, stop);
        List<RecordedEvent> byEnd = new ArrayList<>(lifecycle);
        byEnd.sort(Comparator.comparing(RecordedEvent::getEndTime));
        assertEquals(names(lifecycle), names(byEnd), "in the order they happened");

        List<String> changes = named(events, "StateChange").stream()
                .sorted(Comparator.comparing(RecordedEvent::getEndTime))
                .map(e -> e.getString("from") + "->" + e.getString("to")).collect(Collectors.toList());
        assertEquals(listened, changes, "every change of state, as the state listener saw them");
        assertEquals(List.of("STOPPED->STARTING", "STARTING->RUNNING"), changes.subList(0, 2));
        assertEquals(List.of("RUNNING->STOPPING", "STOPPING->STOPPED"), changes.subList(changes.size() - 2,
                changes.size()));
        assertTrue(changes.contains("RUNNING->BACKOFF") && changes.contains("BACKOFF->STARTING"),
                "the crash waits in BACKOFF for its restart: " + changes);
        assertTrue(named(events, "HealthCheck").isEmpty(), "HealthCheck is off in the default settings");

        for (RecordedEvent e : events) {
            assertEquals(List.of("Session Server"), e.getEventType().getCategoryNames(), e.getEventType().getName());
            assertTrue(e.getEventType().getLabel() != null && !e.getEventType().getLabel().isEmpty());
            assertTrue(e.getEventType().getField("serverName").getLabel().equals("Server Name"));
        }
    }

    @Test
    @Timeout(120)
    void healthChecksAreRecordedOnlyWithTheShippedSettings() throws Exception {
        String server = "jfr-health";
        SessionServerManager m = jmx.registered(server, FAST, b -> b);
        AtomicInteger checks = new AtomicInteger();
        m.putHealthCheckObserver(this, (outcome, nanos) -> checks.incrementAndGet());
        long pid = jmx.start(m.objectName());
        m.startMonitoring();

        Path defaults = dir.resolve("default.jfr");
        try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
            recording.start();
            int before = checks.get();
            Await.until("three health checks", DEADLINE, () -> checks.get() >= before + 3);
            recording.stop();
            recording.dump(defaults);
        }
        Path shipped = dir.resolve("shipped.jfr");
        Map<String, String> settings = new HashMap<>(Configuration.getConfiguration("default").getSettings());
        settings.putAll(Configuration.create(SHIPPED_JFC).getSettings()); // settings=default,settings=<the .jfc>
        try (Recording recording = new Recording(settings)) {
            recording.start();
            int before = checks.get();
            Await.until("three health checks", DEADLINE, () -> checks.get() >= before + 3);
            recording.stop();
            recording.dump(shipped);
        }

        assertEquals(List.of(), named(ofServer(defaults, server), "HealthCheck"), "off by default");
        List<RecordedEvent> recorded = named(ofServer(shipped, server), "HealthCheck");
        assertTrue(recorded.size() >= 3, "recorded with the shipped settings: " + recorded.size());
        for (RecordedEvent e : recorded) {
            assertEquals("up", e.getString("outcome"));
            assertTrue(e.getDuration("checkDuration").toNanos() > 0, e.toString());
        }
        m.stop();
        assertEquals("STOPPED", m.getState(), "pid " + pid + " stopped");
    }

    /** An operator's signal is a ServerSignal event: the signal, the server's PID, how many processes got it. */
    @Test
    @Timeout(120)
    void anOperatorsSignalIsRecordedAsServerSignal() throws Exception {
        String server = "jfr-signal";
        SessionServerManager m = jmx.registered(server, FAST, b -> b);
        long pid = jmx.start(m.objectName());
        Path file = dir.resolve("signal.jfr");
        try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
            recording.start();
            m.signal("sighup");
            recording.stop();
            recording.dump(file);
        }
        RecordedEvent signal = only(ofServer(file, server), "ServerSignal", e -> true);
        assertEquals("HUP", signal.getString("signal"));
        assertEquals(pid, signal.getLong("pid"));
        assertEquals(1, signal.getInt("members"), "the example server alone");
        assertEquals(List.of("Session Server"), signal.getEventType().getCategoryNames());
        Await.until("the server logged it and runs on", DEADLINE,
                () -> m.tailLog(5).contains("received SIGHUP (nothing to reload), still running pid=" + pid));
        assertEquals("RUNNING", m.getState());
    }

    // ------------------------------------------------------------------ reading the recording

    /** The events of our types for {@code server}, as recorded in {@code file}. */
    private static List<RecordedEvent> ofServer(Path file, String server) throws Exception {
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith(PREFIX))
                .filter(e -> server.equals(e.getString("serverName"))).collect(Collectors.toList());
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String type) {
        return events.stream().filter(e -> e.getEventType().getName().equals(PREFIX + type))
                .collect(Collectors.toList());
    }

    private static RecordedEvent only(List<RecordedEvent> events, String type,
            java.util.function.Predicate<RecordedEvent> which) {
        List<RecordedEvent> found = named(events, type).stream().filter(which).collect(Collectors.toList());
        assertEquals(1, found.size(), "one " + type + " among " + events);
        return found.get(0);
    }

    private static List<String> names(List<RecordedEvent> events) {
        return events.stream().map(e -> e.getEventType().getName() + "@" + e.getEndTime().toEpochMilli()
                + (e.hasField("pid") ? " pid " + e.getLong("pid") : "")).collect(Collectors.toList());
    }
}
