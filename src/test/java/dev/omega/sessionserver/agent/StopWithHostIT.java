package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.EndingHostMain;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * {@code stopWithHost}: a host (HostApp with the agent jar) that ends by a signal stops its servers, dependents first;
 * one killed with SIGKILL has them stopped by their watcher; with {@code stopWithHost=false} the server outlives the
 * host's SIGKILL as before. Each on this JVM's JDK (the Perl path) and on the extra JDK with native access (the pidfd
 * path), the servers being the fast Perl server. "Nothing left behind": no process with this test's marker in its
 * environment (servers, shims, watchers) after the host is gone.
 */
class StopWithHostIT {

    private static final Pattern RUNNING = Pattern.compile("autoStart: session server '([a-z]+)' is running, pid (\\d+)");

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();
    @TempDir
    Path dir;

    static Stream<HostJdk> hostJdks() {
        return AgentTestHosts.hostJdks();
    }

    private Path fastServer() throws IOException {
        Path script = dir.resolve("fast-session-server.pl");
        if (Files.exists(script)) {
            return script;
        }
        try (InputStream in = StopWithHostIT.class.getResourceAsStream(
                "/dev/omega/sessionserver/jmx/fast-session-server.pl")) {
            Files.copy(in, script);
        }
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private int[] ports;

    /** A host with servers a and b (b depends on a), both autoStarted; extra arguments appended. */
    private Proc host(HostJdk jdk, String extra) throws IOException {
        return host(jdk, extra, List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
    }

    private Proc host(HostJdk jdk, String extra, List<String> mainClass) throws IOException {
        String java = AgentTestHosts.java(jdk);
        Path script = fastServer();
        if (ports == null) { // the same for every host of a test: a later host adopts the servers
            ports = new int[] {FreePort.find(), FreePort.find()};
        }
        int a = ports[0];
        int b = ports[1];
        String args = "servers=a,b,serverScript=" + script + ",healthInterval=200,startTimeout=20000,autoStart=true"
                + ",a.port=" + a + ",a.pidFile=" + dir.resolve("a.pid") + ",a.healthCheckUrl=http://127.0.0.1:" + a
                + "/,b.port=" + b + ",b.pidFile=" + dir.resolve("b.pid") + ",b.healthCheckUrl=http://127.0.0.1:" + b
                + "/,b.dependsOn=a,env." + ProcessReaper.MARKER_ENV + "=" + reaper.marker() + extra;
        List<String> argv = new ArrayList<>(List.of(java));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(AgentTestHosts.nativeAccess(jdk));
        argv.add("-javaagent:" + AgentTestHosts.AGENT_JAR + "=" + args);
        argv.addAll(mainClass);
        return AgentTestHosts.start(reaper, dir, "host", argv);
    }

    /** The PIDs of a and b once both run, from the host's log; each tracked by the reaper. */
    private List<Long> awaitServers(Proc host) {
        host.awaitErr("autoStart: session server 'b' is running");
        host.awaitErr("autoStart: session server 'a' is running");
        List<Long> pids = new ArrayList<>(List.of(-1L, -1L));
        Matcher m = RUNNING.matcher(host.err());
        while (m.find()) {
            long pid = Long.parseLong(m.group(2));
            reaper.track(pid);
            pids.set(m.group(1).equals("a") ? 0 : 1, pid);
        }
        return pids;
    }

    /** The processes (servers, shims, watchers) that carry this test's marker, the host's own JVM excluded. */
    private List<Long> leftBehind(Proc host) {
        List<Long> found = new ArrayList<>(Procs.withEnvironmentEntry(reaper.markerEntry()));
        found.remove(host.pid());
        return found;
    }

    /**
     * The host's watcher children ({@code host-watch.pl} renames itself, which on Linux also blanks its
     * {@code /proc/<pid>/environ}: the marker cannot find them), each tracked by the reaper.
     */
    private List<Long> watchers(Proc host) {
        List<Long> found = new ArrayList<>();
        for (long pid : Procs.children(host.pid())) {
            if (Procs.commandLine(pid).contains("session-server-host-watch")) {
                reaper.track(pid);
                found.add(pid);
            }
        }
        return found;
    }

    /** The host's two watchers, once both run. */
    private List<Long> awaitWatchers(Proc host) {
        Await.until("a watcher per server", Duration.ofSeconds(20), () -> watchers(host).size() == 2);
        return watchers(host);
    }

    /** No server, shim or watcher of the host's left, within a short deadline. */
    private void awaitNothingLeftBehind(Proc host, List<Long> watchers) {
        Await.until("nothing left behind", Duration.ofSeconds(10), () -> leftBehind(host).isEmpty()
                && watchers.stream().noneMatch(Procs::alive));
    }

    private static void assertGone(List<Long> servers, Proc host) {
        for (long pid : servers) {
            assertFalse(Procs.alive(pid), "server pid " + pid + " stopped\n" + host.describe());
        }
    }

    private void signal(Proc host, String signal) throws Exception {
        if (signal.equals("INT")) { // a JVM started with SIGINT ignored (a background job of a script) keeps it so
            assumeTrue(!Procs.ignores(host.pid(), 2), "SIGINT is ignored in this host");
        }
        Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(host.pid())).start();
        assertEquals(0, kill.waitFor(), "kill -s " + signal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT", "HUP"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aHostEndedBySignalStopsItsServersDependentsFirst(String signal) throws Exception {
        Proc host = host(HostJdk.current(), ",stopWithHost=true");
        List<Long> pids = awaitServers(host);
        List<Long> watchers = awaitWatchers(host);
        signal(host, signal);
        host.awaitExit();
        assertGone(pids, host);
        String err = host.err();
        int b = err.indexOf("stopWithHost: session server 'b' stopped with its host");
        int a = err.indexOf("stopWithHost: session server 'a' stopped with its host");
        assertTrue(b >= 0 && a > b, "b (the dependent) first, then a\n" + err);
        awaitNothingLeftBehind(host, watchers);
    }

    @org.junit.jupiter.api.Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aStopThatWouldOutlastTheBudgetIsLoggedAndTheHostStillExits() throws Exception {
        // a's start holds its operation lock for up to a minute (it never listens): the hook's stop of a waits
        // (a.dependsOn is nothing; b waits for a, so b is never spawned)
        Proc host = host(HostJdk.current(), ",stopWithHost=true,stopTimeout=500,a.startTimeout=60000"
                + ",a.env.LISTEN_DELAY_MS=600000");
        host.awaitErr("session server 'a': STOPPED -> STARTING");
        // a is watched from its spawn on, before it is healthy
        Await.until("a's watcher", Duration.ofSeconds(20), () -> watchers(host).size() == 1);
        List<Long> watchers = watchers(host);
        signal(host, "TERM");
        host.awaitExit();
        assertTrue(host.err().contains("stopWithHost: the stops of 'b', 'a' did not finish within 3000 ms (the sum"
                + " of their stop timeouts and 2000 ms); the JVM exits without waiting longer"), host::describe);
        // the watcher sees the host gone and stops a
        awaitNothingLeftBehind(host, watchers);
    }

    @ParameterizedTest
    @ValueSource(strings = {"exit", "return"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aHostThatCallsSystemExitOrEndsMainStopsItsServers(String how) throws Exception {
        Proc host = host(HostJdk.current(), ",stopWithHost=true", List.of("-cp",
                AgentTestHosts.testClasses().toString(), EndingHostMain.class.getName()));
        List<Long> pids = awaitServers(host);
        List<Long> watchers = awaitWatchers(host);
        host.process.getOutputStream().write((how + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        host.process.getOutputStream().close();
        assertEquals(0, host.awaitExit(), host::describe);
        assertGone(pids, host);
        awaitNothingLeftBehind(host, watchers);
    }

    @ParameterizedTest
    @MethodSource("hostJdks")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aHostKilledWithSigkillHasItsServersStoppedByTheirWatchers(HostJdk jdk) throws Exception {
        Proc host = host(jdk, ",stopWithHost=true");
        List<Long> pids = awaitServers(host);
        boolean pidfdPath = jdk.feature() >= 22;
        assertEquals(pidfdPath, Procs.stat(pids.get(0)).orElseThrow().ppid == host.pid(),
                "the server is the host's child on the pidfd path only (else the shim's)");
        List<Long> watchers = awaitWatchers(host);
        host.process.destroyForcibly();
        host.awaitExit();
        long t0 = System.nanoTime();
        Await.until("both servers stopped", Duration.ofSeconds(10),
                () -> !Procs.alive(pids.get(0)) && !Procs.alive(pids.get(1)));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("[stopWithHost] " + jdk + ": servers gone " + millis + " ms after the host's SIGKILL");
        awaitNothingLeftBehind(host, watchers);
    }

    @ParameterizedTest
    @MethodSource("hostJdks")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void withoutStopWithHostTheServersOutliveTheHostsSigkill(HostJdk jdk) throws Exception {
        Proc host = host(jdk, "");
        List<Long> pids = awaitServers(host);
        assertTrue(watchers(host).isEmpty(), "no watcher");
        assertFalse(host.out().contains("stopWithHost") || host.err().contains("stopWithHost"), host::describe);
        host.process.destroyForcibly();
        host.awaitExit();
        for (long pid : pids) {
            assertTrue(Procs.alive(pid), "server pid " + pid + " still runs");
        }
    }

    @ParameterizedTest
    @MethodSource("hostJdks")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anAdoptedServerStaysWhenTheHostIsKilled(HostJdk jdk) throws Exception {
        assumeTrue(jdk.available(), jdk::unavailableReason);
        Proc first = host(HostJdk.current(), "");
        List<Long> pids = awaitServers(first);
        first.process.destroyForcibly();
        first.awaitExit();
        Files.move(dir.resolve("host.err"), dir.resolve("first-host.err"));
        Proc second = host(jdk, ",stopWithHost=true");
        assertEquals(pids, awaitServers(second), "adopted");
        assertTrue(watchers(second).isEmpty(), "no watcher for an adopted server");
        second.process.destroyForcibly();
        second.awaitExit();
        for (long pid : pids) {
            assertTrue(Procs.alive(pid), "adopted server pid " + pid + " stays");
        }
    }

    @org.junit.jupiter.api.Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void runWithStopWithHostSaysSoAndCtrlCStopsTheServer() throws Exception {
        int port = FreePort.find();
        List<String> argv = new ArrayList<>(List.of(AgentTestHosts.mainJava()));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(List.of("-jar", AgentTestHosts.AGENT_JAR.toString(), "run", "serverScript=" + fastServer(),
                "port=" + port, "healthCheckUrl=http://127.0.0.1:" + port + "/", "pidFile=" + dir.resolve("r.pid"),
                "autoStart=true", "stopWithHost=true", "env." + ProcessReaper.MARKER_ENV + "=" + reaper.marker()));
        Proc run = AgentTestHosts.start(reaper, dir, "run", argv);
        String out = run.awaitOut("state STARTING -> RUNNING (pid ");
        assertTrue(out.contains("Ctrl-C ends this host and stops the session server (stopWithHost=true)."), out);
        Matcher m = Pattern.compile("RUNNING \\(pid (\\d+)\\)").matcher(out);
        assertTrue(m.find(), out);
        long pid = Long.parseLong(m.group(1));
        reaper.track(pid);
        signal(run, "INT");
        run.awaitExit();
        assertFalse(Procs.alive(pid), run::describe);
        assertTrue(run.out().contains("exiting; the session server (pid " + pid + ") is stopped with this host"),
                run::describe);
    }
}
