package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.jmx.DependencyGraph;
import dev.omega.sessionserver.jmx.ServerDependency;
import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.process.ProcessIdentity;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * {@code autoStart} of several servers ({@link AutoStartInOrder}): each after the starts of those it depends on,
 * independent ones side by side on its own short-lived threads. Pinned first with recording starts (no process),
 * then with real fast Perl servers whose health is delayed, read from their own {@code /proc} start times.
 */
@Timeout(90)
class AutoStartInOrderTest {

    private static final long DELAY_MILLIS = 2000;

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();
    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    private final List<SessionServerManager> managers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (SessionServerManager m : managers) {
            m.close();
            try {
                m.processManager().stopServer();
            } catch (IOException | RuntimeException ignored) {
                // the reaper kills what is left
            }
        }
        scheduler.shutdownNow();
    }

    /** A manager of the fast Perl server in its own directory; its health answers after {@code delayMillis}. */
    private SessionServerManager fast(String name, long delayMillis) throws IOException {
        Path own = Files.createDirectories(dir.resolve(name));
        Path script = own.resolve("fast-session-server.pl");
        try (InputStream in = AutoStartInOrderTest.class.getResourceAsStream(
                "/dev/omega/sessionserver/jmx/fast-session-server.pl")) {
            Files.copy(in, script);
        }
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        int port = FreePort.find();
        ProcessManagerOptions.Builder b = ProcessManagerOptions.builder().pidFile(own.resolve("server.pid"))
                .port(port).healthCheckUrl(ExampleServer.healthUrl(port)).command(List.of(script.toString()))
                .startTimeout(Duration.ofSeconds(30)).environmentVariable(ProcessReaper.MARKER_ENV, reaper.marker());
        if (delayMillis > 0) {
            b.environmentVariable("LISTEN_DELAY_MS", Long.toString(delayMillis));
        }
        SessionServerManager m = new SessionServerManager(name, new ProcessManager(b.build()), Duration.ofMillis(100),
                scheduler, SupervisionPolicy.DEFAULT);
        managers.add(m);
        return m;
    }

    /** a and b need nothing; c needs a; d needs c and b. */
    private static DependencyGraph diamond() {
        Map<String, List<String>> edges = new LinkedHashMap<>();
        edges.put("a", List.of());
        edges.put("b", List.of());
        edges.put("c", List.of("a"));
        edges.put("d", List.of("c", "b"));
        return DependencyGraph.of(edges);
    }

    private List<SessionServerManager> diamondOfManagers(long independentDelayMillis) throws IOException {
        SessionServerManager a = fast("a", independentDelayMillis);
        SessionServerManager b = fast("b", independentDelayMillis);
        SessionServerManager c = fast("c", 0);
        SessionServerManager d = fast("d", 0);
        c.dependOn(a, ServerDependency.Condition.HEALTHY);
        d.dependOn(c, ServerDependency.Condition.HEALTHY);
        d.dependOn(b, ServerDependency.Condition.HEALTHY);
        return List.of(d, c, b, a); // in no particular order: the graph decides
    }

    private static boolean autoStartThreadsGone() {
        return Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith(AutoStartInOrder.THREAD_PREFIX) && t.isAlive());
    }

    @Test
    void independentServersAreInsideTheirStartsTogetherAndEachStartsAfterThoseItNeeds() throws Exception {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch bothIn = new CountDownLatch(2);
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        AutoStartInOrder.run(diamond(), diamondOfManagers(0), m -> {
            threads.add(Thread.currentThread().getName());
            events.add("begin " + m.name());
            if (m.name().equals("a") || m.name().equals("b")) {
                bothIn.countDown();
                try { // a and b are in their starts at the same time, or this waits in vain
                    events.add(bothIn.await(20, TimeUnit.SECONDS) ? "together " + m.name() : "alone " + m.name());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            events.add("end " + m.name());
        });

        assertTrue(events.containsAll(List.of("together a", "together b")), events::toString);
        assertTrue(events.indexOf("begin c") > events.indexOf("end a"), events::toString);
        assertTrue(events.indexOf("begin d") > events.indexOf("end c"), events::toString);
        assertTrue(events.indexOf("begin d") > events.indexOf("end b"), events::toString);
        assertEquals(10, events.size(), "each started once, and all had ended when run returned: " + events);
        assertTrue(threads.stream().allMatch(n -> n.startsWith(AutoStartInOrder.THREAD_PREFIX)), threads::toString);
        Await.until("the autoStart threads are gone", Duration.ofSeconds(10),
                AutoStartInOrderTest::autoStartThreadsGone);
    }

    @Test
    void aStartThatThrowsEndsOnlyItselfAndItsDependentsStillStart() throws Exception {
        List<String> started = Collections.synchronizedList(new ArrayList<>());
        AutoStartInOrder.run(diamond(), diamondOfManagers(0), m -> {
            started.add(m.name());
            if (m.name().equals("a")) {
                throw new LinkageError("a broke");
            }
        });
        Collections.sort(started);
        assertEquals(List.of("a", "b", "c", "d"), started);
    }

    @Test
    void aSingleServerStartsInTheCallingThread() throws Exception {
        SessionServerManager d = diamondOfManagers(0).get(0);
        List<String> threads = new ArrayList<>();
        AutoStartInOrder.run(diamond(), List.of(d), m -> threads.add(m.name() + " in " + Thread.currentThread().getName()));
        assertEquals(List.of("d in " + Thread.currentThread().getName()), threads);
    }

    @Test
    void aServerWithoutAutoStartBetweenTwoStillOrdersThem() throws Exception {
        List<SessionServerManager> all = diamondOfManagers(0);
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        // c (between a and d) is not started here: d still waits for a's start to end
        AutoStartInOrder.run(diamond(), List.of(all.get(0), all.get(3)), m -> {
            events.add("begin " + m.name());
            if (m.name().equals("a")) { // were d not held back, it would begin within this second
                try {
                    Await.until("d begins while a starts", Duration.ofSeconds(1), () -> events.contains("begin d"));
                    events.add("d began inside a");
                } catch (AssertionError expected) {
                    // d waited
                }
            }
            events.add("end " + m.name());
        });
        assertEquals(List.of("begin a", "end a", "begin d", "end d"), events);
    }

    @Test
    void realServersWithDelayedHealthStartSideBySideAndInDependencyOrder() throws Exception {
        List<SessionServerManager> all = diamondOfManagers(DELAY_MILLIS);
        AutoStartInOrder.run(diamond(), all, AgentRuntime::autoStart);

        Map<String, Long> spawned = new LinkedHashMap<>();
        for (SessionServerManager m : all) {
            reaper.track(m.getPid());
            assertEquals("RUNNING", m.getState(), m.name() + ": " + m.getLastError());
            spawned.put(m.name(), ProcessIdentity.of(m.getPid()).orElseThrow().startEpochMillis());
        }
        // one after the other, b would be spawned only once a answered, DELAY_MILLIS after a's spawn
        assertTrue(Math.abs(spawned.get("a") - spawned.get("b")) < DELAY_MILLIS - 500, spawned::toString);
        assertTrue(spawned.get("c") - spawned.get("a") >= DELAY_MILLIS - 100, "c after a was healthy: " + spawned);
        assertTrue(spawned.get("d") >= spawned.get("c") && spawned.get("d") - spawned.get("b") >= DELAY_MILLIS - 100,
                "d after c and b: " + spawned);
    }
}
