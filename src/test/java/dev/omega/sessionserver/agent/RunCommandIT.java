package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.BEAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.agent.AgentTestHosts.Jmxterm;
import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * {@code java -jar AGENT run}: the jar as its own host, managing the bundled example server, driven with the jmxterm
 * line it prints and the scripts in examples/jmxterm/.
 */
class RunCommandIT {

    private static final Pattern OWN_PID = Pattern.compile("this JVM \\(pid (\\d+)\\)");

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void runManagesTheBundledServerAndLeavesItRunningOnExit() throws Exception {
        int port = FreePort.find();
        Path pidFile = dir.resolve("run/server.pid");
        String[] args = {"pidFile=" + pidFile, "port=" + port, "healthCheckUrl=" + ExampleServer.healthUrl(port),
            "healthInterval=500", "startTimeout=30000"};
        Proc run = startRun(args);
        String out = run.awaitOut("state STOPPED");
        Matcher m = OWN_PID.matcher(out);
        assertTrue(m.find(), out);
        assertEquals(run.pid(), Long.parseLong(m.group(1)));
        assertTrue(out.contains("jconsole " + run.pid()), out);
        Path script = dir.resolve("run/server-example/SessionServer.java");
        assertTrue(Files.isRegularFile(script), "bundled example extracted beside the PID file");
        assertTrue(out.contains(script + " (the bundled example)"), out);

        // the printed jmxterm line, pasted into a shell (with the jar's real path)
        String line = out.lines().filter(l -> l.trim().startsWith("jmxterm   echo")).findFirst().orElseThrow()
                .trim().substring("jmxterm".length()).trim().replace(RunCommand.JMXTERM_JAR,
                        AgentTestHosts.JMXTERM_JAR.toString());
        Proc pasted = AgentTestHosts.start(reaper, dir, "pasted", List.of("bash", "-c", line));
        pasted.process.getOutputStream().close();
        assertEquals(0, pasted.awaitExit(), pasted::describe);
        long serverPid = Long.parseLong(pasted.out().trim());
        reaper.track(serverPid);
        assertTrue(Procs.alive(serverPid));
        assertTrue(String.join(" ", Procs.commandLine(serverPid)).endsWith(script.toString()),
                () -> "runs the bundled example: " + Procs.commandLine(serverPid));
        run.awaitOut("state STARTING -> RUNNING (pid " + serverPid + ")");

        // examples/jmxterm/status.jmx against the PID
        Jmxterm status = script(run.pid(), "status.jmx");
        assertEquals(0, status.exitCode, status::toString);
        assertTrue(status.out.contains("State = RUNNING;") && status.out.contains("Pid = " + serverPid + ";")
                && status.out.contains("Running = true;") && status.out.contains("Healthy = true;"), status::toString);
        assertTrue(status.out.contains("Value = 1.0;") && status.out.contains("Count = 1;"), status::toString);

        // Ctrl-C (here SIGTERM: the same shutdown hooks) leaves the detached server running, and says so
        run.process.destroy();
        assertEquals(143, run.awaitExit(), run::describe);
        assertTrue(run.out().contains("exiting; the session server keeps running (pid " + serverPid), run::describe);
        assertTrue(Procs.alive(serverPid), "the server outlives run");

        // a second run adopts it (autoStart finds it by the PID file), and examples/jmxterm/stop.jmx stops it
        Proc again = startRun(append(args, "autoStart=true"));
        again.awaitOut("-> RUNNING (pid " + serverPid + ")"); // adopted: the same PID
        Jmxterm stop = script(again.pid(), "stop.jmx");
        assertEquals(0, stop.exitCode, stop::toString);
        assertEquals(List.of("null", "State = STOPPED;", "Running = false;", "Pid = -1;"), stop.out, stop::toString);
        Await.until("server " + serverPid + " is gone", AgentTestHosts.DEADLINE, () -> !Procs.alive(serverPid));
        again.awaitOut("state STOPPING -> STOPPED");

        // and examples/jmxterm/start.jmx starts a new one, which jmxterm reports
        Jmxterm start = script(again.pid(), "start.jmx");
        assertEquals(0, start.exitCode, start::toString);
        long newPid = Long.parseLong(start.out.get(0));
        reaper.track(newPid);
        assertEquals(List.of(Long.toString(newPid), "State = RUNNING;", "Pid = " + newPid + ";", "Healthy = true;"),
                start.out, start::toString);
        AgentTestHosts.jmxterm(reaper, dir, Long.toString(again.pid()), "run -b " + BEAN + " stop");
        Await.until("server " + newPid + " is gone", AgentTestHosts.DEADLINE, () -> !Procs.alive(newPid));
        again.process.destroy();
        assertEquals(143, again.awaitExit(), again::describe);
        assertTrue(again.out().contains("exiting; no session server is running"), again::describe);
    }

