package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.BEAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/** {@code java -jar AGENT attach <pid> ARGS} into hosts that run without the agent. */
class AttachIT {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    static java.util.stream.Stream<HostJdk> hostJdks() {
        return AgentTestHosts.hostJdks();
    }

    private Proc host(HostJdk jdk, List<String> flags) throws Exception {
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.java(jdk)));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(flags);
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        return host;
    }

    @ParameterizedTest(name = "{0} host")
    @MethodSource("hostJdks")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void attachedAgentManagesTheServerOverJmx(HostJdk jdk) throws Exception {
        assumeTrue(jdk.available(), jdk::unavailableReason);
        int jmxPort = FreePort.find();
        List<String> flags = new ArrayList<>(AgentTestHosts.jmxPortFlags(jmxPort));
        if (jdk.feature() >= 21) {
            flags.add("-XX:+EnableDynamicAgentLoading");
        }
        Proc host = host(jdk, flags);
        String pid = Long.toString(host.pid());
        // relative paths are resolved in the attaching command's directory (dir), not the host's
        Path cwd = Files.createDirectories(dir.resolve("cli"));
        Files.createDirectories(cwd.resolve("rel"));
        int port = FreePort.find();
        String args = "name=default,serverScript=" + AgentTestHosts.serverJar() + ",pidFile=rel/default.pid,port=" + port
                + ",healthCheckUrl=http://127.0.0.1:" + port + "/api/health,healthInterval=500";

        Proc attach = AgentTestHosts.agentCli(reaper, cwd, "attach", "attach", pid, args);
        assertEquals(CliExitStatus.OK, attach.process.exitValue(), attach::describe);
        assertTrue(attach.out().contains("attached to JVM " + pid + ": " + BEAN + " is registered"),
                attach::describe);

        Proc broken = AgentTestHosts.agentCli(reaper, cwd, "attach-broken", "attach", pid, AgentTestHosts.brokenArgs(dir, "broken"));
        assertEquals(CliExitStatus.OK, broken.process.exitValue(), broken::describe);

        Proc again = AgentTestHosts.agentCli(reaper, cwd, "attach-again", "attach", pid, args);
        assertEquals(CliExitStatus.OK, again.process.exitValue(), again::describe);
        assertTrue(again.out().contains(BEAN + " is already registered in JVM " + pid), again::describe);

        try (JMXConnector c = AgentTestHosts.connect(jmxPort)) {
            assertEquals(1, c.getMBeanServerConnection()
                    .queryNames(new ObjectName("dev.omega.sessionserver:name=default,*"), null).size());
        }
        AgentTestHosts.exerciseServer(reaper, dir, "127.0.0.1:" + jmxPort, "default", cwd.resolve("rel/default.pid"),
                "broken");
        assertTrue(host.process.isAlive(), host::describe);
        assertFalse(host.err().contains("WARNING"), host::describe); // Java 25: no dynamic-agent warning with the flag
    }

    /**
     * {@code attach} takes the same arguments as the agent: two servers in one load, both registered before it
     * returns; attaching again leaves them as they are; another server with a's PID file is refused by the agent in
     * the target, and attach reports it (naming both). status then sees the two.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void attachRegistersSeveralServers() throws Exception {
        Proc host = host(HostJdk.current(), List.of());
        String pid = Long.toString(host.pid());
        int portX = FreePort.find();
        int portY = FreePort.find();
        String args = "servers=x,y,serverScript=" + AgentTestHosts.serverJar() + ",x.pidFile=x.pid,y.pidFile=y.pid,x.port="
                + portX + ",y.port=" + portY + ",x.healthCheckUrl=" + ExampleServer.healthUrl(portX)
                + ",y.healthCheckUrl=" + ExampleServer.healthUrl(portY) + ",healthInterval=500";
        String x = BEAN.replace("name=default", "name=x");
        String y = BEAN.replace("name=default", "name=y");

        Proc attach = AgentTestHosts.agentCli(reaper, dir, "attach", "attach", pid, args);
        assertEquals(CliExitStatus.OK, attach.process.exitValue(), attach::describe);
        assertTrue(attach.out().contains("attached to JVM " + pid + ": " + x + " is registered")
                && attach.out().contains("attached to JVM " + pid + ": " + y + " is registered"), attach::describe);

        Proc again = AgentTestHosts.agentCli(reaper, dir, "again", "attach", pid, args);
        assertEquals(CliExitStatus.OK, again.process.exitValue(), again::describe);
        assertTrue(again.out().contains(x + " is already registered in JVM " + pid)
                && again.out().contains(y + " is already registered in JVM " + pid)
                && again.out().contains("nothing loaded"), again::describe);

        int portZ = FreePort.find();
        Proc clash = AgentTestHosts.agentCli(reaper, dir, "clash", "attach", pid, "name=z,pidFile=x.pid,port=" + portZ
                + ",healthCheckUrl=" + ExampleServer.healthUrl(portZ));
        assertEquals(CliExitStatus.AGENT_FAILED, clash.process.exitValue(), clash::describe);
        assertTrue(clash.err().contains("session server 'z' has the PID file " + dir.resolve("x.pid")
                + " of session server 'x', already managed in this JVM"), clash::describe);

        Proc status = AgentTestHosts.agentCli(reaper, dir, "status", "status", pid);
        assertEquals(CliExitStatus.NOT_ALL_RUNNING, status.process.exitValue(), status::describe);
        assertEquals(List.of("name=x State=STOPPED Pid=-1 Healthy=false UptimeSeconds=0",
                "name=y State=STOPPED Pid=-1 Healthy=false UptimeSeconds=0"), List.of(status.out().split("\n")),
                status::describe);
        assertTrue(host.process.isAlive(), host::describe);
    }

    /** Every refusal is one line with its own exit code, and nothing is attached to what is not a JVM. */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void refusalsSayWhyWithDistinctExitCodes() throws Exception {
        Proc usage = AgentTestHosts.agentCli(reaper, dir, "usage", "attach");
        assertEquals(CliExitStatus.USAGE, usage.process.exitValue(), usage::describe);
        Proc notANumber = AgentTestHosts.agentCli(reaper, dir, "nan", "attach", "12x");
        assertEquals(CliExitStatus.USAGE, notANumber.process.exitValue(), notANumber::describe);
        assertEquals("session-server-manager: attach: invalid pid '12x': not a number\n", notANumber.err());

        Proc host = host(HostJdk.current(), List.of());
        Proc badArgs = AgentTestHosts.agentCli(reaper, dir, "bad", "attach", Long.toString(host.pid()), "port=abc");
        assertEquals(CliExitStatus.INVALID_ARGUMENTS, badArgs.process.exitValue(), badArgs::describe);
        assertEquals("session-server-manager: invalid agent argument port='abc': not a number\n", badArgs.err());

        // not a JVM: refused before anything is sent (HotSpot's attach would SIGQUIT it, killing it)
        Process sleep = reaper.start(new ProcessBuilder("sleep", "60"));
        Proc notJava = AgentTestHosts.agentCli(reaper, dir, "notjava", "attach", Long.toString(sleep.pid()));
        assertEquals(CliExitStatus.NO_SUCH_JVM, notJava.process.exitValue(), notJava::describe);
        assertTrue(notJava.err().contains("is not a Java VM"), notJava::describe);
        assertTrue(sleep.isAlive(), "the non-JVM process was not signalled");

        sleep.destroyForcibly().waitFor();
        Proc gone = AgentTestHosts.agentCli(reaper, dir, "gone", "attach", Long.toString(sleep.pid()));
        assertEquals(CliExitStatus.NO_SUCH_JVM, gone.process.exitValue(), gone::describe);
        assertTrue(gone.err().contains("no process with pid " + sleep.pid()), gone::describe);

        Proc noAttach = host(HostJdk.current(), List.of("-XX:+DisableAttachMechanism"));
        Proc refused = AgentTestHosts.agentCli(reaper, dir, "refused", "attach", Long.toString(noAttach.pid()));
        assertEquals(CliExitStatus.REFUSED, refused.process.exitValue(), refused::describe);
        assertTrue(noAttach.process.isAlive(), noAttach::describe);
        assertEquals(1, refused.err().split("\n").length, refused::describe);
    }

    /** A JVM without perf data is not listed, yet it is a java process: attach reaches it. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void attachReachesAJvmThatListDoesNotShow() throws Exception {
        Proc host = host(HostJdk.current(), List.of("-XX:-UsePerfData"));
        Proc list = AgentTestHosts.agentCli(reaper, dir, "list", "list");
        assertEquals(CliExitStatus.OK, list.process.exitValue(), list::describe);
        assertFalse(list.out().contains(host.pid() + "\t"), list::describe);
        Proc attach = AgentTestHosts.agentCli(reaper, dir, "attach", "attach", Long.toString(host.pid()),
                "pidFile=" + dir.resolve("s.pid"));
        assertEquals(CliExitStatus.OK, attach.process.exitValue(), attach::describe);
        assertTrue(attach.out().contains(BEAN + " is registered"), attach::describe);
    }

    /**
     * A Java 21+ host with dynamic agents disallowed: attach says so (exit 6) and the host keeps running. Skipped
     * when neither this JVM's JDK nor the extra host JDK is 21 or newer.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void hostRefusingDynamicAgentsIsReported() throws Exception {
        Proc host = host(AgentTestHosts.jdkWithDynamicAgentSwitch(), List.of("-XX:-EnableDynamicAgentLoading"));
        Proc refused = AgentTestHosts.agentCli(reaper, dir, "refused", "attach", Long.toString(host.pid()),
                "pidFile=" + dir.resolve("s.pid"));
        assertEquals(CliExitStatus.REFUSED, refused.process.exitValue(), refused::describe);
        assertTrue(refused.err().contains("disallows dynamically loaded agents"), refused::describe);
        assertTrue(host.process.isAlive() && Procs.alive(host.pid()), host::describe);
    }
}
