package dev.omega.sessionserver.agent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.omega.sessionserver.jmx.DependencyGraph;
import dev.omega.sessionserver.jmx.SessionServerManager;

/**
 * {@code autoStart} of a load's servers in dependency order, side by side where they do not depend on each other.
 *
 * <p>A server's start begins once the starts of every server it depends on, directly or through a server without
 * {@code autoStart}, have ended, whatever their outcome (its own {@code start()} then brings up, or fails on, a
 * dependency that is not up, and says so). Servers that do not depend on each other start at the same time, on at
 * most {@value #THREADS} daemon threads named {@value #THREAD_PREFIX}N, which exist only while the starts run. With a
 * single server to start it runs in the calling thread, and no thread is made.
 *
 * <p>{@link #run} returns when every start has ended. The start itself ({@link AgentRuntime#autoStart}) logs its
 * outcome and does not throw; anything it throws all the same ends only that server's start, as one line on stderr,
 * and its dependents still start.
 */
final class AutoStartInOrder {

    /** The most servers started at the same time: each start mostly waits for its server's health. */
    static final int THREADS = 4;
    static final String THREAD_PREFIX = "session-server-autostart-";

    private AutoStartInOrder() {
    }

    /**
     * Runs {@code start} for each of {@code toStart} (whose names are in {@code graph}), in the order described in
     * the class comment, and returns when all have ended.
     */
    static void run(DependencyGraph graph, List<SessionServerManager> toStart, Consumer<SessionServerManager> start) {
        Map<String, SessionServerManager> byName = new HashMap<>();
        for (SessionServerManager m : toStart) {
            byName.put(m.name(), m);
        }
        if (toStart.size() <= 1) {
            for (String name : graph.startOrder()) {
                if (byName.containsKey(name)) {
                    start.accept(byName.get(name));
                }
            }
            return;
        }
        int threads = Math.min(THREADS, toStart.size()); // made one per task submitted, up to this many
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new AgentRuntime.DaemonThreadFactory(THREAD_PREFIX));
        try {
            Map<String, CompletableFuture<Void>> ended = new HashMap<>();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (String name : graph.startOrder()) { // each name after those it depends on
                List<CompletableFuture<Void>> before = new ArrayList<>();
                for (String dependency : graph.dependsOn(name)) {
                    before.add(ended.get(dependency));
                }
                CompletableFuture<Void> dependencies = CompletableFuture.allOf(
                        before.toArray(new CompletableFuture<?>[0])).exceptionally(t -> null);
                SessionServerManager m = byName.get(name);
                CompletableFuture<Void> self = m == null ? dependencies // not started here: only passes the order on
                        : dependencies.thenRunAsync(() -> startLoggingErrors(start, m), pool);
                ended.put(name, self);
                all.add(self);
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
        } finally {
            shutDown(pool);
        }
    }

    private static void startLoggingErrors(Consumer<SessionServerManager> start, SessionServerManager m) {
        try {
            start.accept(m);
        } catch (Throwable t) { // the host's own threads never see it; the dependents still start
            System.err.println(AgentArguments.MESSAGE_PREFIX + "autoStart of session server '" + m.name()
                    + "' failed: " + t);
        }
    }

    private static void shutDown(ExecutorService pool) {
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS); // its tasks have all ended: the threads only exit
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
