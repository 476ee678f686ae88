package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.process.ProcessIdentity;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * {@code dependsOn} with real servers (the fast Perl server): a chain {@code a <- b <- c} ({@code c} depends on
 * {@code b}, {@code b} on {@code a}), started from {@code c} with {@code a}'s health delayed, stopped from {@code a},
 * restarted from {@code a}; a dependency that cannot start; an automatic restart of a dependency.
 */
@Timeout(90)
class ServerDependenciesTest {

    private static final long DELAY_MILLIS = 1500;

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();
    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final List<SessionServerManager> managers = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (SessionServerManager m : managers) {
            m.close();
            try {
                m.processManager().stopServer();
            } catch (Exception ignored) {
                // the reaper kills what is left
            }
        }
        scheduler.shutdownNow();
    }

    private SessionServerManager server(String name, ProcessManagerOptions.Builder options, SupervisionPolicy policy) {
        ProcessManager pm = new ProcessManager(options.pidFile(dirOf(name).resolve("server.pid")).build());
        SessionServerManager m = new SessionServerManager(name, pm, Duration.ofMillis(100), scheduler, policy);
        managers.add(m);
        return m;
    }

    private SessionServerManager fast(String name, long listenDelayMillis) {
        ProcessManagerOptions.Builder b = FastSessionServer.options(dirOf(name), FreePort.find(), reaper);
        if (listenDelayMillis > 0) {
            b.environmentVariable("LISTEN_DELAY_MS", Long.toString(listenDelayMillis));
        }
        return server(name, b, SupervisionPolicy.DEFAULT);
    }

    /** c depends on b, b on a. */
    private List<SessionServerManager> chain(long firstDelayMillis) {
        SessionServerManager a = fast("a", firstDelayMillis);
        SessionServerManager b = fast("b", 0);
        SessionServerManager c = fast("c", 0);
        b.dependOn(a, ServerDependency.Condition.HEALTHY);
        c.dependOn(b, ServerDependency.Condition.HEALTHY);
        return List.of(a, b, c);
    }

    private static ProcessIdentity identity(SessionServerManager m) {
        return ProcessIdentity.of(m.getPid()).orElseThrow(() -> new AssertionError(m.name() + " does not run"));
    }

    @Test
    void startOfTheLastStartsTheChainInOrderWaitingForEachToBeHealthy() throws Exception {
        List<SessionServerManager> chain = chain(DELAY_MILLIS);
        SessionServerManager a = chain.get(0);
        SessionServerManager b = chain.get(1);
        SessionServerManager c = chain.get(2);
        CompletableFuture<Long> start = CompletableFuture.supplyAsync(c::start);
        Await.until("b waits for a", Duration.ofSeconds(20), () -> a.isRunning()
                && "waiting for a (STARTING)".equals(b.getLastError()));
        assertEquals("STARTING", b.getState());
        assertEquals("STARTING", c.getState());
        assertEquals("waiting for b (STARTING)", c.getLastError());
        assertFalse(c.isRunning(), "c is not spawned before b is healthy");
        long pid = start.get(60, TimeUnit.SECONDS);
        for (SessionServerManager m : chain) {
            reaper.track(m.getPid());
            assertEquals("RUNNING", m.getState(), m.name());
            assertEquals("", m.getLastError(), m.name());
        }
        assertEquals(c.getPid(), pid);
        // the servers' own start times: b spawned only once a listened (a's delay), c after b
        long aStart = identity(a).startEpochMillis();
        long bStart = identity(b).startEpochMillis();
        long cStart = identity(c).startEpochMillis();
        assertTrue(bStart - aStart >= DELAY_MILLIS - 100, "a " + aStart + ", b " + bStart);
        assertTrue(cStart >= bStart, "b " + bStart + ", c " + cStart);
        assertTrue(identity(a).startTicks() < identity(b).startTicks());
        assertTrue(identity(b).startTicks() <= identity(c).startTicks());
        assertArrayEquals(new String[] {"a"}, b.getDependsOn());
        assertArrayEquals(new String[] {"c"}, b.getDependents());
        assertArrayEquals(new String[0], a.getDependsOn());
    }

    @Test
    void theLibraryRefusesACycleAndASelfDependency() {
        List<SessionServerManager> chain = chain(0);
        IllegalArgumentException cycle = assertThrows(IllegalArgumentException.class,
                () -> chain.get(0).dependOn(chain.get(2), ServerDependency.Condition.STARTED));
        assertEquals("cycle: a -> c -> b -> a", cycle.getMessage());
        IllegalArgumentException self = assertThrows(IllegalArgumentException.class,
                () -> chain.get(1).dependOn(chain.get(1), ServerDependency.Condition.HEALTHY));
        assertEquals("server 'b' cannot depend on itself", self.getMessage());
        assertArrayEquals(new String[0], chain.get(0).getDependsOn(), "nothing was linked");
    }

    @Test
    void stopOfTheFirstStopsDependentsFirstInReverseOrder() throws Exception {
        List<SessionServerManager> chain = chain(0);
        List<String> stops = Collections.synchronizedList(new ArrayList<>());
        for (SessionServerManager m : chain) {
            m.addStateListener((from, to) -> {
                if (to == ServerState.STOPPED) {
                    stops.add(m.name());
                }
            });
        }
        chain.get(2).start();
        List<Long> pids = new ArrayList<>();
        for (SessionServerManager m : chain) {
            pids.add(tracked(m));
        }
        chain.get(0).stop();
        assertEquals(List.of("c", "b", "a"), stops);
        for (int i = 0; i < 3; i++) {
            assertFalse(Procs.alive(pids.get(i)), "a zombie not yet reaped by its shim counts as gone");
            assertEquals("STOPPED", chain.get(i).getState());
        }
        assertEquals("stopped because b stopped", chain.get(2).getLastError());
        assertEquals("stopped because a stopped", chain.get(1).getLastError());
        assertEquals("", chain.get(0).getLastError());
    }

    @Test
    void aFailedDependencyFailsTheStartAndSpawnsNothingOfTheDependent() {
        // a server whose health URL nothing answers: its start times out
        ProcessManagerOptions.Builder broken = FastSessionServer.options(dirOf("db"), FreePort.find(), reaper)
                .healthCheckUrl("http://127.0.0.1:" + FreePort.find() + "/").startTimeout(Duration.ofMillis(700));
        SessionServerManager db = server("db", broken, SupervisionPolicy.DEFAULT);
        SessionServerManager web = fast("web", 0);
        web.dependOn(db, ServerDependency.Condition.HEALTHY);
        IllegalStateException e = assertThrows(IllegalStateException.class, web::start);
        assertTrue(e.getMessage().startsWith("start failed: dependency 'db' did not become healthy: start failed:"),
                e.getMessage());
        assertEquals("FAILED", web.getState());
        assertTrue(web.getLastError().contains("dependency 'db'"), web.getLastError());
        assertFalse(Files.exists(web.processManager().options().pidFile()), "nothing of web was spawned");
        assertFalse(web.isRunning());
    }

    @Test
    void operatorRestartOfADependencyRestartsItsRunningDependentsAfterIt() throws Exception {
        List<SessionServerManager> chain = chain(0);
        chain.get(2).start();
        List<Long> before = new ArrayList<>();
        for (SessionServerManager m : chain) {
            before.add(tracked(m));
        }
        chain.get(0).restart();
        for (int i = 0; i < 3; i++) {
            SessionServerManager m = chain.get(i);
            reaper.track(m.getPid());
            assertEquals("RUNNING", m.getState(), m.name());
            assertNotEquals((long) before.get(i), m.getPid(), m.name() + " was restarted");
        }
        assertTrue(identity(chain.get(0)).startTicks() <= identity(chain.get(1)).startTicks());
    }

    @Test
    void automaticRestartOfADependencyLeavesItsDependentsAlone() throws Exception {
        SupervisionPolicy always = SupervisionPolicy.builder().restart(SupervisionPolicy.Restart.ALWAYS)
                .restartDelay(Duration.ofMillis(50)).build();
        SessionServerManager db = server("db", FastSessionServer.options(dirOf("db"), FreePort.find(), reaper),
                always);
        SessionServerManager web = fast("web", 0);
        web.dependOn(db, ServerDependency.Condition.HEALTHY);
        db.startMonitoring();
        web.startMonitoring();
        web.start();
        long dbPid = tracked(db);
        long webPid = tracked(web);
        ProcessHandle.of(dbPid).ifPresent(ProcessHandle::destroyForcibly);
        Await.until("db restarted automatically", Duration.ofSeconds(30),
                () -> db.getRestarts() >= 1 && db.isRunning() && db.getPid() != dbPid);
        reaper.track(db.getPid());
        assertEquals(webPid, web.getPid());
        assertTrue(Procs.alive(webPid));
    }

    /** The server's PID, tracked by the reaper. */
    private long tracked(SessionServerManager m) {
        long pid = m.getPid();
        reaper.track(pid);
        return pid;
    }

    private Path dirOf(String name) {
        Path own = dir.resolve(name);
        try {
            Files.createDirectories(own);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return own;
    }
}
