package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.AGENT_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * The {@code logs} and {@code signal} commands against real hosts: one that loaded the agent with {@code -javaagent}
 * ({@code servers=a,b}), one that {@code attach} reached, and {@code run}; {@code logs -f} followed across log
 * rotations. The server is {@code signal-recorder.pl} (a Perl server and its child that record the signals they
 * get), run by the agent as its serverScript; nothing in the test signals it but the commands.
 */
class ConsoleCommandsIT {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    /** The recorder, copied into the test's directory and made executable (a serverScript is run directly). */
    private Path recorder() throws Exception {
        Path target = dir.resolve("signal-recorder.pl");
        if (!Files.exists(target)) {
            Files.copy(Paths.get(ConsoleCommandsIT.class.getResource("/dev/omega/sessionserver/jmx/signal-recorder.pl")
                    .toURI()), target);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return target;
    }

    /** Agent arguments of one recorder server ({@code prefix} "" or "a."), started when the agent loads. */
    private String serverArgs(String prefix, String name, String extra) throws Exception {
        return prefix + "serverScript=" + recorder() + "," + prefix + "pidFile=" + dir.resolve(name + ".pid") + ","
                + prefix + "port=" + dev.omega.sessionserver.testing.FreePort.find() + "," + prefix
                + "healthCheckUrl=none," + prefix + "logFile=" + dir.resolve(name + ".log") + "," + prefix
                + "env.SIGNAL_RECORDER_MARKER=" + marker(name) + extra;
    }

    private Path marker(String name) {
        return dir.resolve(name + ".signals");
    }

    private List<String> recorded(String name) {
        try {
            return Files.exists(marker(name)) ? Files.readAllLines(marker(name), StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of(); // being written
        }
    }

    private void awaitReady(String name) {
        Await.until(name + " installed its handlers", AgentTestHosts.DEADLINE,
                () -> Files.exists(dir.resolve(name + ".signals.server-ready"))
                        && Files.exists(dir.resolve(name + ".signals.child-ready")));
    }

    private Proc cli(String label, String... args) throws Exception {
        return AgentTestHosts.agentCli(reaper, dir, label, args);
    }

    /**
     * The server's PID, from its PID file once the manager has written it: a server can install its handlers (and
     * write its ready files) before the manager has written the PID file.
     */
    private long serverPid(String name) {
        Await.until(name + "'s PID file holds a PID", AgentTestHosts.DEADLINE, () -> pidInFile(name) > 0);
        long pid = pidInFile(name);
        reaper.track(pid);
        return pid;
    }

    /** The PID on the first line of the server's PID file; 0 while there is none (not written yet, or partly). */
    private long pidInFile(String name) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(name + ".pid"), StandardCharsets.US_ASCII);
            return lines.isEmpty() || !lines.get(0).trim().matches("[1-9][0-9]{0,9}") ? 0
                    : Long.parseLong(lines.get(0).trim());
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void javaagentHostWithTwoServersLogsAndSignalsTheOneNamed() throws Exception {
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.add("-javaagent:" + AGENT_JAR + "=servers=a,b,autoStart=true,healthInterval=200,"
                + serverArgs("a.", "a", "") + "," + serverArgs("b.", "b", ""));
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        awaitReady("a");
        awaitReady("b");
        String hostPid = Long.toString(host.pid());
        long a = serverPid("a");
        serverPid("b");

        Proc unnamed = cli("logs-unnamed", "logs", hostPid);
        assertEquals(CliExitStatus.USAGE, unnamed.process.exitValue(), unnamed::describe);
        assertEquals("session-server-manager: logs: JVM " + hostPid + " has 2 session servers (a, b): say which with"
                + " --server NAME\n", unnamed.err());
        Proc unknown = cli("signal-unknown", "signal", hostPid, "--server", "c", "HUP");
        assertEquals(CliExitStatus.NO_SUCH_SERVER, unknown.process.exitValue(), unknown::describe);
        assertTrue(unknown.err().contains("has no session server 'c' (it has: a, b)"), unknown::describe);
        Proc term = cli("signal-term", "signal", hostPid, "--server", "a", "TERM");
        assertEquals(CliExitStatus.USAGE, term.process.exitValue(), term::describe);
        assertTrue(term.err().contains("allowed are HUP, USR1, USR2, QUIT or WINCH"), term::describe);

        Proc hup = cli("signal-hup", "signal", hostPid, "--server", "a", "SIGHUP");
        assertEquals(CliExitStatus.OK, hup.process.exitValue(), hup::describe);
        assertEquals("sent SIGHUP to session server 'a' in JVM " + hostPid + "\n", hup.out());
        Await.until("a and its child recorded SIGHUP", AgentTestHosts.DEADLINE, () -> recorded("a").size() == 2);
        assertEquals(List.of(), recorded("b"), "b got nothing");
        assertTrue(Procs.alive(a), "a handled it and runs on");

        Proc logs = cli("logs-a", "logs", hostPid, "--server=a", "-n", "3");
        assertEquals(CliExitStatus.OK, logs.process.exitValue(), logs::describe);
        assertTrue(logs.out().contains("signal-recorder: server pid " + a + " received SIGHUP\n"), logs::describe);
        assertTrue(logs.out().split("\n").length <= 3, logs::describe);
        Proc badN = cli("logs-bad-n", "logs", hostPid, "--server", "b", "-n", "0");
        assertEquals(CliExitStatus.USAGE, badN.process.exitValue(), badN::describe);
        assertTrue(badN.err().contains("invalid -n '0'"), badN::describe);
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void attachedHostSignalsItsOnlyServerAndSaysWhenNoneRuns() throws Exception {
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        String hostPid = Long.toString(host.pid());

        Proc none = cli("logs-none", "logs", hostPid);
        assertEquals(CliExitStatus.NONE_REGISTERED, none.process.exitValue(), none::describe);

        Proc attach = cli("attach", "attach", hostPid, "name=web,healthInterval=200," + serverArgs("", "web", ""));
        assertEquals(CliExitStatus.OK, attach.process.exitValue(), attach::describe);
        Proc notRunning = cli("signal-stopped", "signal", hostPid, "usr1");
        assertEquals(CliExitStatus.OPERATION_FAILED, notRunning.process.exitValue(), notRunning::describe);
        assertTrue(notRunning.err().contains("no session server runs"), notRunning::describe);

        AgentTestHosts.jmxterm(reaper, dir, hostPid, "run -b " + AgentTestHosts.BEAN.replace("default", "web")
                + " start");
        awaitReady("web");
        long web = serverPid("web");
        Proc usr1 = cli("signal-usr1", "signal", hostPid, "usr1");
        assertEquals(CliExitStatus.OK, usr1.process.exitValue(), usr1::describe);
        Await.until("web and its child recorded SIGUSR1", AgentTestHosts.DEADLINE,
                () -> recorded("web").size() == 2);
        Proc logs = cli("logs", "logs", hostPid);
        assertTrue(logs.out().contains("server pid " + web + " received SIGUSR1"), logs::describe);
    }

    /**
     * {@code run} with a ticking server whose log rotates every few seconds: {@code logs -f} prints every tick once,
     * in order, across two rotations, and a {@code signal HUP} meanwhile shows up in it.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void logsFollowsAcrossRotationsFromRun() throws Exception {
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(List.of("-jar", AGENT_JAR.toString(), "run", "servers=a,b", "autoStart=true", "healthInterval=200",
                serverArgs("a.", "a", ",a.env.SIGNAL_RECORDER_TICK_MS=20,a.logMaxBytes=3000,a.logBackups=3"),
                serverArgs("b.", "b", "")));
        Proc run = AgentTestHosts.start(reaper, dir, "run", argv);
        run.awaitOut("a: state STARTING -> RUNNING");
        awaitReady("a");
        long a = serverPid("a");
        String runPid = Long.toString(run.pid());

        List<String> follow = new ArrayList<>(List.of(AgentTestHosts.mainJava(), "-jar", AGENT_JAR.toString(), "logs",
                runPid, "--server", "a", "-n", "5", "-f"));
        Proc logs = AgentTestHosts.start(reaper, dir, "logs-follow", follow);
        logs.awaitOut("signal-recorder: tick");
        Path log = dir.resolve("a.log");
        Await.until("two rotations (a.log.2 exists)", AgentTestHosts.DEADLINE,
                () -> Files.exists(log.resolveSibling("a.log.2")));
        Proc hup = cli("signal-hup", "signal", runPid, "--server", "a", "HUP");
        assertEquals(CliExitStatus.OK, hup.process.exitValue(), hup::describe);
        logs.awaitOut("server pid " + a + " received SIGHUP");
        int lastTick = lastWritten(log);
        Await.until("logs -f printed a tick written after the HUP", AgentTestHosts.DEADLINE,
                () -> lastTick(logs.out()) > lastTick + 5);
        Await.until("a third rotation", AgentTestHosts.DEADLINE, () -> Files.exists(log.resolveSibling("a.log.3")));
        int after = lastWritten(log) + 5;
        Await.until("logs -f printed the ticks after it", AgentTestHosts.DEADLINE,
                () -> lastTick(logs.out()) > after);
        logs.process.destroy();
        logs.awaitExit();

        List<Integer> ticks = ticks(logs.out());
        assertTrue(ticks.size() > 100, ticks.size() + " ticks");
        int missing = 0;
        for (int i = 1; i < ticks.size(); i++) {
            assertTrue(ticks.get(i) > ticks.get(i - 1), "tick " + ticks.get(i - 1) + " then " + ticks.get(i)
                    + ": never twice, never out of order\n" + logs.describe());
            missing += ticks.get(i) - ticks.get(i - 1) - 1;
        }
        // a copy-then-truncate rotation may lose what is written between its last copy and the truncation (see
        // LogRotation); a follow that missed lines would show far more holes and say so on stderr
        assertTrue(missing <= 3, missing + " ticks missing\n" + logs.describe());
        assertTrue(!logs.err().contains("lines may be missing"), logs::describe);
        assertEquals(List.of(), recorded("b"));
    }

    private static final Pattern TICK = Pattern.compile("signal-recorder: tick (\\d+)\n");

    private static List<Integer> ticks(String text) {
        List<Integer> ticks = new ArrayList<>();
        Matcher m = TICK.matcher(text);
        while (m.find()) {
            ticks.add(Integer.parseInt(m.group(1)));
        }
        return ticks;
    }

    /** The last tick in the live log, or in {@code .1} when the live log has none yet (just truncated). */
    private static int lastWritten(Path log) throws IOException {
        int live = lastTick(Files.readString(log));
        return live > 0 ? live : lastTick(Files.readString(log.resolveSibling(log.getFileName() + ".1")));
    }

    private static int lastTick(String text) {
        List<Integer> t = ticks(text);
        return t.isEmpty() ? 0 : t.get(t.size() - 1);
    }
}
