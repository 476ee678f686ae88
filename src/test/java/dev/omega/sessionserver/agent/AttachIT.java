package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentIt.BEAN;
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

import dev.omega.sessionserver.agent.AgentIt.Proc;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/** {@code java -jar AGENT attach <pid> ARGS} into hosts that run without the agent. */
class AttachIT {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    static java.util.stream.Stream<Integer> hostVersions() {
        return AgentIt.hostVersions();
    }

    private Proc host(int version, List<String> flags) throws Exception {
        List<String> argv = new ArrayList<>(List.of(AgentIt.java(version)));
        argv.addAll(AgentIt.fastJvm());
        argv.addAll(flags);
        argv.addAll(List.of("-cp", AgentIt.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentIt.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        return host;
    }

    @ParameterizedTest(name = "Java {0} host")
    @MethodSource("hostVersions")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void attachedAgentManagesTheServerOverJmx(int version) throws Exception {
        int jmxPort = FreePort.find();
        List<String> flags = new ArrayList<>(AgentIt.jmxPortFlags(jmxPort));
        if (version >= 21) {
            flags.add("-XX:+EnableDynamicAgentLoading");
        }
        Proc host = host(version, flags);
        String pid = Long.toString(host.pid());
        // relative paths are resolved in the attaching command's directory (dir), not the host's
        Path cwd = Files.createDirectories(dir.resolve("cli"));
        Files.createDirectories(cwd.resolve("rel"));
        int port = FreePort.find();
        String args = "name=default,serverScript=" + AgentIt.serverJar() + ",pidFile=rel/default.pid,port=" + port
                + ",healthCheckUrl=http://127.0.0.1:" + port + "/api/health,healthInterval=500";

        Proc attach = AgentIt.agentCli(reaper, cwd, "attach", "attach", pid, args);
        assertEquals(CliExitStatus.OK, attach.process.exitValue(), attach::describe);
        assertTrue(attach.out().contains("attached to JVM " + pid + ": " + BEAN + " is registered"),
                attach::describe);

        Proc broken = AgentIt.agentCli(reaper, cwd, "attach-broken", "attach", pid, AgentIt.brokenArgs(dir, "broken"));
        assertEquals(CliExitStatus.OK, broken.process.exitValue(), broken::describe);

        Proc again = AgentIt.agentCli(reaper, cwd, "attach-again", "attach", pid, args);
        assertEquals(CliExitStatus.OK, again.process.exitValue(), again::describe);
        assertTrue(again.out().contains(BEAN + " is already registered in JVM " + pid), again::describe);

        try (JMXConnector c = AgentIt.connect(jmxPort)) {
            assertEquals(1, c.getMBeanServerConnection()
                    .queryNames(new ObjectName("dev.omega.sessionserver:name=default,*"), null).size());
        }
        AgentIt.exerciseServer(reaper, dir, "127.0.0.1:" + jmxPort, "default", cwd.resolve("rel/default.pid"),
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
        Proc host = host(17, List.of());
        String pid = Long.toString(host.pid());
        int portX = FreePort.find();
        int portY = FreePort.find();
        String args = "servers=x,y,serverScript=" + AgentIt.serverJar() + ",x.pidFile=x.pid,y.pidFile=y.pid,x.port="
                + portX + ",y.port=" + portY + ",x.healthCheckUrl=" + ExampleServer.healthUrl(portX)
                + ",y.healthCheckUrl=" + ExampleServer.healthUrl(portY) + ",healthInterval=500";
        String x = BEAN.replace("name=default", "name=x");
        String y = BEAN.replace("name=default", "name=y");

        Proc attach = AgentIt.agentCli(reaper, dir, "attach", "attach", pid, args);
        assertEquals(CliExitStatus.OK, attach.process.exitValue(), attach::describe);
        assertTrue(attach.out().contains("attached to JVM " + pid + ": " + x + " is registered")
                && attach.out().contains("attached to JVM " + pid + ": " + y + " is registered"), attach::describe);

        Proc again = AgentIt.agentCli(reaper, dir, "again", "attach", pid, args);
        assertEquals(CliExitStatus.OK, again.process.exitValue(), again::describe);
        assertTrue(again.out().contains(x + " is already registered in JVM " + pid)
                && again.out().contains(y + " is already registered in JVM " + pid)
                && again.out().contains("nothing loaded"), again::describe);

        int portZ = FreePort.find();
        Proc clash = AgentIt.agentCli(reaper, dir, "clash", "attach", pid, "name=z,pidFile=x.pid,port=" + portZ
                + ",healthCheckUrl=" + ExampleServer.healthUrl(portZ));
        assertEquals(CliExitStatus.AGENT_FAILED, clash.process.exitValue(), clash::describe);
        assertTrue(clash.err().contains("session server 'z' has the PID file " + dir.resolve("x.pid")
                + " of session server 'x', already managed in this JVM"), clash::describe);

        Proc status = AgentIt.agentCli(reaper, dir, "status", "status", pid);
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
        Proc usage = AgentIt.agentCli(reaper, dir, "usage", "attach");
        assertEquals(CliExitStatus.USAGE, usage.process.exitValue(), usage::describe);
        Proc notANumber = AgentIt.agentCli(reaper, dir, "nan", "attach", "12x");
        assertEquals(CliExitStatus.USAGE, notANumber.process.exitValue(), notANumber::describe);
        assertEquals("session-server-manager: attach: invalid pid '12x': not a number\n", notANumber.err());

        Proc host = host(17, List.of());
        Proc badArgs = AgentIt.agentCli(reaper, dir, "bad", "attach", Long.toString(host.pid()), "port=abc");
        assertEquals(CliExitStatus.INVALID_ARGUMENTS, badArgs.process.exitValue(), badArgs::describe);
        assertEquals("session-server-manager: invalid agent argument port='abc': not a number\n", badArgs.err());

        // not a JVM: refused before anything is sent (HotSpot's attach would SIGQUIT it, killing it)
        Process sleep = reaper.start(new ProcessBuilder("sleep", "60"));
        Proc notJava = AgentIt.agentCli(reaper, dir, "notjava", "attach", Long.toString(sleep.pid()));
        assertEquals(CliExitStatus.NO_SUCH_JVM, notJava.process.exitValue(), notJava::describe);
        assertTrue(notJava.err().contains("is not a Java VM"), notJava::describe);
        assertTrue(sleep.isAlive(), "the non-JVM process was not signalled");

        sleep.destroyForcibly().waitFor();
        Proc gone = AgentIt.agentCli(reaper, dir, "gone", "attach", Long.toString(sleep.pid()));
        assertEquals(CliExitStatus.NO_SUCH_JVM, gone.process.exitValue(), gone::describe);
        assertTrue(gone.err().contains("no process with pid " + sleep.pid()), gone::describe);

        Proc noAttach = host(17, List.of("-XX:+DisableAttachMechanism"));
        Proc refused = AgentIt.agentCli(reaper, dir, "refused", "attach", Long.toString(noAttach.pid()));
        assertEquals(CliExitStatus.REFUSED, refused.process.exitValue(), refused::describe);
        assertTrue(noAttach.process.isAlive(), noAttach::describe);
        assertEquals(1, refused.err().split("\n").length, refused::describe);
    }

    /** A JVM without perf data is not listed, yet it is a java process: attach reaches it. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void attachReachesAJvmThatListDoesNotShow() throws Exception {
        Proc host = host(17, List.of("-XX:-UsePerfData"));
        Proc list = AgentIt.agentCli(reaper, dir, "list", "list");
        assertEquals(CliExitStatus.OK, list.process.exitValue(), list::describe);
        assertFalse(list.out().contains(host.pid() + "\t"), list::describe);
        Proc attach = AgentIt.agentCli(reaper, dir, "attach", "attach", Long.toString(host.pid()),
                "pidFile=" + dir.resolve("s.pid"));
        assertEquals(CliExitStatus.OK, attach.process.exitValue(), attach::describe);
        assertTrue(attach.out().contains(BEAN + " is registered"), attach::describe);
    }

    /** Java 25 with dynamic agents disallowed: attach says so (exit 6) and the host keeps running. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void java25RefusingDynamicAgentsIsReported() throws Exception {
        assumeTrue(Files.isExecutable(AgentIt.JAVA_25), "no Java 25 installed");
        Proc host = host(25, List.of("-XX:-EnableDynamicAgentLoading"));
        Proc refused = AgentIt.agentCli(reaper, dir, "refused", "attach", Long.toString(host.pid()),
                "pidFile=" + dir.resolve("s.pid"));
        assertEquals(CliExitStatus.REFUSED, refused.process.exitValue(), refused::describe);
        assertTrue(refused.err().contains("disallows dynamically loaded agents"), refused::describe);
        assertTrue(host.process.isAlive() && Procs.alive(host.pid()), host::describe);
    }
}
