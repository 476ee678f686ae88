package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.testing.Closer;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * Operation storms: {@value #CLIENTS} JMX clients, each on its own JMX connection (an RMI connector server on
 * 127.0.0.1 and a free port, one {@link JMXConnector} per client), call {@code start}, {@code stop} and
 * {@code restart} at random against one managed server (monitored every {@value #MONITOR_MILLIS} ms) for
 * {@value #DEFAULT_SECONDS} s, or {@code -D}{@value #SECONDS_PROPERTY}{@code =N} seconds (the bench profile: 60).
 *
 * <p>What it pins, from the kernel's point of view ({@code /proc}, independent of the library):
 * <ul>
 * <li>never two servers alive at once: a watcher scans {@code /proc} every few milliseconds for processes carrying
 * this test's marker and records the largest number alive at the same instant (a scan that sees two or more is
 * confirmed by a second pass: a process seen alive in both passes was alive in between, so all of them were alive
 * together at the end of the first pass);</li>
 * <li>in quiet moments mid-storm (every client paused between operations): State RUNNING if and only if exactly one
 * marked process is alive and it is the {@code Pid} attribute; otherwise Pid -1 and Running false;</li>
 * <li>after the final stop: State STOPPED, Pid -1, Running false, no PID file, no marked process alive.</li>
 * </ul>
 * Operations may fail with an {@link IllegalStateException} carrying a message (an operation that collided with
 * another); they are counted. Any other failure fails the test. The fast Perl server ({@link FastSessionServer}) is
 * used so that a storm makes hundreds of operations rather than tens. The random seed is printed; rerun one with
 * {@code -Dstorm.seed=N}.
 */
class OperationStormTest {

    static final int CLIENTS = 8;
    static final String SECONDS_PROPERTY = "storm.seconds";
    static final int DEFAULT_SECONDS = 15;
    static final long MONITOR_MILLIS = 50;
    /** Pause between two scans of the watcher. */
    private static final long WATCH_PAUSE_MILLIS = 2;
    private static final String[] OPERATIONS = {"start", "stop", "restart"};

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private final Closer toClose = new Closer("storm");

    @AfterEach
    void closeEverything() {
        toClose.closeAll();
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void stormOfOperationsNeverMakesTwoServersAndEndsConsistentWithTheKernel() throws Exception {
        int seconds = Integer.getInteger(SECONDS_PROPERTY, DEFAULT_SECONDS);
        long seed = Long.getLong("storm.seed", System.nanoTime());
        int port = FreePort.find();

        MBeanServer mbeanServer = MBeanServerFactory.newMBeanServer();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "storm-monitor");
            t.setDaemon(true);
            return t;
        });
        toClose.add(scheduler::shutdownNow);
        SessionServerManager manager = new SessionServerManager("storm",
                new ProcessManager(FastSessionServer.options(dir, port, reaper).build()),
                Duration.ofMillis(MONITOR_MILLIS), scheduler);
        toClose.add(manager);
        assertTrue(SessionServerMBeans.register(mbeanServer, manager));
        toClose.add(() -> SessionServerMBeans.unregister(mbeanServer, manager));
        manager.startMonitoring();
        ObjectName name = manager.objectName();

        JMXServiceURL address = startConnectorServer(mbeanServer);
        List<MBeanServerConnection> clients = new ArrayList<>();
        java.util.Set<String> connectionIds = new java.util.HashSet<>();
        for (int i = 0; i <= CLIENTS; i++) { // one more: the checker's own connection
            JMXConnector connector = JMXConnectorFactory.connect(address, null);
            toClose.add(connector);
            connectionIds.add(connector.getConnectionId());
            clients.add(connector.getMBeanServerConnection());
        }
        MBeanServerConnection checker = clients.get(CLIENTS);
        assertEquals(CLIENTS + 1, connectionIds.size(), "every client has its own connection: " + connectionIds);

        OverlapWatcher watcher = new OverlapWatcher(reaper.markerEntry());
        Thread watcherThread = new Thread(watcher, "storm-watcher");
        watcherThread.setDaemon(true);
        watcherThread.start();
        toClose.add(() -> {
            watcher.stop = true;
            watcherThread.join(10_000);
        });

        // clients hold the read lock during one operation; a quiet moment is the write lock (fair: a waiting checker
        // holds new operations back, so it gets its moment as soon as the operations under way have returned)
        ReentrantReadWriteLock quiet = new ReentrantReadWriteLock(true);
        Tally tally = new Tally();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        AtomicBoolean clientsStopped = new AtomicBoolean();
        toClose.add(() -> { // before the connections close: no operation may still be spawning when the reaper looks
            clientsStopped.set(true);
            pool.shutdown();
            if (!pool.awaitTermination(120, TimeUnit.SECONDS)) {
                System.err.println("[storm] clients still busy 120 s after the test ended");
            }
        });
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            MBeanServerConnection c = clients.get(i);
            Random random = new Random(seed + i);
            running.add(pool.submit(() -> {
                while (System.nanoTime() - end < 0 && !clientsStopped.get()) {
                    String op = OPERATIONS[random.nextInt(OPERATIONS.length)];
                    quiet.readLock().lock();
                    try {
                        tally.invoke(c, name, op, reaper);
                    } finally {
                        quiet.readLock().unlock();
                    }
                }
                return null;
            }));
        }

        // quiet moments at a third and two thirds of the storm
        List<String> quietChecks = new ArrayList<>();
        for (int k = 1; k <= 2; k++) {
            long at = end - TimeUnit.SECONDS.toNanos(seconds) + k * TimeUnit.SECONDS.toNanos(seconds) / 3;
            Await.until("storm " + k + "/3 over", Duration.ofSeconds(seconds + 60L),
                    () -> System.nanoTime() - at >= 0);
            quiet.writeLock().lock();
            try {
                quietChecks.add(assertConsistentWithKernel(checker, name, "quiet moment " + k));
            } finally {
                quiet.writeLock().unlock();
            }
        }
        for (Future<?> f : running) {
            f.get(120, TimeUnit.SECONDS); // each client ends after its operation under way at the end
        }

        checker.invoke(name, "stop", new Object[0], new String[0]);
        List<Long> afterStop = reaper.markedProcesses();
        watcher.stop = true;
        watcherThread.join(10_000);

        System.out.println("[storm] " + seconds + " s, " + CLIENTS + " clients, seed " + seed + ": " + tally
                + "; watcher: " + watcher.scans + " scans, at most " + watcher.maxAlive + " server(s) alive at once, "
                + watcher.distinctServers.size() + " servers seen; " + quietChecks + "; manager: " + manager.starts()
                + " starts, " + manager.stops() + " stops, " + manager.crashes() + " crashes");

        assertTrue(watcher.failure == null, "the watcher failed: " + watcher.failure);
        assertTrue(tally.unexpected.isEmpty(), "operations failed with something other than an"
                + " IllegalStateException with a message: " + tally.unexpected);
        assertTrue(watcher.maxAlive <= 1, "two servers were alive at once: " + watcher.worst);
        assertTrue(watcher.maxAlive == 1 && !watcher.distinctServers.isEmpty(),
                "the watcher saw servers during the storm (it can see them)");
        assertTrue(tally.succeeded("start") + tally.succeeded("restart") > 0, "some start or restart succeeded: "
                + tally);
        assertEquals(0, manager.crashes(), "no server exited unless stopped");

        assertEquals(List.of(), afterStop, "no marked process alive after the final stop (orphans)");
        assertEquals("STOPPED", checker.getAttribute(name, "State"));
        assertEquals(-1L, checker.getAttribute(name, "Pid"));
        assertEquals(false, checker.getAttribute(name, "Running"));
        assertFalse(Files.exists(dir.resolve("server.pid")), "no PID file after the final stop");
    }

    /**
     * In a quiet moment: State RUNNING if and only if exactly one marked server is alive and it is the Pid attribute;
     * with none alive, Pid -1 and Running false. Returns a line for the report.
     */
    private String assertConsistentWithKernel(MBeanServerConnection c, ObjectName name, String when)
            throws Exception {
        List<Long> alive = reaper.markedProcesses();
        String state = (String) c.getAttribute(name, "State");
        long pid = (Long) c.getAttribute(name, "Pid");
        boolean runningAttribute = (Boolean) c.getAttribute(name, "Running");
        String seen = when + ": State " + state + ", Pid " + pid + ", Running " + runningAttribute + ", alive "
                + alive;
        assertEquals(alive, reaper.markedProcesses(), "nothing changed during the quiet moment: " + seen);
        assertTrue(alive.size() <= 1, "at most one server alive: " + seen);
        boolean oneAliveWithThatPid = alive.size() == 1 && alive.get(0) == pid;
        assertEquals("RUNNING".equals(state), oneAliveWithThatPid, "State RUNNING <=> one server alive with that"
                + " Pid: " + seen);
        if (alive.isEmpty()) {
            assertEquals(-1, pid, seen);
            assertFalse(runningAttribute, seen);
        } else {
            assertTrue(runningAttribute, seen);
        }
        return seen;
    }

    private JMXServiceURL startConnectorServer(MBeanServer mbeanServer) throws IOException {
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, new LoopbackServerSocketFactory());
        env.put(RMIConnectorServer.RMI_CLIENT_SOCKET_FACTORY_ATTRIBUTE, new LoopbackClientSocketFactory());
        // no RMI registry: the address the server returns carries the serialized stub
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi://127.0.0.1:" + FreePort.find());
        JMXConnectorServer server = JMXConnectorServerFactory.newJMXConnectorServer(url, env, mbeanServer);
        server.start();
        toClose.add(server::stop);
        return server.getAddress();
    }

    /** Counts of operations by outcome, and the failures that are not allowed. Thread-safe. */
    static final class Tally {
        private final Map<String, AtomicLong> counts = new LinkedHashMap<>();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

        Tally() {
            for (String op : OPERATIONS) {
                counts.put(op + " ok", new AtomicLong());
                counts.put(op + " refused", new AtomicLong());
            }
        }

        void invoke(MBeanServerConnection c, ObjectName name, String op, ProcessReaper reaper) {
            try {
                Object result = c.invoke(name, op, new Object[0], new String[0]);
                if (result instanceof Long) {
                    reaper.track((Long) result);
                }
                counts.get(op + " ok").incrementAndGet();
            } catch (RuntimeMBeanException e) {
                Throwable target = e.getTargetException();
                if (target instanceof IllegalStateException && target.getMessage() != null
                        && !target.getMessage().isBlank()) {
                    counts.get(op + " refused").incrementAndGet();
                } else {
                    unexpected.add(op + ": " + target);
                }
            } catch (Exception | Error e) {
                unexpected.add(op + ": " + e);
            }
        }

        long succeeded(String op) {
            return counts.get(op + " ok").get();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            counts.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(v.get()));
            return b.toString();
        }
    }

    /**
     * Scans {@code /proc} for live processes carrying the marker and keeps the largest number alive at one instant.
     * A scan finding two or more checks them again at once: only those alive (same start time) in both passes count.
     */
    static final class OverlapWatcher implements Runnable {
        private final String markerEntry;
        volatile boolean stop;
        volatile int maxAlive;
        volatile String worst = "";
        volatile long scans;
        volatile Throwable failure;
        final java.util.Set<Long> distinctServers = java.util.concurrent.ConcurrentHashMap.newKeySet();

        OverlapWatcher(String markerEntry) {
            this.markerEntry = markerEntry;
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    scan();
                    scans++;
                    Thread.sleep(WATCH_PAUSE_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void scan() {
            Map<Long, Long> first = new LinkedHashMap<>(); // pid -> start ticks
            for (long pid : Procs.withEnvironmentEntry(markerEntry)) {
                if (Procs.isLauncherOrShim(Procs.commandLine(pid))) {
                    continue; // the launcher (before it becomes the server) and the shim it forks are no servers
                }
                Procs.stat(pid).filter(s -> !s.exited()).ifPresent(s -> first.put(pid, s.startTicks));
            }
            first.forEach((pid, ticks) -> distinctServers.add(pid));
            int alive = first.size();
            String what = first.keySet().toString();
            if (alive >= 2) {
                List<String> confirmed = new ArrayList<>();
                first.forEach((pid, ticks) -> {
                    List<String> argv = Procs.commandLine(pid);
                    // an empty argv: a process on its way out (its memory is gone), e.g. the launcher exiting
                    if (Procs.alive(pid, ticks) && !argv.isEmpty() && !Procs.isLauncherOrShim(argv)) {
                        confirmed.add(pid + " " + argv);
                    }
                });
                alive = confirmed.size();
                what = confirmed.toString();
            }
            if (alive > maxAlive) {
                maxAlive = alive;
                worst = alive + " alive at once: " + what;
            }
        }
    }

    /** Binds the RMI connector's sockets on 127.0.0.1 only. */
    static final class LoopbackServerSocketFactory implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LoopbackServerSocketFactory;
        }

        @Override
        public int hashCode() {
            return LoopbackServerSocketFactory.class.hashCode();
        }
    }

    /** Connects the clients to 127.0.0.1 whatever host name the stub carries. */
    static final class LoopbackClientSocketFactory implements RMIClientSocketFactory, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return new Socket(InetAddress.getLoopbackAddress(), port);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LoopbackClientSocketFactory;
        }

        @Override
        public int hashCode() {
            return LoopbackClientSocketFactory.class.hashCode();
        }
    }
}
