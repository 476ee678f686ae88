package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * The agent jar is also a JConsole plugin, yet a host running the agent never loads a Swing, AWT or JConsole class, nor
 * the plugin's: only JConsole's service loader reaches them. Proved with the host's own class loading log
 * ({@code -Xlog:class+load}) while a JMX client works its server the way JConsole's tab would; and, for honesty, the
 * same host without the agent loads none either (so the check is not vacuous about the JDK itself).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostClassLoadingIT {

    /** Class name prefixes a host must not load because of the agent. */
    private static final List<String> FORBIDDEN = List.of("javax.swing.", "java.awt.", "sun.awt.", "sun.java2d.",
            "com.sun.tools.jconsole.", "sun.tools.jconsole.", "dev.omega.sessionserver.console.");

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    @Test
    void aJavaAgentHostWorkingItsServerOverJmxLoadsNoSwingAwtOrConsoleClass() throws Exception {
        int port = FreePort.find();
        List<String> loaded = classesLoadedBy(List.of(
                "-javaagent:" + AgentTestHosts.AGENT_JAR + "=" + AgentTestHosts.serverArgs(dir, "default", port,
                        AgentTestHosts.serverJar()),
                "-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"), true);
        assertTrue(loaded.contains("dev.omega.sessionserver.jmx.SessionServerManager"),
                "the log lists the agent's classes (the check sees what the host loads)");
        assertEquals(List.of(), forbidden(loaded));
    }

    @Test
    void aRunHostWorkingItsServerOverJmxLoadsNoSwingAwtOrConsoleClass() throws Exception {
        int port = FreePort.find();
        List<String> loaded = classesLoadedBy(List.of("-jar", AgentTestHosts.AGENT_JAR.toString(), "run",
                AgentTestHosts.serverArgs(dir, "default", port, AgentTestHosts.serverJar())), true);
        assertTrue(loaded.contains("dev.omega.sessionserver.agent.RunCommand"), "the log lists the agent's classes");
        assertEquals(List.of(), forbidden(loaded));
    }

    @Test
    void theSameHostWithoutTheAgentLoadsNoneEither() throws Exception {
        List<String> loaded = classesLoadedBy(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"),
                false);
        assertTrue(loaded.contains("javax.management.remote.rmi.RMIConnectionImpl"),
                "the log lists the JMX classes the client's connection made the host load");
        assertEquals(List.of(), forbidden(loaded));
    }

    /**
     * Starts a host ({@code hostArgs} after the JVM flags) with its class loading logged, connects over JMX and, when
     * it has a session server, starts it, reads every attribute and the MBean's info, checks its health and stops
     * it; then ends the host and returns the classes it loaded, in order.
     */
    private List<String> classesLoadedBy(List<String> hostArgs, boolean withServer) throws Exception {
        Path log = dir.resolve("class-load.log");
        int jmxPort = FreePort.find();
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava(), "-Xlog:class+load=info:file=" + log));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(AgentTestHosts.jmxPortFlags(jmxPort));
        argv.addAll(hostArgs);
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        String awaited = withServer ? AgentTestHosts.BEAN : "java.lang:type=Runtime";
        try (JMXConnector c = AgentTestHosts.awaitBean(host, jmxPort, awaited)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            mbs.queryNames(new ObjectName("dev.omega.sessionserver:type=SessionServerManager,*"), null);
            if (withServer) {
                workTheServer(mbs, new ObjectName(AgentTestHosts.BEAN));
            }
        }
        host.process.destroy();
        assertTrue(host.process.waitFor(AgentTestHosts.DEADLINE.toMillis(), TimeUnit.MILLISECONDS), host::describe);
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().map(HostClassLoadingIT::className)
                .filter(n -> !n.isEmpty()).collect(Collectors.toList());
    }

    /**
     * What the console's tab does to a server: every attribute, the info, notifications, a start, health, the log, a
     * signal (HUP: the example server logs it and keeps running), a stop.
     */
    private void workTheServer(MBeanServerConnection mbs, ObjectName bean) throws Exception {
        List<String> attributes = new ArrayList<>();
        for (javax.management.MBeanAttributeInfo a : mbs.getMBeanInfo(bean).getAttributes()) {
            attributes.add(a.getName());
        }
        javax.management.NotificationListener listener = (n, handback) -> { };
        mbs.addNotificationListener(bean, listener, null, null);
        long pid = (Long) mbs.invoke(bean, "start", new Object[0], new String[0]);
        reaper.track(pid);
        mbs.getAttributes(bean, attributes.toArray(new String[0]));
        assertEquals(Boolean.TRUE, mbs.invoke(bean, "checkHealth", new Object[0], new String[0]));
        mbs.invoke(bean, "tailLog", new Object[] {20}, new String[] {"int"}); // the log pane
        mbs.invoke(bean, "signal", new Object[] {"HUP"}, new String[] {String.class.getName()}); // Send signal…
        mbs.invoke(bean, "stop", new Object[0], new String[0]);
        mbs.removeNotificationListener(bean, listener);
        Await.until("the server (pid " + pid + ") is gone", AgentTestHosts.DEADLINE, () -> !Procs.alive(pid));
    }

    /** The class name of one {@code -Xlog:class+load} line ({@code [0.012s][info][class,load] NAME source: ...}). */
    private static String className(String line) {
        int start = line.indexOf("] ", line.indexOf("[class,load]"));
        if (!line.contains("[class,load]") || start < 0) {
            return "";
        }
        int end = line.indexOf(' ', start + 2);
        return end < 0 ? line.substring(start + 2) : line.substring(start + 2, end);
    }

    private static List<String> forbidden(List<String> loaded) {
        return loaded.stream().filter(n -> FORBIDDEN.stream().anyMatch(n::startsWith)).collect(Collectors.toList());
    }
}
