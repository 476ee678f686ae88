package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.jmx.SessionServerMBeans;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;

/** {@code status}: the line format, the exit codes from what was read, and reading the MBeans of a JVM. */
class StatusCommandTest {

    @TempDir
    Path dir;

    private static Map<String, Object> attrs(Object state, Object pid, Object healthy, Object uptime, Object error) {
        Map<String, Object> m = new TreeMap<>();
        m.put("State", state);
        m.put("Pid", pid);
        m.put("Healthy", healthy);
        m.put("UptimeSeconds", uptime);
        if (error != null) {
            m.put("LastError", error);
        }
        return m;
    }

    static Stream<Arguments> lines() {
        return Stream.of(
                Arguments.of("a", attrs("RUNNING", 4242L, true, 42L, ""),
                        "name=a State=RUNNING Pid=4242 Healthy=true UptimeSeconds=42"),
                Arguments.of("web.1", attrs("STOPPED", -1L, false, 0L, null),
                        "name=web.1 State=STOPPED Pid=-1 Healthy=false UptimeSeconds=0"),
                Arguments.of("b", attrs("FAILED", -1L, false, 0L, "start failed: exited (exit code 1); last lines:\nNope"),
                        "name=b State=FAILED Pid=-1 Healthy=false UptimeSeconds=0 LastError=start failed: exited (exit"
                                + " code 1); last lines:\\nNope"),
                // an attribute that could not be read
                Arguments.of("c", new TreeMap<String, Object>(Map.of("State", "RUNNING")),
                        "name=c State=RUNNING Pid=? Healthy=? UptimeSeconds=?"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("lines")
    void oneStableLinePerServer(String name, Map<String, Object> attributes, String line) {
        assertEquals(line, StatusCommand.line(name, attributes));
    }

    static Stream<Arguments> exitCodes() {
        return Stream.of(
                Arguments.of(Map.of(), CliExitStatus.NONE_REGISTERED, "",
                        "session-server-manager: status: no session server MBean"
                                + " (dev.omega.sessionserver:type=SessionServerManager,*) is registered in JVM 42\n"),
                Arguments.of(Map.of("a", attrs("RUNNING", 1L, true, 1L, "")), CliExitStatus.OK,
                        "name=a State=RUNNING Pid=1 Healthy=true UptimeSeconds=1\n", ""),
                Arguments.of(Map.of("b", attrs("STOPPED", -1L, false, 0L, ""), "a", attrs("RUNNING", 1L, true, 1L, "")),
                        CliExitStatus.NOT_ALL_RUNNING,
                        "name=a State=RUNNING Pid=1 Healthy=true UptimeSeconds=1\n"
                                + "name=b State=STOPPED Pid=-1 Healthy=false UptimeSeconds=0\n",
                        "session-server-manager: status: 1 of 2 session server(s) in JVM 42 not RUNNING: b STOPPED\n"),
                Arguments.of(Map.of("a", attrs("UNHEALTHY", 1L, false, 1L, "")), CliExitStatus.NOT_ALL_RUNNING,
                        "name=a State=UNHEALTHY Pid=1 Healthy=false UptimeSeconds=1\n",
                        "session-server-manager: status: 1 of 1 session server(s) in JVM 42 not RUNNING: a UNHEALTHY\n"));
    }

    @ParameterizedTest(name = "exit {1}")
    @MethodSource("exitCodes")
    void exitsZeroOnlyWhenAllAreRunning(Map<String, Map<String, Object>> servers, int code, String stdout,
            String stderr) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StatusCommand status = new StatusCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(code, status.report(42, new TreeMap<>(servers)));
        assertEquals(stdout, out.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
        assertEquals(stderr, err.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }

    /** What the status command reads from a JVM, here this one: every session server MBean, by name. */
    @Test
    @Timeout(30)
    void readsEverySessionServerMBean() throws Exception {
        String a = "status-a-" + UUID.randomUUID();
        String b = "status-b-" + UUID.randomUUID();
        int pa = FreePort.find();
        int pb = FreePort.find();
        String args = "servers=" + a + "," + b + ",healthInterval=60000,serverScript=" + dir.resolve("s.js")
                + "," + a + ".pidFile=" + dir.resolve("a.pid") + "," + a + ".port=" + pa + "," + a
                + ".healthCheckUrl=" + ExampleServer.healthUrl(pa) + "," + b + ".pidFile=" + dir.resolve("b.pid")
                + "," + b + ".port=" + pb + "," + b + ".healthCheckUrl=" + ExampleServer.healthUrl(pb);
        try {
            for (AgentArguments server : AgentArguments.parseAll(args)) {
                AgentRuntime.get().register(server, null);
            }
            Map<String, Map<String, Object>> read = StatusCommand.Query.read(ManagementFactory.getPlatformMBeanServer());
            Map<String, Map<String, Object>> ours = new LinkedHashMap<>();
            for (String name : List.of(a, b)) {
                assertTrue(read.containsKey(name), name + " in " + read.keySet());
                ours.put(name, read.get(name));
            }
            assertEquals(Map.of("State", "STOPPED", "Pid", -1L, "Healthy", false, "UptimeSeconds", 0L, "LastError", ""),
                    ours.get(a));
            assertEquals("name=" + b + " State=STOPPED Pid=-1 Healthy=false UptimeSeconds=0",
                    StatusCommand.line(b, ours.get(b)));
            AgentRuntime.get().unregister(a);
            assertTrue(!StatusCommand.Query.read(ManagementFactory.getPlatformMBeanServer()).containsKey(a));
        } finally {
            AgentRuntime.get().unregister(a);
            AgentRuntime.get().unregister(b);
        }
        assertTrue(!ManagementFactory.getPlatformMBeanServer().isRegistered(SessionServerMBeans.objectName(b)));
    }

    @Test
    void quotedNamesAreShownUnquotedUnlessTheyHoldBlanks() throws Exception {
        assertEquals("a,b", StatusCommand.Query.displayName(SessionServerMBeans.objectName("a,b")));
        assertEquals("\"a b\"", StatusCommand.Query.displayName(
                new javax.management.ObjectName("dev.omega.sessionserver:type=SessionServerManager,name=\"a b\"")));
    }
}
