package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.AGENT_JAR;
import static dev.omega.sessionserver.agent.AgentTestHosts.BEAN;
import static dev.omega.sessionserver.agent.AgentTestHosts.DEADLINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.agent.JolokiaClient.Exchange;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.Json;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * Remote operations through the real Jolokia JVM agent ({@code org.jolokia:jolokia-agent-jvm:2.6.0}, classifier
 * {@code javaagent}) loaded beside ours in a host JVM, bound to 127.0.0.1, with authentication and the access policy
 * {@code examples/jolokia/jolokia-access.xml} as shipped. Every request is what {@code examples/jolokia/curl-session.md}
 * sends: a POST of a JSON body. Results are checked against the kernel ({@code /proc}), not only against what Jolokia
 * answers.
 */
class JolokiaIT {

    private static final String USER = "ops";

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private final String password = UUID.randomUUID().toString();

    static java.util.stream.Stream<HostJdk> hostJdks() {
        return AgentTestHosts.hostJdks();
    }

    /** A host JVM with both agents, its Jolokia port and the PID file of its server {@code default}. */
    private static final class Host {
        final Proc proc;
        final int jolokiaPort;
        final Path pidFile;

        Host(Proc proc, int jolokiaPort, Path pidFile) {
            this.proc = proc;
            this.jolokiaPort = jolokiaPort;
            this.pidFile = pidFile;
        }
    }

    /**
     * Starts examples/host-app with our agent (server {@code default}: the example server, own PID file, free port)
     * and the Jolokia agent (free port, the shipped policy, user and password), plus {@code extraFlags}; returns once
     * Jolokia answers a read of our MBean.
     */
    private Host startHost(String java, List<String> extraFlags) throws Exception {
        return startHost(java, extraFlags, JolokiaClient.POLICY);
    }