    /**
     * {@code run} takes the same arguments as the agent: two servers, a (the example server jar) and b (no script:
     * the bundled example, extracted beside b's PID file), both started by autoStart, one after the other.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void runManagesSeveralServers() throws Exception {
        int portA = FreePort.find();
        int portB = FreePort.find();
        Proc run = startRun("servers=a,b", "a.serverScript=" + AgentTestHosts.serverJar(), "a.port=" + portA,
                "a.healthCheckUrl=" + ExampleServer.healthUrl(portA), "a.pidFile=" + dir.resolve("run/a.pid"),
                "b.port=" + portB, "b.healthCheckUrl=" + ExampleServer.healthUrl(portB),
                "b.pidFile=" + dir.resolve("run/b.pid"), "healthInterval=500", "startTimeout=30000", "autoStart=true");
        String out = run.awaitOut("b: state STARTING -> RUNNING (pid ");
        assertTrue(out.contains("this JVM (pid " + run.pid() + ") manages 2 session servers: a b"), out);
        assertTrue(out.contains("MBean     " + BEAN.replace("name=default", "name=a")), out);
        assertTrue(out.contains(dir.resolve("run/b-example/SessionServer.java") + " (the bundled example)"), out);
        assertTrue(out.contains("status    java -jar " + AgentTestHosts.AGENT_JAR + " status " + run.pid()), out);
        Matcher a = Pattern.compile("a: state STARTING -> RUNNING \\(pid (\\d+)\\)").matcher(run.awaitOut(
                "a: state STARTING -> RUNNING"));
        Matcher b = Pattern.compile("b: state STARTING -> RUNNING \\(pid (\\d+)\\)").matcher(out);
        assertTrue(a.find() && b.find(), out);
        long pidA = Long.parseLong(a.group(1));
        long pidB = Long.parseLong(b.group(1));
        reaper.track(pidA);
        reaper.track(pidB);
        assertTrue(Procs.alive(pidA) && Procs.alive(pidB));

        Proc status = AgentTestHosts.agentCli(reaper, dir, "status", "status", Long.toString(run.pid()));
        assertEquals(CliExitStatus.OK, status.process.exitValue(), status::describe);
        List<String> lines = List.of(status.out().split("\n"));
        assertEquals(2, lines.size(), status::describe);
        assertTrue(lines.get(0).startsWith("name=a State=RUNNING Pid=" + pidA + " Healthy=true UptimeSeconds="),
                status::describe);
        assertTrue(lines.get(1).startsWith("name=b State=RUNNING Pid=" + pidB + " Healthy=true UptimeSeconds="),
                status::describe);

        Jmxterm stop = AgentTestHosts.jmxterm(reaper, dir, Long.toString(run.pid()),
                "run -b " + BEAN.replace("name=default", "name=a") + " stop",
                "run -b " + BEAN.replace("name=default", "name=b") + " stop");
        assertEquals(List.of("null", "null"), stop.out, stop::toString);
        Await.until("both servers are gone", AgentTestHosts.DEADLINE, () -> !Procs.alive(pidA) && !Procs.alive(pidB));
        run.process.destroy();
        assertEquals(143, run.awaitExit(), run::describe);
        assertTrue(run.out().contains("exiting; session server 'a' is not running")
                && run.out().contains("exiting; session server 'b' is not running"), run::describe);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void runWithBadArgumentsExitsWithOneLine() throws Exception {
        Proc run = AgentTestHosts.agentCli(reaper, dir, "run", "run", "port=99999");
        assertEquals(CliExitStatus.INVALID_ARGUMENTS, run.process.exitValue(), run::describe);
        assertEquals("session-server-manager: invalid agent argument port='99999': must be between 1 and 65535\n",
                run.err());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void helpListsEveryKeyAndExitCode() throws Exception {
        Proc help = AgentTestHosts.agentCli(reaper, dir, "help", "--help");
        assertEquals(0, help.process.exitValue(), help::describe);
        for (String key : AgentArguments.KEYS) {
            assertTrue(help.out().contains("  " + key + (key.equals("config") || key.startsWith("env.") ? "=<" : "=")),
                    () -> key + " missing from --help:\n" + help.out());
        }
        for (int code = 0; code <= 10; code++) {
            assertTrue(help.out().contains("\n  " + code + (code < 10 ? "  " : " ")), "exit code " + code + " in --help");
        }
        assertTrue(help.out().contains("java -jar session-server-manager-agent.jar status <pid>"), help::out);
        assertTrue(help.out().contains("name=<name> State=<state> Pid=<pid> Healthy=<true|false> UptimeSeconds=<n>"
                + "[ LastError=<text>]"), help::out);
        Proc unknown = AgentTestHosts.agentCli(reaper, dir, "unknown", "frobnicate");
        assertEquals(CliExitStatus.USAGE, unknown.process.exitValue());
        assertEquals(1, unknown.err().split("\n").length, unknown::describe);
    }

    private Proc startRun(String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(List.of("-jar", AgentTestHosts.AGENT_JAR.toString(), "run"));
        argv.addAll(List.of(args));
        return AgentTestHosts.start(reaper, dir, "run-" + System.nanoTime(), argv);
    }

    private Jmxterm script(long pid, String name) throws Exception {
        return AgentTestHosts.jmxterm(reaper, dir, Long.toString(pid),
                List.of("-e", "-i", AgentTestHosts.EXAMPLES.resolve("jmxterm").resolve(name).toString()));
    }

    private static String[] append(String[] a, String s) {
        String[] b = java.util.Arrays.copyOf(a, a.length + 1);
        b[a.length] = s;
        return b;
    }
}
