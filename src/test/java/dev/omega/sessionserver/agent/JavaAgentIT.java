package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.AGENT_JAR;
import static dev.omega.sessionserver.agent.AgentTestHosts.BEAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.management.remote.JMXConnector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.agent.hosts.Slf4jHostApp;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;

/** The agent given on a host's command line ({@code -javaagent:JAR=ARGS}), scripted with jmxterm as a user would. */
class JavaAgentIT {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    static java.util.stream.Stream<HostJdk> hostJdks() {
        return AgentTestHosts.hostJdks();
    }

    /**
     * The example host app with the agent three times: the server to manage, the same name again (registered once,
     * and said so), and a second MBean whose server script does not exist.
     */
    @ParameterizedTest(name = "{0} host")
    @MethodSource("hostJdks")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void hostStartedWithTheAgentManagesTheServerOverJmx(HostJdk jdk) throws Exception {
        int port = FreePort.find();
        int jmxPort = FreePort.find();
        String args = AgentTestHosts.serverArgs(dir, "default", port, AgentTestHosts.serverJar());
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.java(jdk)));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(AgentTestHosts.nativeAccess(jdk));
        argv.addAll(AgentTestHosts.jmxPortFlags(jmxPort));
        argv.add("-javaagent:" + AGENT_JAR + "=" + args);
        argv.add("-javaagent:" + AGENT_JAR + "=" + args);
        argv.add("-javaagent:" + AGENT_JAR + "=" + AgentTestHosts.brokenArgs(dir, "broken"));
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        try (JMXConnector c = AgentTestHosts.awaitBean(host, jmxPort, BEAN)) {
            AgentTestHosts.awaitBean(host, jmxPort, BEAN.replace("name=default", "name=broken")).close();
        }
        host.awaitErr("is already registered");

        AgentTestHosts.exerciseServer(reaper, dir, "127.0.0.1:" + jmxPort, "default", dir.resolve("default.pid"), "broken");

        assertTrue(host.process.isAlive(), host::describe);
        // every line the agent wrote is marked as its own; the second load said it changed nothing
        List<String> ours = host.errLines().stream().filter(l -> !l.isBlank()).collect(Collectors.toList());
        assertFalse(ours.isEmpty());
        for (String line : ours) { // a log event's first line (a message may go on with the server's log tail)
            if (line.matches("^\\d{4}-\\d\\d-\\d\\d .*")) {
                assertTrue(line.contains(AgentLogging.MARKER), () -> "unmarked log line '" + line + "'\n"
                        + host.describe());
            }
        }
        assertTrue(ours.get(0).contains(AgentLogging.MARKER), host::describe);
        assertEquals(1, ours.stream().filter(l -> l.contains("is already registered in this JVM")).count(),
                host::describe);
        assertTrue(host.err().contains("session server 'broken'"), host::describe);
    }

    /** Bad arguments: the host starts and runs main anyway; stderr names the key and the value, one line each. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badArgumentsLeaveTheHostRunning() throws Exception {
        Path missing = dir.resolve("missing.properties");
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.add("-javaagent:" + AGENT_JAR + "=port=abc");
        argv.add("-javaagent:" + AGENT_JAR + "=name=x,config=" + missing);
        argv.add("-javaagent:" + AGENT_JAR + "=pidFile=" + dir.resolve("a.pid") + ",colour=blue");
        argv.add("-javaagent:" + AGENT_JAR + "=servers=a,b,a.port=3001,b.port=3002,a.pidFile=" + dir.resolve("a.pid")
                + ",b.pidFile=" + dir.resolve("b.pid") + ",c.port=3003");
        argv.add("-javaagent:" + AGENT_JAR + "=servers=a,b,a.port=3001,b.port=3001,a.pidFile=" + dir.resolve("a.pid")
                + ",b.pidFile=" + dir.resolve("b.pid"));
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        assertTrue(host.process.isAlive(), host::describe);
        // the arguments are parsed on the agent's thread, in the order of the -javaagent options, after premain
        host.awaitErr("both use port 3001 (a: a.port, b: b.port); give each server its own port; the agent is not"
                + " loaded\n");
        List<String> err = host.errLines();
        assertEquals(List.of(
                "session-server-manager: invalid agent argument port='abc': not a number; the agent is not loaded",
                "session-server-manager: invalid agent argument config='" + missing + "': file not found: " + missing
                        + "; the agent is not loaded",
                // every key, in the key table's order (AgentKeyTest pins that order)
                "session-server-manager: invalid agent argument colour='blue': unknown key (keys: "
                        + String.join(", ", AgentArguments.KEYS) + "); the agent is not loaded",
                "session-server-manager: invalid agent argument c.port='3003': unknown server 'c' (servers=a,b); the"
                        + " agent is not loaded",
                "session-server-manager: invalid agent argument b.port='3001': servers 'a' and 'b' both use port 3001"
                        + " (a: a.port, b: b.port); give each server its own port; the agent is not loaded"),
                err, host::describe);
    }

    /**
     * A host with its own slf4j 1.7 and slf4j-simple 1.7: the agent (loaded with -javaagent, then again by attach)
     * brings no SLF4J warnings and leaves the host's log lines as they were.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void hostWithItsOwnSlf4j17KeepsItsLogging() throws Exception {
        String cp = String.join(java.io.File.pathSeparator, AgentTestHosts.testClasses().toString(),
                AgentTestHosts.TEST_HOSTS.resolve("slf4j-api-1.7.36.jar").toString(),
                AgentTestHosts.TEST_HOSTS.resolve("slf4j-simple-1.7.36.jar").toString());
        int port = FreePort.find();
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.add("-javaagent:" + AGENT_JAR + "=" + AgentTestHosts.serverArgs(dir, "default", port, AgentTestHosts.serverJar()));
        argv.addAll(List.of("-cp", cp, Slf4jHostApp.class.getName(), "2"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running");
        host.awaitOut("host-app: sees 1 session server MBean(s)");

        Proc attach = AgentTestHosts.agentCli(reaper, dir, "attach", "attach", Long.toString(host.pid()),
                AgentTestHosts.serverArgs(dir, "second", FreePort.find(), AgentTestHosts.serverJar()));
        assertEquals(0, attach.process.exitValue(), attach::describe);
        host.awaitOut("host-app: sees 2 session server MBean(s)");

        String logger = Slf4jHostApp.class.getName();
        List<String> hostLines = host.errLines().stream().filter(l -> l.contains(logger)).collect(Collectors.toList());
        assertEquals(List.of("[main] INFO " + logger + " - host log line before the agent",
                "[main] INFO " + logger + " - host sees 1 session server MBean(s)",
                "[main] INFO " + logger + " - host sees 2 session server MBean(s)"), hostLines, host::describe);
        assertFalse(host.err().contains("SLF4J"), host::describe);
        for (String line : host.errLines()) {
            assertTrue(line.contains(logger) || line.contains(AgentLogging.MARKER),
                    () -> "stray stderr line '" + line + "'\n" + host.describe());
        }
    }
}
