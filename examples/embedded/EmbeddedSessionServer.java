import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import javax.management.MBeanServer;

import dev.omega.sessionserver.jmx.SessionServerMBeans;
import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.jmx.SessionServerMetrics;
import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import io.micrometer.core.instrument.Clock;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;

/**
 * An application that manages a session server itself, without the agent: the library's
 * {@code SessionServerManager} as an MBean in the platform MBeanServer, its meters in a Micrometer registry (here
 * the JMX one, so that JConsole shows them beside the MBean), a monitor that restarts the server when it crashes.
 *
 * <pre>
 * mvn -B -q package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
 * java -cp "target/classes:$(cat target/classpath.txt)" examples/embedded/EmbeddedSessionServer.java \
 *      examples/session-server/SessionServer.java 3000 /tmp/embedded.pid
 * </pre>
 *
 * Arguments: the server script, its port, the PID file. It starts the server, prints
 * {@code embedded: RUNNING pid <pid> as <ObjectName>}, and on a line {@code stop} (or the end of its standard input)
 * stops the server, unregisters the MBean, prints {@code embedded: stopped} and exits.
 */
public final class EmbeddedSessionServer {

    private EmbeddedSessionServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: EmbeddedSessionServer <server script> <port> <pid file>");
            System.exit(2);
        }
        Path script = Paths.get(args[0]);
        int port = Integer.parseInt(args[1]);
        Path pidFile = Paths.get(args[2]);

        // 1. The core: what to run and how to tell it is healthy. build() validates; errors name the key.
        ProcessManagerOptions options = ProcessManagerOptions.builder()
                .serverScript(script)
                .port(port)
                .pidFile(pidFile)
                .healthCheckUrl("http://127.0.0.1:" + port + "/api/health")
                .startTimeout(Duration.ofSeconds(30))
                .build();
        ProcessManager processManager = new ProcessManager(options);

        // 2. The MBean: a monitor on a scheduler the application owns (a daemon thread, so it never holds the JVM
        //    up), and a restart policy. Omit the policy for one that never restarts by itself.
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "session-server-monitor");
            t.setDaemon(true);
            return t;
        });
        SupervisionPolicy policy = SupervisionPolicy.builder()
                .restart(SupervisionPolicy.Restart.ON_FAILURE)
                .build();
        SessionServerManager manager = new SessionServerManager("embedded", processManager, Duration.ofSeconds(1),
                scheduler, policy);

        // 3. Register it (dev.omega.sessionserver:type=SessionServerManager,name=embedded) and bind its meters.
        MBeanServer mbeanServer = ManagementFactory.getPlatformMBeanServer();
        SessionServerMBeans.register(mbeanServer, manager);
        JmxMeterRegistry registry = new JmxMeterRegistry(JmxConfig.DEFAULT, Clock.SYSTEM);
        new SessionServerMetrics(manager).bindTo(registry);
        manager.startMonitoring();

        try {
            long pid = manager.start(); // returns once the server answers healthy; throws with the reason otherwise
            System.out.println("embedded: " + manager.getState() + " pid " + pid + " as " + manager.objectName());
            System.out.flush();

            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.trim().equals("stop")) {
                System.out.println("embedded: " + manager.getState() + " pid " + manager.getPid());
            }
            manager.stop(); // SIGTERM to the server's process group, SIGKILL after the stop timeout
        } finally {
            // 4. Shut down in reverse: the monitor, the MBean, the meters, the scheduler. None of these stops a
            //    running server (it is detached): stop() does.
            manager.close();
            SessionServerMBeans.unregister(mbeanServer, manager);
            registry.close();
            scheduler.shutdownNow();
        }
        System.out.println("embedded: stopped");
    }
}
