package dev.omega.sessionserver.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * Reading {@code Running} and {@code State} over a real JMX connection (RMI on loopback) against the JDK's own
 * {@code java.lang:type=Runtime} {@code Uptime} over the same connection, interleaved read by read so both see the
 * same noise; once with a healthy server and once with a health endpoint that accepts connections and never answers
 * (the monitor's check then blocks for its whole timeout: reads must not).
 */
final class JmxBenchmarks {

    private static final int READS_PER_ROUND = 500;

    private final Path work;
    private final int rounds;
    private final ProcessReaper reaper;
    private final Path agentJar;

    JmxBenchmarks(Path work, int rounds, ProcessReaper reaper) {
        this.work = work;
        this.rounds = rounds;
        this.reaper = reaper;
        this.agentJar = Paths.get(System.getProperty("sessionserver.agent.jar", "target/session-server-manager-agent.jar"))
                .toAbsolutePath();
    }

    void attributeReads(Report report, boolean hungHealth) throws Exception {
        int port = FreePort.find();
        int jmxPort = FreePort.find();
        Path dir = Files.createTempDirectory(work, "jmx");
        String args = "name=bench,serverScript=" + ExampleServer.source() + ",port=" + port + ",pidFile="
                + dir.resolve("s.pid") + ",healthCheckUrl=" + ExampleServer.healthUrl(port)
                + ",healthInterval=200,healthCheckTimeout=500,autoStart=true"
                + (hungHealth ? ",startTimeout=0,env.SESSION_SERVER_HEALTH_HANG=true" : "");
        List<String> argv = new ArrayList<>(List.of(ExampleServer.java(), "-javaagent:" + agentJar + "=" + args,
                "-Dcom.sun.management.jmxremote.port=" + jmxPort, "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
                "-cp", Paths.get(BenchHost.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
                BenchHost.class.getName()));
        Process host = reaper.start(new ProcessBuilder(argv).redirectError(dir.resolve("host.err").toFile()));
        try (InputStream ignored = host.getInputStream()) {
            JMXServiceURL url = new JMXServiceURL(
                    "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
            ObjectName bean = new ObjectName("dev.omega.sessionserver:type=SessionServerManager,name=bench");
            ObjectName runtime = new ObjectName("java.lang:type=Runtime");
            try (JMXConnector c = connect(url, host)) {
                MBeanServerConnection conn = c.getMBeanServerConnection();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                String want = hungHealth ? "UNHEALTHY" : "RUNNING";
                while (!conn.isRegistered(bean) || !want.equals(conn.getAttribute(bean, "State"))) {
                    ProcessBenchmarks.check(System.nanoTime() < deadline && host.isAlive(),
                            "agent did not reach " + want + "; see " + dir.resolve("host.err"));
                    Thread.sleep(20);
                }
                long serverPid = (Long) conn.getAttribute(bean, "Pid");
                if (serverPid > 0) {
                    reaper.track(serverPid);
                }
                for (int i = 0; i < 3000; i++) { // warm-up, both sides
                    conn.getAttribute(runtime, "Uptime");
                    conn.getAttribute(bean, "Running");
                    conn.getAttribute(bean, "State");
                }
                Stats jdk = new Stats();
                Stats running = new Stats();
                Stats state = new Stats();
                for (int r = 0; r < rounds; r++) {
                    Stats rj = new Stats();
                    Stats rr = new Stats();
                    Stats rs = new Stats();
                    for (int i = 0; i < READS_PER_ROUND; i++) {
                        rj.add(timed(conn, runtime, "Uptime"));
                        rr.add(timed(conn, bean, "Running"));
                        rs.add(timed(conn, bean, "State"));
                    }
                    jdk.add(rj.percentile(99));
                    running.add(rr.percentile(99));
                    state.add(rs.percentile(99));
                }
                String when = hungHealth ? " (health endpoint hangs)" : "";
                double base = jdk.median();
                report.row("p99 read of Running over JMX" + when, "≤ 1.5 × JDK Uptime p99", running.median(),
                        "JDK Uptime p99: " + ProcessBenchmarks.fmt(base) + " ms; ratio "
                                + String.format(java.util.Locale.ROOT, "%.2f", running.median() / base),
                        running.median() <= 1.5 * base, running.count());
                report.row("p99 read of State over JMX" + when, "≤ 1.5 × JDK Uptime p99", state.median(),
                        "JDK Uptime p99: " + ProcessBenchmarks.fmt(base) + " ms; ratio "
                                + String.format(java.util.Locale.ROOT, "%.2f", state.median() / base),
                        state.median() <= 1.5 * base, state.count());
                conn.invoke(bean, "stop", null, null);
            }
        } finally {
            host.getOutputStream().close();
            host.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static double timed(MBeanServerConnection conn, ObjectName bean, String attribute) throws Exception {
        long t0 = System.nanoTime();
        conn.getAttribute(bean, attribute);
        return ProcessBenchmarks.ms(System.nanoTime() - t0);
    }

    private static JMXConnector connect(JMXServiceURL url, Process host) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return JMXConnectorFactory.connect(url);
            } catch (IOException e) {
                ProcessBenchmarks.check(System.nanoTime() < deadline && host.isAlive(), "no JMX connection: " + e);
                Thread.sleep(20);
            }
        }
    }
}
