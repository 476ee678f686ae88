package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.jmx.SessionServerMBeans;
import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.jmx.SessionServerMetrics;
import dev.omega.sessionserver.jmx.SupervisionPolicy;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;

/** premain's work in this JVM: the arguments and everything after them on the agent's daemon thread. */
class JavaAgentTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(30)
    void badArgumentsPrintOneLineAndStartNothing() {
        String expected = "session-server-manager: invalid agent argument healthInterval='soon': not a number of"
                + " milliseconds; the agent is not loaded" + System.lineSeparator();
        assertEquals(expected, refusalOf("name=unit,healthInterval=soon"));
        assertFalse(ManagementFactory.getPlatformMBeanServer()
                .isRegistered(SessionServerMBeans.objectName("unit")));
    }

    /** What premain prints on stderr for arguments it refuses (parsed on the agent's thread, awaited here). */
    static String refusalOf(String agentArgs) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            JavaAgent.premain(agentArgs, null);
            Await.until("the refusal is printed", Duration.ofSeconds(20),
                    () -> err.toString(StandardCharsets.UTF_8).endsWith(System.lineSeparator()));
            Await.until("the parsing thread is done", Duration.ofSeconds(20), () -> Thread.getAllStackTraces()
                    .keySet().stream().noneMatch(t -> t.getName().equals(JavaAgent.THREAD_NAME)));
        } finally {
            System.setErr(saved);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(30)
    void loadingTwiceWithOneNameRegistersOnce() throws Exception {
        String name = "unit-" + UUID.randomUUID();
        int port = FreePort.find();
        String args = "name=" + name + ",pidFile=" + dir.resolve("s.pid") + ",serverScript=" + dir.resolve("s.js")
                + ",port=" + port + ",healthCheckUrl=" + ExampleServer.healthUrl(port) + ",healthInterval=60000";
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName objectName = SessionServerMBeans.objectName(name);
        try {
            JavaAgent.agentmain(args, null);
            Await.until(objectName + " registered", Duration.ofSeconds(20),
                    () -> server.isRegistered(objectName) && AgentRuntime.get().manager(name).isPresent());
            SessionServerManager first = AgentRuntime.get().manager(name).orElseThrow();
            boolean threadSeen = Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().startsWith(AgentRuntime.MONITOR_THREAD_PREFIX) && t.isDaemon());
            assertTrue(threadSeen, "monitor threads are daemon threads named " + AgentRuntime.MONITOR_THREAD_PREFIX);

            JavaAgent.agentmain(args, null);
            Await.until("the second load's thread is done", Duration.ofSeconds(20), () -> Thread.getAllStackTraces()
                    .keySet().stream().noneMatch(t -> t.getName().equals(JavaAgent.THREAD_NAME)));
            assertTrue(server.isRegistered(objectName));
            assertEquals(first, AgentRuntime.get().manager(name).orElseThrow(), "the first registration stays");
            assertEquals("STOPPED", server.getAttribute(objectName, "State"));
            assertEquals(null, System.getProperty(JavaAgent.ERROR_PROPERTY_PREFIX + name));
        } finally {
            AgentRuntime.get().unregister(name);
        }
        assertFalse(server.isRegistered(objectName));
    }

    /**
     * {@code servers=...} with 30 servers checked every 50 ms: 30 MBeans, 30 sets of meters (each server's health
     * checks counted under its own name), and the agent's threads do not grow with the servers: the monitors share
     * the runtime's {@value AgentRuntime#MONITOR_THREADS} threads, and the loader thread ends.
     */
    @Test
    @Timeout(60)
    void severalServersShareOneSchedulerWithAFixedNumberOfThreads() throws Exception {
        String prefix = "many-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        int count = 30;
        List<String> names = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        StringBuilder args = new StringBuilder("servers=");
        for (int i = 0; i < count; i++) {
            names.add(prefix + i);
            args.append(i == 0 ? "" : ",").append(prefix).append(i);
        }
        args.append(",healthInterval=50,healthCheckTimeout=200,serverScript=").append(dir.resolve("s.js"));
        for (String name : names) {
            int port = FreePort.find();
            while (!ports.add(port)) {
                port = FreePort.find();
            }
            args.append(',').append(name).append(".port=").append(port).append(',').append(name)
                    .append(".healthCheckUrl=").append(ExampleServer.healthUrl(port)).append(',').append(name)
                    .append(".pidFile=").append(dir.resolve(name + ".pid"));
        }
        AgentRuntime.get(); // the shared runtime exists before the count
        int threadsBefore = Thread.getAllStackTraces().size();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            JavaAgent.agentmain(args.toString(), null);
            for (String name : names) {
                Await.until(name + " registered and checked twice", Duration.ofSeconds(30),
                        () -> server.isRegistered(SessionServerMBeans.objectName(name))
                                && healthChecks(name) >= 2);
            }
            Await.until("the loader thread is done", Duration.ofSeconds(20), () -> Thread.getAllStackTraces()
                    .keySet().stream().noneMatch(t -> t.getName().equals(JavaAgent.THREAD_NAME)));
            long monitors = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith(AgentRuntime.MONITOR_THREAD_PREFIX)).count();
            assertTrue(monitors <= AgentRuntime.MONITOR_THREADS, monitors + " monitor threads for " + count
                    + " servers");
            int added = Thread.getAllStackTraces().size() - threadsBefore;
            assertTrue(added <= AgentRuntime.MONITOR_THREADS, "threads added for " + count + " servers: " + added
                    + " (at most the monitor threads, when this is the runtime's first work)");
            for (String name : names) {
                assertEquals("STOPPED", server.getAttribute(SessionServerMBeans.objectName(name), "State"));
            }
        } finally {
            for (String name : names) {
                AgentRuntime.get().unregister(name);
            }
        }
    }

    private static double healthChecks(String name) {
        return AgentRuntime.get().meterRegistry().find(SessionServerMetrics.HEALTH_CHECK)
                .tag(SessionServerMetrics.NAME_TAG, name).functionTimers().stream().mapToDouble(t -> t.count()).sum();
    }

    /**
     * The agent loaded again with another name but the PID file (or port) of a server it already manages: that
     * server is not registered, and the reason (naming both) is left for attach.
     */
    @Test
    @Timeout(30)
    void aSecondLoadCannotShareAServersPidFileOrPort() throws Exception {
        String first = "first-" + UUID.randomUUID();
        String samePid = "samepid-" + UUID.randomUUID();
        String samePort = "sameport-" + UUID.randomUUID();
        int port = FreePort.find();
        int otherPort = FreePort.find();
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            JavaAgent.agentmain("name=" + first + ",pidFile=" + dir.resolve("a.pid") + ",port=" + port
                    + ",healthCheckUrl=" + ExampleServer.healthUrl(port) + ",healthInterval=60000", null);
            Await.until(first + " registered", Duration.ofSeconds(20),
                    () -> server.isRegistered(SessionServerMBeans.objectName(first)));
            JavaAgent.agentmain("name=" + samePid + ",pidFile=" + dir.resolve("a.pid") + ",port=" + otherPort
                    + ",healthCheckUrl=" + ExampleServer.healthUrl(otherPort) + ",healthInterval=60000", null);
            JavaAgent.agentmain("name=" + samePort + ",pidFile=" + dir.resolve("b.pid") + ",port=" + port
                    + ",healthCheckUrl=" + ExampleServer.healthUrl(port) + ",healthInterval=60000", null);
            Await.until("both refusals reported", Duration.ofSeconds(20),
                    () -> System.getProperty(JavaAgent.ERROR_PROPERTY_PREFIX + samePid) != null
                            && System.getProperty(JavaAgent.ERROR_PROPERTY_PREFIX + samePort) != null);
            assertEquals("session server '" + samePid + "' has the PID file " + dir.resolve("a.pid")
                    + " of session server '" + first + "', already managed in this JVM; give it its own pidFile",
                    System.getProperty(JavaAgent.ERROR_PROPERTY_PREFIX + samePid));
            assertEquals("session server '" + samePort + "' has the port " + port + " of session server '" + first
                    + "', already managed in this JVM; give it its own port",
                    System.getProperty(JavaAgent.ERROR_PROPERTY_PREFIX + samePort));
            assertFalse(server.isRegistered(SessionServerMBeans.objectName(samePid)));
            assertFalse(server.isRegistered(SessionServerMBeans.objectName(samePort)));
        } finally {
            AgentRuntime.get().unregister(first);
            System.clearProperty(JavaAgent.ERROR_PROPERTY_PREFIX + samePid);
            System.clearProperty(JavaAgent.ERROR_PROPERTY_PREFIX + samePort);
        }
    }

    /** The supervision keys reach each server's manager: a shared default and a server's own value. */
    @Test
    @Timeout(30)
    void eachServerGetsItsSupervisionPolicy() throws Exception {
        String a = "sup-a-" + UUID.randomUUID();
        String b = "sup-b-" + UUID.randomUUID();
        int pa = FreePort.find();
        int pb = FreePort.find();
        String args = "servers=" + a + "," + b + ",healthInterval=60000,restart=on-failure,restartDelay=200,"
                + b + ".restart=always," + b + ".unhealthyThreshold=1," + a + ".pidFile=" + dir.resolve("a.pid") + ","
                + b + ".pidFile=" + dir.resolve("b.pid") + "," + a + ".port=" + pa + "," + b + ".port=" + pb + ","
                + a + ".healthCheckUrl=" + ExampleServer.healthUrl(pa) + "," + b + ".healthCheckUrl="
                + ExampleServer.healthUrl(pb);
        try {
            JavaAgent.agentmain(args, null);
            Await.until("both registered", Duration.ofSeconds(20), () -> AgentRuntime.get().manager(a).isPresent()
                    && AgentRuntime.get().manager(b).isPresent());
            SupervisionPolicy shared = SupervisionPolicy.builder().restart(SupervisionPolicy.Restart.ON_FAILURE)
                    .restartDelay(Duration.ofMillis(200)).build();
            assertEquals(shared, AgentRuntime.get().manager(a).orElseThrow().policy());
            assertEquals(shared.toBuilder().restart(SupervisionPolicy.Restart.ALWAYS).unhealthyThreshold(1).build(),
                    AgentRuntime.get().manager(b).orElseThrow().policy());
        } finally {
            AgentRuntime.get().unregister(a);
            AgentRuntime.get().unregister(b);
        }
    }
}
