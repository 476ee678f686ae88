package dev.omega.sessionserver.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * The {@code outside} figure: start and stop measured as a user sees them, from this JVM (not the host's), over
 * JMX, on this JVM's clock, with the Node.js example server ({@code examples/session-server/session-server.js}).
 *
 * <p>Each host is a fresh {@link BenchHost} JVM with {@code -javaagent:<agent jar>=...} and a JMX connector on a free
 * loopback port; the bench connects to it as JConsole would and invokes {@code start()} and {@code stop()}. Three
 * observer threads of this JVM, independent of the code under measurement, time what happens: the first HTTP 200 of
 * {@code GET /api/health} (a raw loopback request every 1 ms), the exec of the server (every 0.2 ms: the PIDs
 * allocated since the call, from {@code /proc/sys/kernel/ns_last_pid}, whose {@code /proc/<pid>/exe} is node and
 * whose command line names this run's copy of the server script) and its exit ({@code /proc/<pid>/stat} every
 * 0.25 ms: gone or a zombie). The first 200 is timed when the observer received it; the exec and the exit at the
 * start of the poll that first saw them.
 *
 * <p>Reps: COLD, a fresh host per rep whose first {@code start()} is timed (then the host is killed with SIGKILL
 * and a second fresh host adopts the server through the PID file and stops it: the adopted stop); WARM, one host,
 * two untimed reps, then {@code start()} and {@code stop()} per rep. Baselines in the same run, interleaved rep by
 * rep: {@code child_process.spawn(process.execPath, [server], {detached: true, stdio: 'ignore'})} by
 * {@code src/bench/node/spawn-detached.js} (a fresh script per cold rep, one script for the warm reps; the clock
 * starts when the bench writes the spawn command to the script's stdin, after the script said it is ready), and
 * {@code setsid node server.js} by {@link ProcessBuilder} from this JVM (the clock starts before
 * {@code ProcessBuilder.start()}), stopped by SIGTERM ({@code kill(2)}) plus {@code waitFor()}.
 *
 * <p>Once for this JVM's JDK and once for the extra host JDK ({@link HostJdk#extra()}, Java 22+ hosts run with
 * {@code --enable-native-access=ALL-UNNAMED}); skipped with a message without {@code node} on the PATH or without an
 * extra JDK. Every process started here is killed by PID (and checked to be the same process) in a finally block.
 */
final class OutsideBenchmarks {

    private static final String BEAN_NAME = "outside";
    private static final long HEALTH_POLL_NANOS = 1_000_000;
    private static final long EXEC_POLL_NANOS = 200_000;
    private static final long EXIT_POLL_NANOS = 250_000;
    private static final long WAIT_MILLIS = 20_000;
    private static final Path LAST_PID = Paths.get("/proc/sys/kernel/ns_last_pid");

    private final Path work;
    private final int runs;
    private final ProcessReaper reaper;
    private final Path agentJar;
    private final Path hostClasses;
    private final Path spawnScript;
    private final ObjectName bean;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "outside-watchdog");
        t.setDaemon(true);
        return t;
    });
    /** Everything started by this figure that may still run: killed (same process only) in finally blocks. */
    private final List<Process> processes = new ArrayList<>();
    private final List<long[]> servers = new ArrayList<>(); // {pid, start ticks}

    private Path node;
    private Path serverScript;
    private Path dir;
    private int hostSeq;

    OutsideBenchmarks(Path work, int runs, ProcessReaper reaper) throws Exception {
        this.work = work;
        this.runs = runs;
        this.reaper = reaper;
        this.agentJar = Paths.get(System.getProperty("sessionserver.agent.jar", "target/session-server-manager-agent.jar"))
                .toAbsolutePath();
        this.hostClasses = Paths.get(BenchHost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        this.spawnScript = Paths.get(System.getProperty("sessionserver.bench.spawn.script", "src/bench/node/spawn-detached.js"))
                .toAbsolutePath();
        this.bean = new ObjectName("dev.omega.sessionserver:type=SessionServerManager,name=" + BEAN_NAME);
    }

    void run(Report report) throws Exception {
        Optional<Path> found = onPath("node");
        if (!found.isPresent()) {
            System.out.println("outside: skipped, no `node` on the PATH (these rows use the Node.js example server)");
            return;
        }
        node = found.get().toRealPath();
        ProcessBenchmarks.check(Files.isRegularFile(spawnScript), "no " + spawnScript
                + " (run from the project directory or set -Dsessionserver.bench.spawn.script)");
        ProcessBenchmarks.check(Files.isRegularFile(agentJar), "no agent jar " + agentJar + ": mvn -B package -DskipTests");
        try {
            runOn(report, HostJdk.current());
            HostJdk extra = HostJdk.extra();
            if (extra.available()) {
                runOn(report, extra);
            } else {
                System.out.println("outside: the second host JDK's rows skipped: " + extra.unavailableReason());
            }
        } finally {
            cleanUp();
            watchdog.shutdownNow();
        }
    }

    private void runOn(Report report, HostJdk jdk) throws Exception {
        String label = " (" + jdk + " host)";
        dir = Files.createTempDirectory(work, "outside-" + jdk.feature() + "-");
        serverScript = dir.resolve("session-server.js"); // this run's own copy: the exec observer matches its path
        Files.copy(ExampleServer.source().getParent().resolve("session-server.js"), serverScript);
        System.out.println("outside" + label + ": " + runs + " cold and " + runs + " warm reps, node " + node
                + ", agent " + agentJar + ", files in " + dir);

        Stats coldLate = new Stats(); // start() returned - first 200
        Stats coldTo200 = new Stats(); // start() called -> first 200
        Stats coldAnswer = new Stats(); // the observer's successful request: sent -> 200 received
        Stats coldExec = new Stats(); // start() called -> exec seen
        Stats coldNodeTo200 = new Stats();
        Stats coldNodeExec = new Stats();
        Stats adoptedLate = new Stats(); // stop() returned - exit seen
        Stats adoptedToExit = new Stats(); // stop() called -> exit seen
        int adoptedUnseen = 0; // reps where host 2 did not show Running=true within 5 s before the stop
        for (int i = 0; i < runs; i++) {
            int port = FreePort.find();
            Path rep = Files.createTempDirectory(dir, "cold-");
            Host first = launchHost(jdk, rep, port);
            long pid;
            try {
                first.awaitState("STOPPED");
                Start s = timedStart(first, port);
                pid = s.pid;
                coldLate.add(ms(s.returned - s.first200));
                coldAnswer.add(ms(s.answer));
                coldTo200.add(ms(s.first200 - s.called));
                coldExec.add(ms(s.execSeen - s.called));
            } finally {
                first.kill9();
            }
            Host second = launchHost(jdk, rep, port);
            try {
                second.awaitRegistered();
                if (!second.awaitRunning()) { // the user sees it running in JConsole before stopping it
                    adoptedUnseen++;
                }
                Stop st = timedStop(second, pid);
                adoptedLate.add(ms(st.returned - st.exited));
                adoptedToExit.add(ms(st.exited - st.called));
            } finally {
                second.close();
            }
            try (NodeSpawner spawner = new NodeSpawner()) {
                Start n = spawner.timedSpawn(FreePort.find());
                coldNodeTo200.add(ms(n.first200 - n.called));
                coldNodeExec.add(ms(n.execSeen - n.called));
                sigtermAndAwait(n.pid);
            }
        }

        Stats warmLate = new Stats();
        Stats warmTo200 = new Stats();
        Stats warmAnswer = new Stats();
        Stats warmExec = new Stats();
        Stats stopLate = new Stats();
        Stats stopToExit = new Stats();
        Stats nodeTo200 = new Stats();
        Stats nodeExec = new Stats();
        Stats nodeInside = new Stats(); // from node's own hrtime before spawn() to the first 200
        Stats setsidTo200 = new Stats();
        Stats setsidExec = new Stats();
        Stats killToExit = new Stats();
        int port = FreePort.find();
        Host host = launchHost(jdk, Files.createTempDirectory(dir, "warm-"), port);
        try (NodeSpawner spawner = new NodeSpawner()) {
            host.awaitState("STOPPED");
            for (int i = -2; i < runs; i++) { // two untimed reps: the warm host, the warm script, this JVM's paths
                boolean counted = i >= 0;
                Start s = timedStart(host, port);
                Stop st = timedStop(host, s.pid);
                Start n = spawner.timedSpawn(FreePort.find());
                sigtermAndAwait(n.pid);
                Start b = setsidSpawn(FreePort.find());
                double kill = sigtermAndWait(b);
                if (counted) {
                    warmLate.add(ms(s.returned - s.first200));
                    warmAnswer.add(ms(s.answer));
                    warmTo200.add(ms(s.first200 - s.called));
                    warmExec.add(ms(s.execSeen - s.called));
                    stopLate.add(ms(st.returned - st.exited));
                    stopToExit.add(ms(st.exited - st.called));
                    nodeTo200.add(ms(n.first200 - n.called));
                    nodeExec.add(ms(n.execSeen - n.called));
                    nodeInside.add(ms(n.first200 - n.insideCalled));
                    setsidTo200.add(ms(b.first200 - b.called));
                    setsidExec.add(ms(b.execSeen - b.called));
                    killToExit.add(kill);
                }
            }
        } finally {
            host.close();
        }

        report.row("start() returns − the observer's first 200, cold host" + label, "≤ 2 ms", coldLate.median(),
                "start() called → first 200: " + f(coldTo200.median()) + " ms; figure p90 " + f(coldLate.percentile(90))
                        + " ms; observer polls every 1 ms, its first 200 took " + f(coldAnswer.median()) + " ms",
                coldLate.median() <= 2, coldLate.count());
        report.row("start() returns − the observer's first 200, warm host" + label, "≤ 2 ms", warmLate.median(),
                "start() called → first 200: " + f(warmTo200.median()) + " ms; figure p90 " + f(warmLate.percentile(90))
                        + " ms; observer polls every 1 ms, its first 200 took " + f(warmAnswer.median()) + " ms",
                warmLate.median() <= 2, warmLate.count());
        double warmRatio = warmTo200.median() / nodeTo200.median();
        double coldRatio = coldTo200.median() / coldNodeTo200.median();
        report.row("start() called → the server's first 200, over node's detached spawn, warm" + label,
                "≤ 1.0 × node spawn", warmTo200.median(),
                "node child_process.spawn (detached, stdio ignore): " + f(nodeTo200.median()) + " ms (from node's own "
                        + "spawn() call: " + f(nodeInside.median()) + " ms); ratio " + r(warmRatio) + "; cold host: "
                        + f(coldTo200.median()) + " ms over a fresh script's " + f(coldNodeTo200.median()) + " ms, ratio "
                        + r(coldRatio),
                warmRatio <= 1.0, warmTo200.count());
        report.row("start() called → the server's first 200, over setsid, warm" + label, "≤ setsid spawn + 3 ms",
                warmTo200.median(), "setsid node server.js (ProcessBuilder from the bench JVM): "
                        + f(setsidTo200.median()) + " ms; difference " + f(warmTo200.median() - setsidTo200.median())
                        + " ms; cold host: +" + f(coldTo200.median() - setsidTo200.median()) + " ms",
                warmTo200.median() <= setsidTo200.median() + 3, warmTo200.count());
        report.row("start() called → the server runs its own code (exec of node seen in /proc), warm" + label,
                "≤ 2 ms", warmExec.median(), "setsid from the bench: " + f(setsidExec.median()) + " ms; node spawn: "
                        + f(nodeExec.median()) + " ms; cold host: " + f(coldExec.median()) + " ms (fresh script: "
                        + f(coldNodeExec.median()) + " ms); p90 " + f(warmExec.percentile(90)) + " ms",
                warmExec.median() <= 2, warmExec.count());
        report.row("stop() returns − the server's exit (spawned)" + label, "≤ 1 ms", stopLate.median(),
                "stop() called → exit: " + f(stopToExit.median()) + " ms; figure p90 " + f(stopLate.percentile(90))
                        + " ms; observer polls every 0.25 ms",
                stopLate.median() <= 1, stopLate.count());
        report.row("stop() returns − the server's exit (adopted: host 1 killed -9, a fresh host 2 stops)" + label,
                "≤ 1 ms", adoptedLate.median(), "stop() called → exit: " + f(adoptedToExit.median())
                        + " ms; figure p90 " + f(adoptedLate.percentile(90)) + " ms; host 2 showed Running=true first in "
                        + (adoptedLate.count() - adoptedUnseen) + " of " + adoptedLate.count() + " reps",
                adoptedLate.median() <= 1, adoptedLate.count());
        double stopRatio = stopToExit.median() / killToExit.median();
        report.row("stop() called → the server's exit, over kill -TERM + wait" + label, "≤ 1.05 × kill",
                stopToExit.median(), "SIGTERM (kill(2)) + waitFor() of a setsid server from the bench: "
                        + f(killToExit.median()) + " ms; ratio " + r(stopRatio) + "; adopted: "
                        + f(adoptedToExit.median()) + " ms, ratio " + r(adoptedToExit.median() / killToExit.median()),
                stopRatio <= 1.05, stopToExit.count());
    }

    // ---- timed operations ----

    /** Times from this JVM (all System.nanoTime()). */
    private static final class Start {
        long pid;
        long called;
        long insideCalled; // the node script's own clock just before spawn() (node baseline only)
        long returned;
        long first200;
        long execSeen;
        long answer; // how long the observer's successful health request took
    }

    private static final class Stop {
        long called;
        long returned;
        long exited;
    }

    private Start timedStart(Host host, int port) throws Exception {
        Start s = new Start();
        try (HealthObserver health = new HealthObserver(port); ExecObserver exec = new ExecObserver(serverScript)) {
            s.called = System.nanoTime();
            Object pid = host.call(() -> host.conn.invoke(bean, "start", null, null));
            s.returned = System.nanoTime();
            s.pid = (Long) pid;
            trackServer(s.pid);
            s.first200 = health.await("the server's first 200 on port " + port);
            s.answer = s.first200 - health.pollStart;
            s.execSeen = exec.await("the exec of node " + serverScript);
            ProcessBenchmarks.check(exec.pid == s.pid, "exec seen in pid " + exec.pid + ", start() returned " + s.pid);
        }
        return s;
    }

    private Stop timedStop(Host host, long pid) throws Exception {
        Stop st = new Stop();
        try (ExitObserver exit = new ExitObserver(pid)) {
            st.called = System.nanoTime();
            host.call(() -> {
                host.conn.invoke(bean, "stop", null, null);
                return null;
            });
            st.returned = System.nanoTime();
            st.exited = exit.await("the exit of server pid " + pid);
        }
        return st;
    }

    /** {@code setsid node server.js} from this JVM, as the original tool's caller would; up to its first 200. */
    private Start setsidSpawn(int port) throws Exception {
        ProcessBuilder pb = reaper.mark(new ProcessBuilder("setsid", node.toString(), serverScript.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
        pb.environment().put("SESSION_SERVER_PORT", Integer.toString(port));
        Start s = new Start();
        Process p;
        try (HealthObserver health = new HealthObserver(port); ExecObserver exec = new ExecObserver(serverScript)) {
            s.called = System.nanoTime();
            p = pb.start();
            s.returned = System.nanoTime();
            processes.add(p);
            s.pid = p.pid();
            s.first200 = health.await("the setsid server's first 200 on port " + port);
            s.execSeen = exec.await("the exec of the setsid server");
            ProcessBenchmarks.check(exec.pid == s.pid, "exec seen in pid " + exec.pid + ", setsid's pid " + s.pid);
        }
        trackServer(s.pid);
        setsidProcess = p;
        return s;
    }

    private Process setsidProcess;

    /** kill -TERM + wait of the last setsid server: ms from the call to the exit the observer saw. */
    private double sigtermAndWait(Start b) throws Exception {
        Process p = setsidProcess;
        ProcessBenchmarks.check(p != null && p.pid() == b.pid, "no setsid server to stop");
        try (ExitObserver exit = new ExitObserver(b.pid)) {
            long called = System.nanoTime();
            p.toHandle().destroy(); // kill(pid, SIGTERM)
            ProcessBenchmarks.check(p.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "setsid server did not exit on SIGTERM");
            return ms(exit.await("the exit of setsid server " + b.pid) - called);
        } finally {
            processes.remove(p);
        }
    }

    /** SIGTERM to a server this JVM did not spawn (the node script's child), waiting until it is gone. */
    private void sigtermAndAwait(long pid) throws Exception {
        try (ExitObserver exit = new ExitObserver(pid)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            exit.await("the exit of node-spawned server " + pid);
        }
    }

    // ---- hosts ----

    private final class Host implements AutoCloseable {
        final Process process;
        final Path err;
        final JMXConnector connector;
        final MBeanServerConnection conn;

        Host(Process process, Path err, JMXConnector connector) throws IOException {
            this.process = process;
            this.err = err;
            this.connector = connector;
            this.conn = connector.getMBeanServerConnection();
        }

        /** A JMX call with a deadline: the watchdog kills the host (the call then fails) after WAIT_MILLIS. */
        <T> T call(java.util.concurrent.Callable<T> c) throws Exception {
            ScheduledFuture<?> dog = watchdog.schedule(() -> {
                process.destroyForcibly();
            }, WAIT_MILLIS, TimeUnit.MILLISECONDS);
            try {
                return c.call();
            } catch (Exception e) {
                throw new IllegalStateException("JMX call to host pid " + process.pid() + " failed (stderr in " + err
                        + "): " + e, e);
            } finally {
                dog.cancel(false);
            }
        }

        void awaitRegistered() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            while (!call(() -> conn.isRegistered(bean))) {
                ProcessBenchmarks.check(System.nanoTime() < deadline && process.isAlive(),
                        "the agent registered no MBean " + bean + "; see " + err);
                Thread.sleep(5);
            }
            for (int i = 0; i < 20; i++) { // warm the connection itself (RMI on both sides), not the operations
                call(() -> conn.getAttribute(bean, "State"));
            }
        }

        /** Waits up to 5 s until the agent shows Running=true (an adopted server); whether it did. */
        boolean awaitRunning() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!Boolean.TRUE.equals(call(() -> conn.getAttribute(bean, "Running")))) {
                if (System.nanoTime() - deadline >= 0 || !process.isAlive()) {
                    return false;
                }
                Thread.sleep(5);
            }
            return true;
        }

        void awaitState(String want) throws Exception {
            awaitRegistered();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            Object state;
            while (!want.equals(state = call(() -> conn.getAttribute(bean, "State")))) {
                ProcessBenchmarks.check(System.nanoTime() < deadline && process.isAlive(),
                        "the agent's State is " + state + ", not " + want + "; see " + err);
                Thread.sleep(5);
            }
        }

        void kill9() throws InterruptedException {
            closeQuietly(connector);
            process.destroyForcibly();
            ProcessBenchmarks.check(process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "host did not die on SIGKILL");
            processes.remove(process);
        }

        @Override
        public void close() throws Exception {
            closeQuietly(connector);
            closeQuietly(process.getOutputStream()); // EOF: BenchHost returns from main
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
            processes.remove(process);
        }
    }

    private Host launchHost(HostJdk jdk, Path rep, int port) throws Exception {
        int jmxPort = FreePort.find();
        String args = "name=" + BEAN_NAME + ",serverScript=" + serverScript + ",port=" + port + ",pidFile="
                + rep.resolve("server.pid") + ",logFile=" + rep.resolve("server.log") + ",healthCheckUrl="
                + ExampleServer.healthUrl(port) + ",startTimeout=15000,stopTimeout=5000";
        List<String> argv = new ArrayList<>();
        argv.add(jdk.java().toString());
        if (jdk.feature() >= 22) {
            argv.add("--enable-native-access=ALL-UNNAMED");
        }
        argv.addAll(List.of("-javaagent:" + agentJar + "=" + args, "-Dcom.sun.management.jmxremote.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort, "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Djava.rmi.server.hostname=127.0.0.1", "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false", "-Dcom.sun.management.jmxremote.local.only=true",
                "-cp", hostClasses.toString(), BenchHost.class.getName()));
        Path err = rep.resolve("host-" + (++hostSeq) + ".err");
        Process p = reaper.start(new ProcessBuilder(argv).directory(rep.toFile()).redirectError(err.toFile())
                .redirectOutput(rep.resolve("host-" + hostSeq + ".out").toFile()));
        processes.add(p);
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (true) {
            ScheduledFuture<?> dog = watchdog.schedule(() -> {
                p.destroyForcibly();
            }, WAIT_MILLIS, TimeUnit.MILLISECONDS);
            try {
                return new Host(p, err, JMXConnectorFactory.connect(url));
            } catch (IOException e) {
                ProcessBenchmarks.check(System.nanoTime() < deadline && p.isAlive(),
                        "no JMX connection to host pid " + p.pid() + " (" + e + "); see " + err);
                Thread.sleep(20);
            } finally {
                dog.cancel(false);
            }
        }
    }

    // ---- the node baseline ----

    /** src/bench/node/spawn-detached.js, started and ready (its own start-up is over before any timing). */
    private final class NodeSpawner implements AutoCloseable {
        final Process process;
        final OutputStream in;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        NodeSpawner() throws Exception {
            process = reaper.start(new ProcessBuilder(node.toString(), spawnScript.toString())
                    .redirectError(dir.resolve("spawn-detached.err").toFile()));
            processes.add(process);
            in = process.getOutputStream();
            InputStream out = process.getInputStream();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the script is gone: next() reports it
                }
                lines.add("eof");
            }, "outside-node-reader");
            reader.setDaemon(true);
            reader.start();
            String ready = next();
            ProcessBenchmarks.check(ready.startsWith("ready "), "spawn-detached.js said '" + ready + "'");
        }

        String next() throws InterruptedException {
            String line = lines.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            ProcessBenchmarks.check(line != null, "spawn-detached.js said nothing for " + WAIT_MILLIS + " ms");
            return line;
        }

        Start timedSpawn(int port) throws Exception {
            Start s = new Start();
            byte[] command = ("spawn " + port + " " + serverScript + "\n").getBytes(StandardCharsets.UTF_8);
            try (HealthObserver health = new HealthObserver(port); ExecObserver exec = new ExecObserver(serverScript)) {
                s.called = System.nanoTime();
                in.write(command);
                in.flush();
                String line = next();
                s.returned = System.nanoTime();
                String[] f = line.split(" ");
                ProcessBenchmarks.check(f.length == 4 && f[0].equals("spawned"), "spawn-detached.js said '" + line + "'");
                s.pid = Long.parseLong(f[1]);
                s.insideCalled = Long.parseLong(f[2]);
                trackServer(s.pid);
                s.first200 = health.await("the node-spawned server's first 200 on port " + port);
                s.execSeen = exec.await("the exec of the node-spawned server");
                ProcessBenchmarks.check(exec.pid == s.pid, "exec seen in pid " + exec.pid + ", node spawned " + s.pid);
            }
            return s;
        }

        @Override
        public void close() throws Exception {
            closeQuietly(in);
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
            processes.remove(process);
        }
    }

    // ---- observers: threads of this JVM, independent of the code measured ----

    /** Polls every {@code period} ns; {@link #await} gives the start of the first poll that saw the condition. */
    private abstract static class Observer implements AutoCloseable {
        private final Thread thread;
        private volatile boolean closed;
        private volatile long seen;
        volatile long pollStart; // the start of the poll that saw it

        Observer(String name, long periodNanos) {
            thread = new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
                while (!closed && System.nanoTime() - deadline < 0) {
                    long t = System.nanoTime();
                    if (poll()) {
                        long end = System.nanoTime();
                        pollStart = t;
                        seen = stampAtEnd() ? end : t;
                        return;
                    }
                    long rest = t + periodNanos - System.nanoTime();
                    if (rest > 0) {
                        LockSupport.parkNanos(rest);
                    }
                }
            }, name);
            thread.setDaemon(true);
        }

        /** Starts polling; called at the end of a subclass's constructor. */
        final void begin() {
            thread.start();
        }

        abstract boolean poll();

        /** Whether the time seen is the end of the poll (an answer received) rather than its start (a read). */
        boolean stampAtEnd() {
            return false;
        }

        long await(String what) throws InterruptedException {
            thread.join(WAIT_MILLIS + 1000);
            long t = seen;
            ProcessBenchmarks.check(t != 0, "the observer never saw " + what);
            return t;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** {@code GET /api/health} over a raw loopback socket (HTTP/1.1, Connection: close), every 1 ms, until a 200. */
    private static final class HealthObserver extends Observer {
        private final InetSocketAddress address;
        private final byte[] request;

        HealthObserver(int port) throws IOException {
            super("outside-health-" + port, HEALTH_POLL_NANOS);
            address = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
            request = ("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            begin();
        }

        @Override
        boolean stampAtEnd() {
            return true; // the observer's first 200 is when it received it
        }

        @Override
        boolean poll() {
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(address, 1000);
                s.setSoTimeout(1000);
                s.getOutputStream().write(request);
                InputStream in = s.getInputStream();
                byte[] head = new byte[12]; // "HTTP/1.1 200"
                int n = 0;
                while (n < head.length) {
                    int r = in.read(head, n, head.length - n);
                    if (r < 0) {
                        return false;
                    }
                    n += r;
                }
                return new String(head, StandardCharsets.US_ASCII).matches("HTTP/1\\.[01] 200");
            } catch (IOException e) {
                return false;
            }
        }
    }

    /** The server's exit: {@code /proc/<pid>/stat} gone or a zombie. */
    private static final class ExitObserver extends Observer {
        private final long pid;

        ExitObserver(long pid) {
            super("outside-exit-" + pid, EXIT_POLL_NANOS);
            this.pid = pid;
            begin();
        }

        @Override
        boolean poll() {
            return Procs.stat(pid).map(Procs.Stat::exited).orElse(true);
        }
    }

    /**
     * The exec of the server: every PID allocated since the observer was created (threads dropped) until one runs
     * node ({@code /proc/<pid>/exe}) with this run's server script on its command line. Before the exec, a process
     * forked to become the server runs its parent's program (Perl, java, node with another script): it stays a
     * candidate until it execs or is gone.
     */
    private final class ExecObserver extends Observer {
        private final String script;
        private final String nodeName;
        private final Set<Long> candidates = new LinkedHashSet<>();
        private long next;
        private final long first;
        volatile long pid;

        ExecObserver(Path script) throws IOException {
            super("outside-exec", EXEC_POLL_NANOS);
            this.script = script.toString();
            this.nodeName = node.getFileName().toString();
            this.next = lastPid() + 1;
            this.first = next;
            begin();
        }

        @Override
        boolean poll() {
            long last;
            try {
                last = lastPid();
            } catch (IOException e) {
                return false;
            }
            if (last < next - 1) { // the PIDs wrapped: take every process there is
                String[] names = Paths.get("/proc").toFile().list();
                for (String name : names == null ? new String[0] : names) {
                    if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
                        addCandidate(Long.parseLong(name));
                    }
                }
            } else {
                for (long p = next; p <= last; p++) {
                    addCandidate(p);
                }
            }
            next = last + 1;
            for (Iterator<Long> it = candidates.iterator(); it.hasNext();) {
                long p = it.next();
                Path proc = Paths.get("/proc", Long.toString(p));
                Path exe;
                try {
                    exe = Files.readSymbolicLink(proc.resolve("exe"));
                } catch (IOException e) {
                    if (!Files.exists(proc)) {
                        it.remove();
                    }
                    continue;
                }
                if (exe.getFileName() != null && exe.getFileName().toString().equals(nodeName)
                        && Procs.commandLine(p).contains(script)) {
                    pid = p;
                    return true;
                }
            }
            return false;
        }

        /** For a failure message: what the candidates are now. */
        String describe() {
            StringBuilder sb = new StringBuilder("from pid " + first + " on, candidates now:");
            for (long p : new ArrayList<>(candidates)) {
                String exe;
                try {
                    exe = Files.readSymbolicLink(Paths.get("/proc", Long.toString(p), "exe")).toString();
                } catch (IOException e) {
                    exe = "?";
                }
                sb.append(' ').append(p).append('=').append(exe).append(' ').append(Procs.commandLine(p));
            }
            return sb.toString();
        }

        @Override
        long await(String what) throws InterruptedException {
            try {
                return super.await(what);
            } catch (IllegalStateException e) {
                throw new IllegalStateException(e.getMessage() + "; " + describe(), e);
            }
        }

        private void addCandidate(long p) {
            if (candidates.contains(p)) {
                return;
            }
            try { // a thread of some process (its TID came from the same counter) never execs on its own
                for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(p), "status"))) {
                    if (line.startsWith("Tgid:")) {
                        if (Long.parseLong(line.substring(5).trim()) == p) {
                            candidates.add(p);
                        }
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone already, or not ours to read
            }
        }
    }

    /**
     * The last PID the kernel allocated. One read from offset 0 into a buffer large enough: a sysctl file answers a
     * read at an offset > 0 with end-of-file, and {@link Files#readAllBytes} first reads a single byte of a file
     * whose size is 0 (it would see "1" of "15220").
     */
    private static long lastPid() throws IOException {
        byte[] buf = new byte[32];
        int n;
        try (InputStream in = Files.newInputStream(LAST_PID)) {
            n = in.read(buf);
        }
        return Long.parseLong(new String(buf, 0, Math.max(n, 0), StandardCharsets.US_ASCII).trim());
    }

    // ---- bookkeeping ----

    private void trackServer(long pid) {
        reaper.track(pid);
        Procs.stat(pid).ifPresent(s -> servers.add(new long[] {pid, s.startTicks}));
    }

    /** Kills, by PID, whatever this figure started that still runs (a server only if it is the same process). */
    private void cleanUp() {
        for (long[] s : servers) {
            if (Procs.alive(s[0], s[1])) {
                System.err.println("outside: SIGKILL to server pid " + s[0] + ", still running at the end");
                ProcessHandle.of(s[0]).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        servers.clear();
        for (Process p : new ArrayList<>(processes)) {
            if (p.isAlive()) {
                System.err.println("outside: SIGKILL to pid " + p.pid() + ", still running at the end");
                p.destroyForcibly();
                try {
                    p.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        processes.clear();
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        for (String d : path == null ? new String[0] : path.split(java.io.File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(d, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // best effort
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String f(double v) {
        return ProcessBenchmarks.fmt(v);
    }

    private static String r(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