    private Host startHost(String java, List<String> extraFlags, Path policy) throws Exception {
        int serverPort = FreePort.find();
        int jolokiaPort = FreePort.find();
        List<String> argv = new ArrayList<>(List.of(java));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.addAll(extraFlags);
        argv.add("-javaagent:" + AGENT_JAR + "="
                + AgentTestHosts.serverArgs(dir, "default", serverPort, AgentTestHosts.serverJar()));
        argv.add(JolokiaClient.agentFlag(jolokiaPort, USER, password, policy));
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc proc = AgentTestHosts.start(reaper, dir, "host-" + jolokiaPort, argv);
        proc.awaitOut("host-app: running (pid " + proc.pid() + ")");
        proc.awaitOut("Jolokia: Agent 2.6.0 started with URL http://127.0.0.1:" + jolokiaPort + "/jolokia");
        JolokiaClient ops = client(jolokiaPort);
        Await.until(BEAN + " is readable through Jolokia", DEADLINE, () -> {
            if (!proc.process.isAlive()) {
                throw new AssertionError("host exited: " + proc.describe());
            }
            try {
                Exchange e = ops.post(JolokiaClient.read(BEAN, "State"));
                return e.httpStatus == 200 && Long.valueOf(200).equals(e.json().get("status"));
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
        return new Host(proc, jolokiaPort, dir.resolve("default.pid"));
    }

    private JolokiaClient client(int port) {
        return JolokiaClient.withCredentials(port, USER, password);
    }

    /** POSTs {@code request} and returns Jolokia's response object, after checking that it succeeded. */
    private static Map<String, Object> ok(JolokiaClient c, String request) throws Exception {
        Exchange e = c.post(request);
        System.out.println("[jolokia] " + e);
        Map<String, Object> json = e.json();
        assertEquals(200L, json.get("status"), e::toString);
        return json;
    }

    /** POSTs {@code request} and checks that the policy refused it (Jolokia status 403 with its reason). */
    private static void refused(JolokiaClient c, String request, String reason) throws Exception {
        Exchange e = c.post(request);
        System.out.println("[jolokia] " + e);
        Map<String, Object> json = e.json();
        assertEquals(403L, json.get("status"), e::toString);
        assertEquals(reason, json.get("error"), e::toString);
        assertFalse(json.containsKey("value"), e::toString);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> value(Map<String, Object> response) {
        return (Map<String, Object>) response.get("value");
    }

    /** The PID belongs to a live process running the example server, and the PID file names it. */
    private void assertIsTheServer(long pid, Path pidFile) throws IOException {
        assertTrue(Procs.alive(pid), "server pid " + pid + " is alive");
        String cmd = String.join(" ", Procs.commandLine(pid));
        assertTrue(cmd.contains(AgentTestHosts.serverJar().toString()), () -> "pid " + pid + " runs the example server: "
                + cmd);
        assertEquals(Long.toString(pid), Files.readAllLines(pidFile).get(0), "the PID file's first line");
    }

    /**
     * read State and Pid; exec start, restart and stop (and a start again, then restart from there): after each, the
     * answer agrees with the kernel. Also on the extra host JDK.
     */
    @ParameterizedTest(name = "{0} host")
    @MethodSource("hostJdks")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void startStopRestartThroughJolokiaAgreeWithTheKernel(HostJdk jdk) throws Exception {
        Host host = startHost(AgentTestHosts.java(jdk), List.of());
        JolokiaClient ops = client(host.jolokiaPort);

        Map<String, Object> before = value(ok(ops, JolokiaClient.read(BEAN, List.of("State", "Pid", "Running"))));
        assertEquals(Map.of("State", "STOPPED", "Pid", -1L, "Running", false), before);
        assertFalse(Files.exists(host.pidFile));

        // start: returns the PID of the server it spawned
        long pid = (Long) ok(ops, JolokiaClient.exec(BEAN, "start")).get("value");
        reaper.track(pid);
        assertIsTheServer(pid, host.pidFile);
        assertEquals(Map.of("State", "RUNNING", "Pid", pid, "Running", true, "Healthy", true),
                value(ok(ops, JolokiaClient.read(BEAN, List.of("State", "Pid", "Running", "Healthy")))));
        assertEquals(true, ok(ops, JolokiaClient.exec(BEAN, "checkHealth")).get("value"));

        // stop: void (null), returns once the server is gone
        Map<String, Object> stopped = ok(ops, JolokiaClient.exec(BEAN, "stop"));
        assertTrue(stopped.containsKey("value"), stopped::toString);
        assertNull(stopped.get("value"), stopped::toString);
        Await.until("server pid " + pid + " is gone after stop", DEADLINE, () -> !Procs.alive(pid));
        assertFalse(Files.exists(host.pidFile), "PID file removed by the stop");
        assertEquals(Map.of("State", "STOPPED", "Pid", -1L, "Running", false),
                value(ok(ops, JolokiaClient.read(BEAN, List.of("State", "Pid", "Running")))));

        // restart of a stopped server starts one
        long second = (Long) ok(ops, JolokiaClient.exec(BEAN, "restart")).get("value");
        reaper.track(second);
        assertNotEquals(pid, second);
        assertIsTheServer(second, host.pidFile);

        // restart of a running one: the old PID is gone, a new server runs
        long third = (Long) ok(ops, JolokiaClient.exec(BEAN, "restart")).get("value");
        reaper.track(third);
        assertNotEquals(second, third);
        Await.until("server pid " + second + " is gone after restart", DEADLINE, () -> !Procs.alive(second));
        assertIsTheServer(third, host.pidFile);
        assertEquals(Map.of("State", "RUNNING", "Pid", third),
                value(ok(ops, JolokiaClient.read(BEAN, List.of("State", "Pid")))));

        ok(ops, JolokiaClient.exec(BEAN, "stop"));
        Await.until("server pid " + third + " is gone after stop", DEADLINE, () -> !Procs.alive(third));
        assertFalse(Files.exists(host.pidFile));
        assertTrue(host.proc.process.isAlive(), host.proc::describe);
    }

    /**
     * The shipped policy allows reading our attributes and calling our operations, nothing else: not writing a
     * java.lang attribute (and the attribute is unchanged, seen over plain JMX), not calling another MBean's
     * operation, not reading another MBean's attribute (the JVM's arguments would show Jolokia's password), not
     * writing our own attributes or calling an operation we do not list, not list or search, not GET; a bulk request
     * is judged request by request; a browser page from another origin gets no CORS grant.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void thePolicyRefusesEverythingButOurAttributesAndOperations() throws Exception {
        int jmxPort = FreePort.find();
        Host host = startHost(AgentTestHosts.mainJava(), AgentTestHosts.jmxPortFlags(jmxPort));
        JolokiaClient ops = client(host.jolokiaPort);

        refused(ops, JolokiaClient.write("java.lang:type=Memory", "Verbose", "true"),
                "Writing attribute Verbose forbidden for MBean java.lang:type=Memory");
        refused(ops, JolokiaClient.exec("java.lang:type=Memory", "gc"),
                "Operation gc forbidden for MBean java.lang:type=Memory");
        refused(ops, JolokiaClient.read("java.lang:type=Memory", "Verbose"),
                "Reading attribute Verbose is forbidden for MBean java.lang:type=Memory");
        refused(ops, JolokiaClient.read("java.lang:type=Runtime", "InputArguments"),
                "Reading attribute InputArguments is forbidden for MBean java.lang:type=Runtime");
        refused(ops, JolokiaClient.exec("com.sun.management:type=DiagnosticCommand", "vmSystemProperties"),
                "Operation vmSystemProperties forbidden for MBean com.sun.management:type=DiagnosticCommand");
        refused(ops, JolokiaClient.write(BEAN, "Port", "1"),
                "Writing attribute Port forbidden for MBean dev.omega.sessionserver:name=default,type=SessionServerManager");
        refused(ops, JolokiaClient.exec(BEAN, "getPid"),
                "Operation getPid forbidden for MBean dev.omega.sessionserver:name=default,type=SessionServerManager");
        refused(ops, "{\"type\":\"list\"}", "Command type LIST not allowed due to policy used");
        refused(ops, "{\"type\":\"search\",\"mbean\":\"*:*\"}", "Command type SEARCH not allowed due to policy used");

        // GET (Jolokia's URL form) is refused even for what POST may read
        Exchange get = ops.get("read/" + BEAN + "/State");
        assertEquals(403L, get.json().get("status"), get::toString);
        assertEquals("HTTP method get is not allowed according to the installed security policy",
                get.json().get("error"), get::toString);

        // a bulk request: each entry on its own merits
        Exchange bulk = ops.post("[" + JolokiaClient.read(BEAN, "State") + ","
                + JolokiaClient.read("java.lang:type=Runtime", "InputArguments") + "]");
        assertEquals(200, bulk.httpStatus, bulk::toString);
        List<Map<String, Object>> answers = Json.parseObjects(bulk.body());
        assertEquals(2, answers.size(), bulk::toString);
        assertEquals(200L, answers.get(0).get("status"), bulk::toString);
        assertEquals("STOPPED", answers.get(0).get("value"), bulk::toString);
        assertEquals(403L, answers.get(1).get("status"), bulk::toString);
        assertFalse(bulk.body().contains(password), "the password never comes back");

        // a page from another origin: answered, but with no CORS grant a browser would let the page read
        Exchange cors = ops.post(JolokiaClient.read(BEAN, "State"), Map.of("Origin", "http://attacker.example"));
        assertEquals(200, cors.httpStatus, cors::toString);
        assertTrue(cors.response.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), cors::toString);
        assertTrue(cors.response.headers().firstValue("Access-Control-Allow-Credentials").isEmpty(), cors::toString);

        // nothing refused happened: Verbose is as it was (read over plain JMX), the server was never started
        try (JMXConnector c = AgentTestHosts.awaitBean(host.proc, jmxPort, BEAN)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            assertEquals(false, mbs.getAttribute(new ObjectName("java.lang:type=Memory"), "Verbose"));
            assertEquals("STOPPED", mbs.getAttribute(new ObjectName(BEAN), "State"));
        }
        assertFalse(Files.exists(host.pidFile));
        assertTrue(host.proc.process.isAlive(), host.proc::describe);
    }

    /**
     * The console operations through the shipped policy: tailLog (an argument: the line count) returns the server's
     * log, signal HUP reaches it (its log says so), a refused signal is the MBean's error, not the policy's; with the
     * policy's signal block deleted as its comment says, signal is refused (403) and tailLog still works.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void tailLogAndSignalThroughJolokiaAndSignalGoneWithItsBlock() throws Exception {
        Host host = startHost(AgentTestHosts.mainJava(), List.of());
        JolokiaClient ops = client(host.jolokiaPort);
        long pid = (Long) ok(ops, JolokiaClient.exec(BEAN, "start")).get("value");
        reaper.track(pid);
        Await.until("the server's log shows it listening", DEADLINE, () -> tail(ops, 5).contains(
                "listening on 127.0.0.1"));

        assertNull(ok(ops, JolokiaClient.exec(BEAN, "signal", "\"HUP\"")).get("value"));
        Await.until("the server logged the SIGHUP", DEADLINE, () -> tail(ops, 3).contains(
                "session-server: received SIGHUP (nothing to reload), still running pid=" + pid));
        assertIsTheServer(pid, host.pidFile);
        Exchange term = ops.post(JolokiaClient.exec(BEAN, "signal", "\"TERM\""));
        assertEquals(500L, term.json().get("status"), term::toString);
        assertTrue(String.valueOf(term.json().get("error")).contains("allowed are HUP, USR1, USR2, QUIT or WINCH"),
                term::toString);
        Exchange badLines = ops.post(JolokiaClient.exec(BEAN, "tailLog", "0"));
        assertTrue(String.valueOf(badLines.json().get("error")).contains("invalid lines '0'"), badLines::toString);
        ok(ops, JolokiaClient.exec(BEAN, "stop"));

        // the operator's edit: the block from "BEGIN signal" to "END signal" deleted
        String shipped = Files.readString(JolokiaClient.POLICY);
        int begin = shipped.indexOf("      <!-- BEGIN signal");
        int end = shipped.indexOf("<!-- END signal -->\n") + "<!-- END signal -->\n".length();
        assertTrue(begin > 0 && end > begin, "the policy marks its signal block");
        Path stripped = dir.resolve("jolokia-access-without-signal.xml");
        Files.writeString(stripped, shipped.substring(0, begin) + shipped.substring(end));
        Host noSignal = startHost(AgentTestHosts.mainJava(), List.of(), stripped);
        JolokiaClient ops2 = client(noSignal.jolokiaPort);
        refused(ops2, JolokiaClient.exec(BEAN, "signal", "\"HUP\""),
                "Operation signal forbidden for MBean dev.omega.sessionserver:name=default,type=SessionServerManager");
        assertTrue(tail(ops2, 5).contains("session-server: "), "tailLog still allowed");
    }

    /** tailLog(lines) through Jolokia; "" when it fails. */
    private static String tail(JolokiaClient c, int lines) {
        try {
            Map<String, Object> json = c.post(JolokiaClient.exec(BEAN, "tailLog", Integer.toString(lines))).json();
            return Long.valueOf(200).equals(json.get("status")) ? String.valueOf(json.get("value")) : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * With user= and password= in the agent line, a request without credentials, or with a wrong password, is refused
     * with HTTP 401 before the policy is even consulted: an exec start without credentials starts nothing.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void requestsWithoutTheCredentialsAreRefusedWith401() throws Exception {
        Host host = startHost(AgentTestHosts.mainJava(), List.of());

        for (JolokiaClient stranger : List.of(JolokiaClient.anonymous(host.jolokiaPort),
                JolokiaClient.withCredentials(host.jolokiaPort, USER, "not-" + password),
                JolokiaClient.withCredentials(host.jolokiaPort, "admin", password))) {
            for (String request : List.of(JolokiaClient.read(BEAN, "State"), JolokiaClient.exec(BEAN, "start"))) {
                Exchange e = stranger.post(request);
                System.out.println("[jolokia] " + e);
                assertEquals(401, e.httpStatus, e::toString);
                assertTrue(e.response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "),
                        e::toString);
                assertFalse(e.body().contains("STOPPED"), e::toString);
            }
        }
        Exchange get = JolokiaClient.anonymous(host.jolokiaPort).get("version");
        assertEquals(401, get.httpStatus, get::toString);

        // nothing was started: the authorised client sees the server stopped, the kernel has no server process
        assertEquals(Map.of("State", "STOPPED", "Pid", -1L),
                value(ok(client(host.jolokiaPort), JolokiaClient.read(BEAN, List.of("State", "Pid")))));
        assertFalse(Files.exists(host.pidFile));
        // every process this test started, directly or not, carries its marker: the host is the only one
        assertEquals(List.of(host.proc.pid()), reaper.markedProcesses(), "processes started by this test");
        assertTrue(host.proc.process.isAlive(), host.proc::describe);
    }
}
