package dev.omega.sessionserver.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.jmx.DependencyGraph;
import dev.omega.sessionserver.jmx.ServerState;
import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.process.HostWatcher;

/**
 * {@code stopWithHost=true}: the servers that go when their host JVM goes. One per JVM, made with the first such
 * server:
 * <ul>
 * <li>A shutdown hook (a normal exit: {@code System.exit}, the end of {@code main}, SIGTERM, SIGINT or SIGHUP)
 * stops them, dependents before their dependencies, one after the other on a thread of its own, and waits at most
 * the sum of their stop timeouts plus {@value #SLACK_MILLIS} ms: a stop that would take longer is logged and the
 * JVM's exit goes on (never a hang).</li>
 * <li>Each server a start spawns (an operator's, {@code autoStart}'s, or an automatic restart) gets a
 * {@link HostWatcher} process as soon as its PID file names it (before the wait for its health), for a host that
 * dies without running its hooks ({@code kill -9}). An adopted server (one this host found running) gets no
 * watcher: it stays when the host is killed.</li>
 * </ul>
 * Thread-safe.
 */
final class HostExitStop {

    /** What the hook waits beyond the summed stop timeouts (the SIGKILL and the last look at each tree). */
    static final long SLACK_MILLIS = 2_000;
    /** How often a start is looked at for the PID of the server it spawned. */
    static final long SPAWN_LOOK_MILLIS = 50;
    private static final long SPAWN_LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The hook's thread, and the thread that does the stops. */
    static final String THREAD_NAME = "session-server-manager-stop-with-host";
    private static final Logger LOG = LoggerFactory.getLogger(HostExitStop.class);
    private static HostExitStop instance; // guarded by HostExitStop.class

    private final List<SessionServerManager> managers = new CopyOnWriteArrayList<>();

    private HostExitStop() {
    }

    /**
     * Makes {@code manager}'s server stop with this JVM: the shutdown hook (registered with the first one), and a
     * watcher after each spawn, looked for on {@code scheduler} (off the state listener's lock).
     */
    static synchronized void add(SessionServerManager manager, ScheduledExecutorService scheduler) {
        if (instance == null) {
            instance = new HostExitStop();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stopAll, THREAD_NAME));
        }
        instance.managers.add(manager);
        AtomicLong watched = new AtomicLong(-1);
        manager.addStateListener((from, to) -> {
            if (to == ServerState.STARTING || to == ServerState.RUNNING || to == ServerState.UNHEALTHY) {
                long deadline = System.nanoTime()
                        + manager.processManager().options().startTimeout().toNanos() + SPAWN_LOOK_NANOS;
                scheduler.execute(() -> watchSpawned(manager, watched, scheduler, deadline));
            }
        });
    }

    /**
     * Starts the watcher of the server {@code manager} spawned, once its PID file names it (a start writes it right
     * after the spawn, before the wait for health: a host killed during that wait is covered too); looks again every
     * {@value #SPAWN_LOOK_MILLIS} ms until {@code deadline}. One watcher per PID.
     */
    private static void watchSpawned(SessionServerManager manager, AtomicLong watched,
            ScheduledExecutorService scheduler, long deadline) {
        try {
            long pid = manager.processManager().managedProcess().map(p -> p.pid()).orElse(-1L);
            if (pid > 0 && manager.processManager().spawnedByThisManager(pid)) {
                if (watched.getAndSet(pid) != pid) {
                    HostWatcher.watch(manager.processManager(), pid);
                }
                return;
            }
            if (manager.state() == ServerState.STARTING && System.nanoTime() - deadline < 0) {
                scheduler.schedule(() -> watchSpawned(manager, watched, scheduler, deadline), SPAWN_LOOK_MILLIS,
                        TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            LOG.warn("stopWithHost: watching session server '{}' failed: {}", manager.name(), e.toString());
        }
    }

    /** Forgets {@code manager} (unregistered): its server is no longer stopped with this JVM. */
    static synchronized void remove(SessionServerManager manager) {
        if (instance != null) {
            instance.managers.remove(manager);
        }
    }

    /** The servers in the order the hook stops them: dependents first. */
    static List<SessionServerManager> stopOrder(List<SessionServerManager> managers) {
        Map<String, List<String>> edges = new LinkedHashMap<>();
        Map<String, SessionServerManager> byName = new LinkedHashMap<>();
        for (SessionServerManager m : managers) {
            byName.put(m.name(), m);
        }
        for (SessionServerManager m : managers) {
            List<String> deps = new ArrayList<>(Arrays.asList(m.getDependsOn()));
            deps.retainAll(byName.keySet());
            edges.put(m.name(), deps);
        }
        List<SessionServerManager> order = new ArrayList<>();
        for (String name : DependencyGraph.of(edges).stopOrder()) {
            order.add(byName.get(name));
        }
        return order;
    }

    /** The hook: the stops on a daemon thread, awaited within the summed stop timeouts. Never throws. */
    private void stopAll() {
        try {
            List<SessionServerManager> order = stopOrder(new ArrayList<>(managers));
            long budget = SLACK_MILLIS;
            for (SessionServerManager m : order) {
                budget += m.processManager().options().stopTimeout().toMillis();
            }
            Thread worker = new Thread(() -> {
                for (SessionServerManager m : order) {
                    try {
                        m.stop();
                        LOG.info("stopWithHost: session server '{}' stopped with its host", m.name());
                    } catch (RuntimeException e) {
                        LOG.error("stopWithHost: session server '{}' could not be stopped: {}", m.name(),
                                e.getMessage());
                    }
                }
            }, THREAD_NAME);
            worker.setDaemon(true);
            worker.start();
            worker.join(budget);
            if (worker.isAlive()) {
                LOG.error("stopWithHost: the stops of {} did not finish within {} ms (the sum of their stop"
                        + " timeouts and {} ms); the JVM exits without waiting longer", names(order),
                        Duration.ofMillis(budget).toMillis(), SLACK_MILLIS);
            }
        } catch (Throwable t) {
            try {
                LOG.error("stopWithHost: stopping the servers at exit failed: {}", t.toString());
            } catch (Throwable ignored) {
                // the JVM is going anyway
            }
        }
    }

    private static String names(List<SessionServerManager> managers) {
        List<String> names = new ArrayList<>();
        for (SessionServerManager m : managers) {
            names.add("'" + m.name() + "'");
        }
        return String.join(", ", names);
    }
}
