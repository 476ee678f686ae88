package dev.omega.sessionserver.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
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
 * <li>After each start that spawned a server (an operator's, {@code autoStart}'s, or an automatic restart), a
 * {@link HostWatcher} process watches it, for a host that dies without running its hooks ({@code kill -9}). An
 * adopted server (one this host found running) gets no watcher: it stays when the host is killed.</li>
 * </ul>
 * Thread-safe.
 */
final class HostExitStop {

    /** What the hook waits beyond the summed stop timeouts (the SIGKILL and the last look at each tree). */
    static final long SLACK_MILLIS = 2_000;
    /** The hook's thread, and the thread that does the stops. */
    static final String THREAD_NAME = "session-server-manager-stop-with-host";
    private static final Logger LOG = LoggerFactory.getLogger(HostExitStop.class);
    private static HostExitStop instance; // guarded by HostExitStop.class

    private final List<SessionServerManager> managers = new CopyOnWriteArrayList<>();

    private HostExitStop() {
    }

    /**
     * Makes {@code manager}'s server stop with this JVM: the shutdown hook (registered with the first one), and a
     * watcher after each spawn, started on {@code executor} (off the state listener's lock).
     */
    static synchronized void add(SessionServerManager manager, Executor executor) {
        if (instance == null) {
            instance = new HostExitStop();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stopAll, THREAD_NAME));
        }
        instance.managers.add(manager);
        AtomicLong watched = new AtomicLong(-1);
        manager.addStateListener((from, to) -> {
            if (to == ServerState.RUNNING || to == ServerState.UNHEALTHY) {
                executor.execute(() -> {
                    long pid = manager.getPid();
                    if (pid > 0 && watched.getAndSet(pid) != pid) {
                        HostWatcher.watch(manager.processManager(), pid);
                    }
                });
            }
        });
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
