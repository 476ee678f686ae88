package dev.omega.sessionserver.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import dev.omega.sessionserver.agent.AgentTestHosts;
import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * A host JVM for the console's tests, on a loopback JMX port: the example host app with the real agent jar
 * ({@code -javaagent}, its config file written from the test's lines) or without it, or the standalone {@code run}
 * host; and a JMX connection to it as JConsole would have. Started through the test's {@link ProcessReaper}; {@link #close()} closes the connection.
 */
final class ConsoleTestHost implements AutoCloseable {

    static final String BEAN = "dev.omega.sessionserver:type=SessionServerManager,name=";

    final Proc process;
    final JMXConnector connector;

    private ConsoleTestHost(Proc process, JMXConnector connector) {
        this.process = process;
        this.connector = connector;
    }

    /**
     * A host whose agent manages servers {@code a} (started at once, RUNNING when this returns) and {@code b}
     * (not started), both the example server, plus whatever {@code extraConfig} adds; every server's PID is tracked
     * by the reaper.
     */
    static ConsoleTestHost withServersAAndB(ProcessReaper reaper, Path dir, String... extraConfig) throws Exception {
        int portA = FreePort.find();
        int portB = FreePort.find();
        List<String> config = new ArrayList<>(List.of("servers=a,b", "serverScript=" + AgentTestHosts.serverJar(),
                "healthInterval=500", "startTimeout=20000", "a.autoStart=true", "a.port=" + portA,
                "a.pidFile=run/a.pid", "a.healthCheckUrl=" + ExampleServer.healthUrl(portA), "b.port=" + portB,
                "b.pidFile=run/b.pid", "b.healthCheckUrl=" + ExampleServer.healthUrl(portB)));
        config.addAll(List.of(extraConfig));
        Path file = dir.resolve("agent.properties");
        Files.write(file, config, StandardCharsets.UTF_8);
        ConsoleTestHost host = start(reaper, dir, List.of("-javaagent:" + AgentTestHosts.AGENT_JAR + "=config=" + file,
                "-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"), BEAN + "a");
        Await.until("server a is RUNNING", AgentTestHosts.DEADLINE, () -> "RUNNING".equals(host.attribute("a", "State")));
        reaper.track(host.pid("a"));
        return host;
    }

    /** A host without the agent: a JVM with no session server MBean. */
    static ConsoleTestHost withoutAgent(ProcessReaper reaper, Path dir) throws Exception {
        return start(reaper, dir, List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"),
                "java.lang:type=Runtime");
    }

    /** The standalone host, {@code java -jar AGENT run}, managing server {@code default} (started at once). */
    static ConsoleTestHost runCommand(ProcessReaper reaper, Path dir) throws Exception {
        String args = AgentTestHosts.serverArgs(dir, "default", FreePort.find(), AgentTestHosts.serverJar())
                + ",autoStart=true";
        ConsoleTestHost host = start(reaper, dir, List.of("-jar", AgentTestHosts.AGENT_JAR.toString(), "run", args),
                BEAN + "default");
        Await.until("server default is RUNNING", AgentTestHosts.DEADLINE,
                () -> "RUNNING".equals(host.attribute("default", "State")));
        reaper.track(host.pid("default"));
        return host;
    }

    /** {@code java <fast JVM flags> <loopback JMX port> hostArgs...}, connected once {@code awaitedBean} exists. */
    private static ConsoleTestHost start(ProcessReaper reaper, Path dir, List<String> hostArgs, String awaitedBean)
            throws Exception {
        int jmxPort = FreePort.find();
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(AgentTestHosts.jmxPortFlags(jmxPort));
        argv.addAll(hostArgs);
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        return new ConsoleTestHost(host, AgentTestHosts.awaitBean(host, jmxPort, awaitedBean));
    }

    MBeanServerConnection connection() throws IOException {
        return connector.getMBeanServerConnection();
    }

    /** Attribute {@code attribute} of server {@code server}, read over the test's own connection. */
    Object attribute(String server, String attribute) {
        try {
            return connection().getAttribute(new ObjectName(BEAN + server), attribute);
        } catch (Exception e) {
            throw new AssertionError("reading " + attribute + " of " + server + ": " + e, e);
        }
    }

    long pid(String server) {
        return (Long) attribute(server, "Pid");
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
