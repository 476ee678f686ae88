package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.AGENT_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.management.remote.JMXConnector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.agent.AgentTestHosts.Jmxterm;
import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * Several servers in one agent ({@code servers=a,b} in a config file), driven with jmxterm, and {@code status <pid>}
 * as a script or a container health probe runs it.
 */
class MultiServerIT {

    private static final String BEAN = "dev.omega.sessionserver:type=SessionServerManager,name=";
    private static final String LINE = "name=%s State=%s Pid=%d Healthy=%s UptimeSeconds=";

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    static Stream<HostJdk> hostJdks() {
        return AgentTestHosts.hostJdks();
    }

    /** The example host app with the agent given {@code config=<file>}; that file names servers a and b. */
    private Proc hostWithTwoServers(HostJdk jdk, int jmxPort, int portA, int portB) throws Exception {
        Path config = dir.resolve("agent.properties");
        Files.write(config, List.of(
                "# two servers, one agent",
                "servers=a,b",
                "serverScript=" + AgentTestHosts.serverJar(),
                "healthInterval=500",
                "startTimeout=20000",
                "a.port=" + portA,
                "a.pidFile=run/a.pid",
                "a.healthCheckUrl=" + ExampleServer.healthUrl(portA),
                "b.port=" + portB,
                "b.pidFile=run/b.pid",
                "b.healthCheckUrl=" + ExampleServer.healthUrl(portB)), StandardCharsets.UTF_8);
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.java(jdk)));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(AgentTestHosts.nativeAccess(jdk));
        argv.addAll(AgentTestHosts.jmxPortFlags(jmxPort));
        argv.add("-javaagent:" + AGENT_JAR + "=config=" + config);
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        return host;
    }

    private Proc status(long pid) throws Exception {
        return AgentTestHosts.agentCli(reaper, dir, "status-" + System.nanoTime(), "status", Long.toString(pid));
    }

    private static List<String> lines(String text) {
        return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }

    /** A status line, checked field by field (the uptime is whatever it is, a whole number). */
    private static void assertLine(String line, String name, String state, long pid, boolean healthy) {
        String head = String.format(LINE, name, state, pid, healthy);
        assertTrue(line.startsWith(head) && line.substring(head.length()).matches("\\d+"),
                () -> "expected '" + head + "<n>', got '" + line + "'");
    }

    @ParameterizedTest(name = "{0} host")
    @MethodSource("hostJdks")
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void twoServersInOneAgentAreIndependentAndStatusReportsThem(HostJdk jdk) throws Exception {
        int jmxPort = FreePort.find();
        int portA = FreePort.find();
        int portB = FreePort.find();
        Proc host = hostWithTwoServers(jdk, jmxPort, portA, portB);
        try (JMXConnector c = AgentTestHosts.awaitBean(host, jmxPort, BEAN + "a")) {
            AgentTestHosts.awaitBean(host, jmxPort, BEAN + "b").close();
            // one agent, two servers: the monitors share the runtime's threads
            ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(c.getMBeanServerConnection(),
                    ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
            long monitors = Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds())).filter(t -> t != null)
                    .map(ThreadInfo::getThreadName).filter(n -> n.startsWith(AgentRuntime.MONITOR_THREAD_PREFIX))
                    .count();
            assertTrue(monitors >= 1 && monitors <= AgentRuntime.MONITOR_THREADS, monitors + " monitor threads");
        }

        // before any start: both STOPPED, so status says so and exits with its own code
        Proc stopped = status(host.pid());
        assertEquals(CliExitStatus.NOT_ALL_RUNNING, stopped.process.exitValue(), stopped::describe);
        List<String> before = lines(stopped.out());
        assertEquals(2, before.size(), stopped::describe);
        assertLine(before.get(0), "a", "STOPPED", -1, false);
        assertLine(before.get(1), "b", "STOPPED", -1, false);
        assertEquals("session-server-manager: status: 2 of 2 session server(s) in JVM " + host.pid()
                + " not RUNNING: a STOPPED, b STOPPED\n", stopped.err());

        // jmxterm starts both
        String target = "127.0.0.1:" + jmxPort;
        Jmxterm started = AgentTestHosts.jmxterm(reaper, dir, target,
                "run -b " + BEAN + "a start",
                "run -b " + BEAN + "b start",
                "get -s -b " + BEAN + "a State",
                "get -s -b " + BEAN + "b State",
                "get -s -b metrics:name=sessionServerStarts.name.a,type=meters Count",
                "get -s -b metrics:name=sessionServerStarts.name.b,type=meters Count");
        assertEquals(0, started.exitCode, started::toString);
        assertEquals(6, started.out.size(), started::toString);
        long pidA = Long.parseLong(started.out.get(0));
        long pidB = Long.parseLong(started.out.get(1));
        reaper.track(pidA);
        reaper.track(pidB);
        assertEquals(List.of("RUNNING", "RUNNING", "1", "1"), started.out.subList(2, 6), started::toString);
        assertTrue(pidA != pidB);
        for (long pid : List.of(pidA, pidB)) {
            assertTrue(Procs.alive(pid), "server pid " + pid + " is alive");
            assertTrue(String.join(" ", Procs.commandLine(pid)).contains(AgentTestHosts.serverJar().toString()),
                    () -> "pid " + pid + " runs the example server: " + Procs.commandLine(pid));
        }
        // relative PID files in the config file are relative to the file
        assertEquals(Long.toString(pidA), Files.readAllLines(dir.resolve("run/a.pid")).get(0));
        assertEquals(Long.toString(pidB), Files.readAllLines(dir.resolve("run/b.pid")).get(0));
        assertTrue(ExampleServer.healthy(portA) && ExampleServer.healthy(portB));

        Proc running = status(host.pid());
        assertEquals(CliExitStatus.OK, running.process.exitValue(), running::describe);
        List<String> all = lines(running.out());
        assertEquals(2, all.size(), running::describe);
        assertLine(all.get(0), "a", "RUNNING", pidA, true);
        assertLine(all.get(1), "b", "RUNNING", pidB, true);
        assertEquals("", running.err());

        // stopping a leaves b running
        Jmxterm stopA = AgentTestHosts.jmxterm(reaper, dir, target,
                "run -b " + BEAN + "a stop",
                "get -s -b " + BEAN + "a State",
                "get -s -b " + BEAN + "b State",
                "get -s -b " + BEAN + "b Pid");
        assertEquals(List.of("null", "STOPPED", "RUNNING", Long.toString(pidB)), stopA.out, stopA::toString);
        Await.until("server a (pid " + pidA + ") is gone", AgentTestHosts.DEADLINE, () -> !Procs.alive(pidA));
        assertTrue(Procs.alive(pidB), "server b (pid " + pidB + ") still runs");
        assertTrue(ExampleServer.healthy(portB));
        assertFalse(Files.exists(dir.resolve("run/a.pid")));

        Proc oneStopped = status(host.pid());
        assertEquals(CliExitStatus.NOT_ALL_RUNNING, oneStopped.process.exitValue(), oneStopped::describe);
        List<String> after = lines(oneStopped.out());
        assertEquals(2, after.size(), oneStopped::describe);
        assertLine(after.get(0), "a", "STOPPED", -1, false);
        assertLine(after.get(1), "b", "RUNNING", pidB, true);
        assertEquals("session-server-manager: status: 1 of 2 session server(s) in JVM " + host.pid()
                + " not RUNNING: a STOPPED\n", oneStopped.err());
        // a few monitor passes later b is still running and a still stopped
        Await.until("two more health checks of b", AgentTestHosts.DEADLINE, () -> healthChecksOf(target, "b") >= 3);
        assertTrue(Procs.alive(pidB));
        assertFalse(Procs.alive(pidA));

        Jmxterm stopB = AgentTestHosts.jmxterm(reaper, dir, target, "run -b " + BEAN + "b stop");
        assertEquals(0, stopB.exitCode, stopB::toString);
        Await.until("server b (pid " + pidB + ") is gone", AgentTestHosts.DEADLINE, () -> !Procs.alive(pidB));
        assertTrue(host.process.isAlive(), host::describe);
    }

    private long healthChecksOf(String target, String name) {
        try {
            Jmxterm j = AgentTestHosts.jmxterm(reaper, dir, target,
                    "get -s -b metrics:name=sessionServerHealthCheck.name." + name + ".outcome.up,type=timers Count");
            return j.out.isEmpty() ? 0 : Long.parseLong(j.out.get(0));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The supervision keys per server from the config file: a (restart=always) comes back after a SIGKILL, b (the
     * shared restart=never) stays down and status says why; neither disturbs the other.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void eachServerIsSupervisedByItsOwnPolicy() throws Exception {
        int jmxPort = FreePort.find();
        int portA = FreePort.find();
        int portB = FreePort.find();
        Path config = dir.resolve("agent.properties");
        Files.write(config, List.of("servers=a,b", "serverScript=" + AgentTestHosts.serverJar(), "healthInterval=200",
                "startTimeout=20000", "autoStart=true", "restart=never", "a.restart=always", "a.restartDelay=100",
                "a.port=" + portA, "a.pidFile=a.pid", "a.healthCheckUrl=" + ExampleServer.healthUrl(portA),
                "b.port=" + portB, "b.pidFile=b.pid", "b.healthCheckUrl=" + ExampleServer.healthUrl(portB)),
                StandardCharsets.UTF_8);
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(AgentTestHosts.jmxPortFlags(jmxPort));
        argv.add("-javaagent:" + AGENT_JAR + "=config=" + config);
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        try (JMXConnector c = AgentTestHosts.awaitBean(host, jmxPort, BEAN + "b")) {
            javax.management.MBeanServerConnection jmx = c.getMBeanServerConnection();
            javax.management.ObjectName a = new javax.management.ObjectName(BEAN + "a");
            javax.management.ObjectName b = new javax.management.ObjectName(BEAN + "b");
            Await.until("a and b RUNNING", AgentTestHosts.DEADLINE, () -> "RUNNING".equals(attr(jmx, a, "State"))
                    && "RUNNING".equals(attr(jmx, b, "State")));
            long pidA = (Long) attr(jmx, a, "Pid");
            long pidB = (Long) attr(jmx, b, "Pid");
            reaper.track(pidA);
            reaper.track(pidB);

            ProcessHandle.of(pidA).orElseThrow().destroyForcibly();
            Await.until("a restarted with a new pid", AgentTestHosts.DEADLINE, () -> {
                Object pid = attr(jmx, a, "Pid");
                return "RUNNING".equals(attr(jmx, a, "State")) && pid instanceof Long && (Long) pid > 0
                        && (Long) pid != pidA;
            });
            long newA = (Long) attr(jmx, a, "Pid");
            reaper.track(newA);
            assertTrue(Procs.alive(newA) && !Procs.alive(pidA));
            assertEquals(1L, attr(jmx, a, "Restarts"));
            assertEquals(pidB, attr(jmx, b, "Pid"), "b is untouched");
            assertTrue(Procs.alive(pidB));

            ProcessHandle.of(pidB).orElseThrow().destroyForcibly();
            Await.until("b FAILED", AgentTestHosts.DEADLINE, () -> "FAILED".equals(attr(jmx, b, "State")));
            assertEquals(0L, attr(jmx, b, "Restarts"));
            assertEquals(newA, attr(jmx, a, "Pid"), "a is untouched");

            Proc status = status(host.pid());
            assertEquals(CliExitStatus.NOT_ALL_RUNNING, status.process.exitValue(), status::describe);
            List<String> lines = lines(status.out());
            assertLine(lines.get(0), "a", "RUNNING", newA, true);
            assertTrue(lines.get(1).startsWith("name=b State=FAILED Pid=-1 Healthy=false UptimeSeconds=0 LastError=")
                    && lines.get(1).contains("pid " + pidB), status::describe);

            jmx.invoke(a, "stop", null, null);
            Await.until("a's server is gone", AgentTestHosts.DEADLINE, () -> !Procs.alive(newA));
        }
    }

    private static Object attr(javax.management.MBeanServerConnection jmx, javax.management.ObjectName name,
            String attribute) {
        try {
            return jmx.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A JVM without the agent: status loads nothing into it and says that no server is registered. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void statusOfAJvmWithoutTheAgentSaysNoneRegistered() throws Exception {
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        for (int i = 0; i < 2; i++) { // the second time too: the first loaded nothing that registers a server
            Proc none = status(host.pid());
            assertEquals(CliExitStatus.NONE_REGISTERED, none.process.exitValue(), none::describe);
            assertEquals("", none.out());
            assertEquals("session-server-manager: status: no session server MBean"
                    + " (dev.omega.sessionserver:type=SessionServerManager,*) is registered in JVM " + host.pid()
                    + "\n", none.err());
        }
        assertTrue(host.process.isAlive(), host::describe);
        assertFalse(host.err().contains(AgentLogging.MARKER), host::describe);
    }

    /**
     * What is not a JVM (a {@code sleep} this test started) is never attached to (HotSpot's attach would SIGQUIT it):
     * the not-a-JVM code, and the sleep survives. Then the other refusals, each with its documented code.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void statusRefusalsHaveTheirOwnCodesAndSignalNothing() throws Exception {
        Process sleep = reaper.start(new ProcessBuilder("sleep", "120"));
        Proc notJava = status(sleep.pid());
        assertEquals(CliExitStatus.NO_SUCH_JVM, notJava.process.exitValue(), notJava::describe);
        assertTrue(notJava.err().startsWith("session-server-manager: status: process " + sleep.pid()
                + " is not a Java VM"), notJava::describe);
        assertEquals("", notJava.out());
        assertTrue(sleep.isAlive(), "the sleep was not signalled");
        assertTrue(Procs.alive(sleep.pid()), "the sleep runs (/proc: neither gone nor a zombie)");

        sleep.destroyForcibly().waitFor();
        Proc gone = status(sleep.pid());
        assertEquals(CliExitStatus.NO_SUCH_JVM, gone.process.exitValue(), gone::describe);
        assertEquals("session-server-manager: status: no process with pid " + sleep.pid() + "\n", gone.err());

        Proc missing = AgentTestHosts.agentCli(reaper, dir, "missing", "status");
        assertEquals(CliExitStatus.USAGE, missing.process.exitValue(), missing::describe);
        Proc nan = AgentTestHosts.agentCli(reaper, dir, "nan", "status", "12x");
        assertEquals(CliExitStatus.USAGE, nan.process.exitValue(), nan::describe);
        assertEquals("session-server-manager: status: invalid pid '12x': not a number\n", nan.err());
        Proc extra = AgentTestHosts.agentCli(reaper, dir, "extra", "status", "1", "2");
        assertEquals(CliExitStatus.USAGE, extra.process.exitValue(), extra::describe);

        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.add("-XX:+DisableAttachMechanism");
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc noAttach = AgentTestHosts.start(reaper, dir, "noattach", argv);
        noAttach.awaitOut("host-app: running (pid " + noAttach.pid() + ")");
        Proc refused = status(noAttach.pid());
        assertEquals(CliExitStatus.REFUSED, refused.process.exitValue(), refused::describe);
        assertEquals(1, lines(refused.err()).size(), refused::describe);
        assertTrue(noAttach.process.isAlive(), noAttach::describe);
    }
}
