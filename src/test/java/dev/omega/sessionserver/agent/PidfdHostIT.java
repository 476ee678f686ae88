package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.Commands;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * A Java 22+ host (the extra JDK; skipped with the reason when absent) and the pidfd process layer, end to end with a
 * node server (skipped where node is not on the PATH): with {@code --enable-native-access=ALL-UNNAMED} the server
 * is the host's own child, with no signal blocked or ignored, supervised (a {@code kill -9} is a crash with its exact
 * exit code, then a restart) and stopped with a non-TERM stop signal, leaving nothing behind; without the flag the
 * host says once how to turn the layer on and runs the Perl path; and on a machine without perl (root only: a private
 * mount namespace hides every perl) the first scenario holds unchanged.
 */
class PidfdHostIT {

    private static final String BEAN = "dev.omega.sessionserver:type=SessionServerManager,name=fast";
    private static final String HOW_TO = "--enable-native-access=ALL-UNNAMED";

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void withNativeAccessTheServerIsTheHostsChildSupervisedAndStoppedThroughItsPidfd() throws Exception {
        Proc host = startHost(List.of(), true);
        exercisePidfdPath(host);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void onAMachineWithoutPerlTheHostStartsSupervisesAndStopsItsServer() throws Exception {
        exercisePidfdPath(startHostWithoutPerl(""));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void onAMachineWithoutPerlAServerWithStopWithHostIsStoppedAfterAKill9OfItsHost() throws Exception {
        Proc host = startHostWithoutPerl(",stopWithHost=true");
        long hostPid = hostJvmPid(host);
        long server;
        try (JMXConnector c = AgentTestHosts.awaitBean(host, jmxPort, BEAN)) {
            server = awaitRunningPid(c.getMBeanServerConnection(), new ObjectName(BEAN));
        }
        Await.until("the host's bash watcher runs", AgentTestHosts.DEADLINE, () -> !watchers(hostPid).isEmpty());
        List<Long> watchers = watchers(hostPid);
        assertFalse(host.err().contains("neither perl nor bash"), host::describe);

        host.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
        host.awaitExit();
        long t0 = System.nanoTime();
        Await.until("the server " + server + " is stopped by the watcher", AgentTestHosts.DEADLINE,
                () -> !Procs.alive(server));
        System.out.println("[stopWithHost] without perl (bash watcher): server gone "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after the host's SIGKILL");
        Await.until("the watchers " + watchers + " are gone too", AgentTestHosts.DEADLINE,
                () -> watchers.stream().noneMatch(Procs::alive));
    }

    /** The host's children that are {@code host-watch.sh} watchers (their {@code $0} is {@code host-watch}). */
    private List<Long> watchers(long hostPid) {
        List<Long> found = new ArrayList<>();
        for (long pid : Procs.children(hostPid)) {
            if (Procs.commandLine(pid).contains("host-watch")) {
                reaper.track(pid);
                found.add(pid);
            }
        }
        return found;
    }

    /** A host on a machine without perl (root only: a private mount namespace hides every perl), running. */
    private Proc startHostWithoutPerl(String extraArgs) throws IOException, InterruptedException {
        assumeTrue(isRoot(), "needs root (a private mount namespace hides perl)");
        assumeTrue(Files.isExecutable(Paths.get("/usr/bin/unshare")), "no /usr/bin/unshare");
        // root without CAP_SYS_ADMIN (some containers) may not create a mount namespace: skip, do not fail
        assumeTrue(Commands.exitCode("/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/true") == 0,
                "skipped: this machine does not allow a private mount namespace (unshare --mount failed)");
        Path script = dir.resolve("without-perl.sh");
        try (InputStream in = PidfdHostIT.class.getResourceAsStream("without-perl.sh")) {
            Files.write(script, in.readAllBytes());
        }
        Path work = Files.createDirectories(dir.resolve("ns"));
        Proc host = startHost(List.of("/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/bash",
                script.toString(), work.toString()), true, extraArgs);
        host.awaitOut("host-app: running");
        assertTrue(host.out().contains("without-perl: no perl on this machine now"), host::describe);
        return host;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void withoutNativeAccessTheHostSaysOnceHowToTurnTheLayerOnAndRunsThePerlPath() throws Exception {
        Proc host = startHost(List.of(), false);
        long hostPid = hostJvmPid(host);
        try (JMXConnector c = AgentTestHosts.awaitBean(host, jmxPort, BEAN)) {
            MBeanServerConnection m = c.getMBeanServerConnection();
            ObjectName bean = new ObjectName(BEAN);
            long first = awaitRunningPid(m, bean);
            assertNotEquals(hostPid, Procs.stat(first).orElseThrow().ppid, "the Perl shim is the server's parent");
            m.invoke(bean, "stop", null, null);
            long second = (Long) m.invoke(bean, "start", null, null);
            reaper.track(second);
            m.invoke(bean, "stop", null, null);
        }
        assertEquals(1, host.errLines().stream().filter(l -> l.contains(HOW_TO)).count(), host::describe);
    }

    private int jmxPort;

    private Proc startHost(List<String> prefix, boolean nativeAccess) throws IOException {
        return startHost(prefix, nativeAccess, "");
    }

    private Proc startHost(List<String> prefix, boolean nativeAccess, String extraArgs) throws IOException {
        HostJdk jdk = HostJdk.extra();
        assumeTrue(jdk.available(), jdk::unavailableReason);
        assumeTrue(jdk.feature() >= 22, () -> "the extra host JDK is Java " + jdk.feature() + "; the layer needs 22");
        assumeTrue(Procs.onPath("node"), "node is not on the PATH");
        jmxPort = FreePort.find();
        int port = FreePort.find();
        Path server = AgentTestHosts.EXAMPLES.resolve("session-server/session-server.js").toAbsolutePath();
        String args = "name=fast,serverScript=" + server + ",pidFile=" + dir.resolve("fast.pid") + ",port=" + port
                + ",healthCheckUrl=http://127.0.0.1:" + port + "/api/health,healthInterval=200,startTimeout=20000"
                + ",autoStart=true,restart=always,restartDelay=100,stopSignal=INT,env." + ProcessReaper.MARKER_ENV
                + "=" + reaper.marker() + extraArgs;
        List<String> argv = new ArrayList<>(prefix);
        argv.add(AgentTestHosts.java(jdk));
        argv.addAll(AgentTestHosts.fastJvm());
        if (nativeAccess) {
            argv.add(HOW_TO);
        }
        argv.addAll(AgentTestHosts.jmxPortFlags(jmxPort));
        argv.add("-javaagent:" + AgentTestHosts.AGENT_JAR + "=" + args);
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running");
        return host;
    }

    /** The scenario of a host with the layer on: child, signals, crash with its exact code, restart, stop. */
    private void exercisePidfdPath(Proc host) throws Exception {
        long hostPid = hostJvmPid(host);
        try (JMXConnector c = AgentTestHosts.awaitBean(host, jmxPort, BEAN)) {
            MBeanServerConnection m = c.getMBeanServerConnection();
            ObjectName bean = new ObjectName(BEAN);
            long pid = awaitRunningPid(m, bean);
            assertEquals(hostPid, Procs.stat(pid).orElseThrow().ppid, "the server is the host JVM's own child");
            String status = Files.readString(Paths.get("/proc", Long.toString(pid), "status"));
            assertTrue(status.contains("SigBlk:\t0000000000000000"), status);
            // node itself ignores SIGPIPE (13) and SIGXFSZ (25); nothing else is ignored
            assertTrue(status.contains("SigIgn:\t0000000001001000"), status);
            assertEquals(pid, Procs.stat(pid).orElseThrow().session, "its own session");
            List<String> threads = threadNames(m);
            assertFalse(threads.contains("process reaper"), () -> "no JDK reaper thread: " + threads);
            assertEquals(1, threads.stream().filter("session-server-pidfd-waiter"::equals).count(), threads::toString);

            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // a crash: SIGKILL from outside
            Await.until("a restarted server", AgentTestHosts.DEADLINE, () -> {
                long now = pidOf(m, bean);
                return now > 0 && now != pid && running(m, bean);
            });
            assertEquals(137, ((Number) m.getAttribute(bean, "LastExitCode")).intValue(), "exact: 128 + SIGKILL");
            assertTrue(Procs.stat(pid).isEmpty(), "the crashed server was reaped at once: no zombie");
            long restarted = pidOf(m, bean);
            reaper.track(restarted);

            m.invoke(bean, "stop", null, null); // stopSignal=INT, through the pidfd
            assertTrue(Procs.stat(restarted).isEmpty(), "gone, and reaped, when stop() returns");
            assertEquals("STOPPED", m.getAttribute(bean, "State"));
            assertFalse(Files.exists(dir.resolve("fast.pid")));
        }
        assertFalse(host.err().contains(HOW_TO), host::describe);
        assertFalse(host.err().contains("perl"), host::describe);
    }

    private long awaitRunningPid(MBeanServerConnection m, ObjectName bean) {
        Await.until("the server runs", AgentTestHosts.DEADLINE, () -> running(m, bean));
        long pid = pidOf(m, bean);
        reaper.track(pid);
        return pid;
    }

    private static boolean running(MBeanServerConnection m, ObjectName bean) {
        try {
            return "RUNNING".equals(m.getAttribute(bean, "State"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long pidOf(MBeanServerConnection m, ObjectName bean) {
        try {
            return (Long) m.getAttribute(bean, "Pid");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The host JVM's PID: the launched process itself, or (under unshare and the script) its exec'd descendant. */
    private static long hostJvmPid(Proc host) {
        String out = host.awaitOut("host-app: running (pid ");
        int from = out.indexOf("host-app: running (pid ") + "host-app: running (pid ".length();
        return Long.parseLong(out.substring(from, out.indexOf(')', from)));
    }

    /** The host's thread names, as its ThreadMXBean reports them over JMX. */
    private static List<String> threadNames(MBeanServerConnection m) throws IOException {
        ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(m, ManagementFactory.THREAD_MXBEAN_NAME,
                ThreadMXBean.class);
        List<String> names = new ArrayList<>();
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null) {
                names.add(t.getThreadName());
            }
        }
        return names;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
