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
import java.util.UUID;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;

/** premain's work in this JVM: bad arguments on the caller's thread, the rest on the agent's daemon thread. */
class JavaAgentTest {

    @TempDir
    Path dir;

    @Test
    void badArgumentsPrintOneLineAndStartNothing() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            JavaAgent.premain("name=unit,healthInterval=soon", null);
        } finally {
            System.setErr(saved);
        }
        assertEquals("session-server-manager: invalid agent argument healthInterval='soon': not a number of"
                + " milliseconds; the agent is not loaded" + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
        assertFalse(ManagementFactory.getPlatformMBeanServer()
                .isRegistered(SessionServerManager.objectName("unit")));
    }

    @Test
    @Timeout(30)
    void loadingTwiceWithOneNameRegistersOnce() throws Exception {
        String name = "unit-" + UUID.randomUUID();
        int port = FreePort.find();
        String args = "name=" + name + ",pidFile=" + dir.resolve("s.pid") + ",serverScript=" + dir.resolve("s.js")
                + ",port=" + port + ",healthCheckUrl=" + ExampleServer.healthUrl(port) + ",healthInterval=60000";
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName objectName = SessionServerManager.objectName(name);
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
}
