package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.AGENT_JAR;
import static dev.omega.sessionserver.agent.AgentTestHosts.BEAN;
import static dev.omega.sessionserver.agent.AgentTestHosts.DEADLINE;
import static dev.omega.sessionserver.agent.AgentTestHosts.EXAMPLES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * JDK Flight Recorder in a host JVM with our agent, started with the command line the README documents
 * ({@code -XX:StartFlightRecording:settings=default,settings=examples/jfr/session-server.jfc,filename=...}): the
 * recording the host writes when it exits holds the lifecycle, read back with {@link RecordingFile} and printed with
 * the JDK's {@code jfr print}. And a host whose runtime has no {@code jdk.jfr} module still runs the agent.
 */
class FlightRecorderIT {

    private static final String PREFIX = "dev.omega.sessionserver.";

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void aHostRecordingWithTheShippedSettingsHoldsStartCrashRestartHealthChecksAndStop() throws Exception {
        int port = FreePort.find();
        int jmxPort = FreePort.find();
        Path recording = dir.resolve("host.jfr");
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(AgentTestHosts.jmxPortFlags(jmxPort));
        argv.add("-XX:StartFlightRecording:settings=default,settings=" + EXAMPLES.resolve("jfr/session-server.jfc")
                .toAbsolutePath() + ",filename=" + recording);
        argv.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + "=" + AgentTestHosts.serverArgs(dir, "default", port,
                AgentTestHosts.serverJar()) + ",restart=on-failure,restartDelay=200");
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);

        long first;
        long second;
        try (JMXConnector jmx = AgentTestHosts.awaitBean(host, jmxPort, BEAN)) {
            MBeanServerConnection c = jmx.getMBeanServerConnection();
            ObjectName bean = new ObjectName(BEAN);
            first = (Long) c.invoke(bean, "start", new Object[0], new String[0]);
            reaper.track(first);
            assertTrue(ProcessHandle.of(first).orElseThrow().destroyForcibly()); // SIGKILL: a crash
            long[] restarted = new long[1];
            Await.until("restarted under a new pid", DEADLINE, () -> {
                try {
                    restarted[0] = (Long) c.getAttribute(bean, "Pid");
                    return restarted[0] > 0 && restarted[0] != first && "RUNNING".equals(c.getAttribute(bean,
                            "State"));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            second = restarted[0];
            reaper.track(second);
            assertEquals(Boolean.TRUE, c.invoke(bean, "checkHealth", new Object[0], new String[0]));
            c.invoke(bean, "stop", new Object[0], new String[0]);
        }
        host.process.destroy(); // SIGTERM to the host we started: the JVM writes the recording as it exits
        host.awaitExit();
        assertTrue(Files.size(recording) > 0, "the host wrote " + recording + "\n" + host.describe());

        List<RecordedEvent> ours = RecordingFile.readAllEvents(recording).stream()
                .filter(e -> e.getEventType().getName().startsWith(PREFIX))
                .sorted(Comparator.comparing(RecordedEvent::getEndTime)).collect(Collectors.toList());
        List<String> lifecycle = ours.stream().filter(e -> !e.getEventType().getName().endsWith("HealthCheck")
                && !e.getEventType().getName().endsWith("StateChange")).map(FlightRecorderIT::describe)
                .collect(Collectors.toList());
        assertEquals(List.of("ServerStart pid " + first + " RUNNING spawned",
                "ServerCrash pid " + first + " exit code 137 signal 9",
                "ServerRestart attempt 1 after 200 ms (crash)",
                "ServerStart pid " + second + " RUNNING spawned",
                "ServerStop pid " + second + " EXITED_ON_SIGTERM (TERM)"), lifecycle);
        List<RecordedEvent> checks = ours.stream().filter(e -> e.getEventType().getName().endsWith("HealthCheck"))
                .collect(Collectors.toList());
        assertFalse(checks.isEmpty(), "the shipped settings enable HealthCheck");
        assertTrue(checks.stream().anyMatch(e -> "up".equals(e.getString("outcome"))), checks.toString());
        for (RecordedEvent e : ours) {
            assertEquals("default", e.getString("serverName"), e.toString());
        }

        // the README's command, with the JDK's own tool
        Path jfr = Path.of(AgentTestHosts.mainJava()).resolveSibling("jfr");
        Proc print = AgentTestHosts.start(reaper, dir, "jfr-print", List.of(jfr.toString(), "print", "--events",
                PREFIX + "ServerCrash," + PREFIX + "ServerStart", recording.toString()));
        assertEquals(0, print.awaitExit(), print.describe());
        String printed = print.out();
        System.out.println(printed);
        assertTrue(printed.contains(PREFIX + "ServerCrash {"), printed);
        assertTrue(printed.contains("pid = " + first) && printed.contains("pid = " + second), printed);
        assertTrue(printed.contains("signal = 9"), printed);
        assertFalse(printed.contains(PREFIX + "HealthCheck"), "only the events asked for");
    }

    @Test
    @Timeout(120)
    void aHostWithoutTheJdkJfrModuleRunsTheAgent() throws Exception {
        int port = FreePort.find();
        Path pidFile = dir.resolve("default.pid");
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(List.of("--limit-modules", "java.se", "-Ddev.omega.sessionserver.logLevel=debug"));
        argv.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + "=" + AgentTestHosts.serverArgs(dir, "default", port,
                AgentTestHosts.serverJar()) + ",autoStart=true");
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);

        host.awaitOut("host-app: running");
        host.awaitErr("autoStart: session server 'default' is running, pid ");
        reaper.track(Long.parseLong(Files.readAllLines(pidFile).get(0).trim()));
        String err = host.err();
        assertTrue(err.contains("JDK Flight Recorder events are off: this runtime has no jdk.jfr module"), err);
        assertTrue(err.contains("'default': STARTING -> RUNNING"), err);
        assertTrue(host.process.isAlive(), "the host runs on");
    }

    /** One lifecycle event in a line: what the test compares. */
    private static String describe(RecordedEvent e) {
        String type = e.getEventType().getName().substring(PREFIX.length());
        switch (type) {
            case "ServerStart":
                return type + " pid " + e.getLong("pid") + " " + e.getString("outcome") + " "
                        + (e.getBoolean("adopted") ? "adopted" : "spawned");
            case "ServerCrash":
                return type + " pid " + e.getLong("pid") + " exit code " + e.getInt("exitCode") + " signal "
                        + e.getInt("signal");
            case "ServerRestart":
                return type + " attempt " + e.getInt("attempt") + " after " + e.getDuration("delay").toMillis()
                        + " ms (" + e.getString("trigger") + ")";
            case "ServerStop":
                return type + " pid " + e.getLong("pid") + " " + e.getString("result") + " (" + e.getString("signal")
                        + ")";
            default:
                return type;
        }
    }
}
