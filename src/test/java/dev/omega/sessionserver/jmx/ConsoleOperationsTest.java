package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.management.MBeanException;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.Procs;

/**
 * The MBean's console operations. {@code tailLog}: its errors as a JMX client sees them. {@code signal} with a real
 * server ({@code signal-recorder.pl}, a Perl server with one child
 * that records the signals it gets), driven through the MBeanServer as a JMX client drives it: the signal reaches
 * the whole tree and is announced; the refused ones are refused with the allowed ones named; a server that exits on
 * the signal is a crash for the policy. Also run on the pidfd path (Java 25, failsafe execution {@code pidfd-path}).
 */
class ConsoleOperationsTest extends JmxFixtureTest {

    private static final Duration FAST = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private Path marker;

    private SessionServerManager recorder(String name, SupervisionPolicy policy, String mode) throws Exception {
        marker = dir.resolve("signals");
        Path script = Paths.get(ConsoleOperationsTest.class.getResource("signal-recorder.pl").toURI());
        return jmx.registered(name, FAST, policy, b -> b.command(List.of("/usr/bin/perl", script.toString(),
                marker.toString(), mode)).healthCheckUrl("none").logFile(dir.resolve(name + ".log")));
    }

    private long startAndAwaitHandlers(ObjectName name) {
        long pid = jmx.start(name);
        Await.until("the server and its child installed their handlers", DEADLINE,
                () -> Files.exists(marker.resolveSibling("signals.server-ready"))
                        && Files.exists(marker.resolveSibling("signals.child-ready")));
        return pid;
    }

    private List<String> recorded() {
        try {
            return Files.exists(marker) ? Files.readAllLines(marker, StandardCharsets.UTF_8) : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private Throwable invokeFailure(ObjectName name, String signal) {
        Exception e = assertThrows(Exception.class, () -> jmx.mbeanServer.invoke(name, "signal",
                new Object[] {signal}, new String[] {String.class.getName()}));
        assertTrue(e instanceof RuntimeMBeanException || e instanceof MBeanException, e.toString());
        return e.getCause();
    }

    private Throwable tailFailure(ObjectName name, Object lines) {
        Exception e = assertThrows(Exception.class, () -> jmx.mbeanServer.invoke(name, "tailLog",
                new Object[] {lines}, new String[] {int.class.getName()}));
        assertInstanceOf(RuntimeMBeanException.class, e);
        assertEquals(null, e.getCause().getCause(), "no cause of a non-JDK type");
        return e.getCause();
    }

    @Test
    @Timeout(30)
    void tailLogWithTheOutputDiscardedSaysSo() throws Exception {
        SessionServerManager m = jmx.registered("discard", FAST, b -> b.discardLog());
        Throwable cause = tailFailure(m.objectName(), 10);
        assertInstanceOf(IllegalStateException.class, cause);
        assertTrue(cause.getMessage().contains("discarded (logFile=discard)"), cause.getMessage());
    }

    @Test
    @Timeout(30)
    void tailLogRefusesABadLineCountQuotingIt() throws Exception {
        SessionServerManager m = jmx.registered("bad", FAST, b -> b.logFile(dir.resolve("bad.log")));
        for (int bad : new int[] {0, 1001, -5}) {
            Throwable cause = tailFailure(m.objectName(), bad);
            assertInstanceOf(IllegalArgumentException.class, cause);
            assertEquals("invalid lines '" + bad + "': must be 1 to 1000", cause.getMessage());
        }
    }

    @Test
    @Timeout(30)
    void tailLogReadsTheLogOfAStoppedServerAndRefusesALinkNamingIt() throws Exception {
        Path log = dir.resolve("stopped.log");
        Files.write(log, "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8));
        SessionServerManager m = jmx.registered("stopped", FAST, b -> b.logFile(log));
        assertEquals("two\nthree\n", jmx.mbeanServer.invoke(m.objectName(), "tailLog", new Object[] {2},
                new String[] {int.class.getName()}));
        Files.delete(log);
        Files.createSymbolicLink(log, dir.resolve("elsewhere"));
        Throwable cause = tailFailure(m.objectName(), 2);
        assertInstanceOf(IllegalStateException.class, cause);
        assertTrue(cause.getMessage().contains(log.toString()) && cause.getMessage().contains("symbolic link"),
                cause.getMessage());
    }

    @Test
    @Timeout(60)
    void hupReachesTheServerAndItsChildAndIsAnnounced() throws Exception {
        SessionServerManager m = recorder("hup", SupervisionPolicy.DEFAULT, "");
        ObjectName name = m.objectName();
        SupervisionTest.Recorder notifications = new SupervisionTest.Recorder(jmx, name);
        long pid = startAndAwaitHandlers(name);
        long child = Procs.children(pid).get(0);

        jmx.mbeanServer.invoke(name, "signal", new Object[] {"sighup"}, new String[] {String.class.getName()});

        Await.until("both recorded SIGHUP", DEADLINE, () -> recorded().size() == 2);
        assertEquals(List.of("child HUP", "server HUP"), recorded().stream().sorted().collect(
                java.util.stream.Collectors.toList()));
        SupervisionTest.Recorder.Event sent = notifications.of(SessionServerNotifications.OPERATOR_SIGNAL).get(0);
        assertEquals("HUP", sent.data(SessionServerNotifications.SIGNAL));
        assertEquals(pid, sent.data(SessionServerNotifications.PID));
        assertEquals(List.of(pid, child), sent.data(SessionServerNotifications.MEMBERS));
        assertInstanceOf(java.util.ArrayList.class, sent.data(SessionServerNotifications.MEMBERS), "a JDK type");
        Await.until("the log shows it", DEADLINE, () -> m.tailLog(5).contains("server pid " + pid
                + " received SIGHUP"));
        assertEquals("RUNNING", jmx.get(name, "State"), "a handled signal changes nothing");
        assertEquals(pid, jmx.get(name, "Pid"));
    }

    @Test
    @Timeout(60)
    void everyOperatorSignalInEverySpellingIsSent() throws Exception {
        SessionServerManager m = recorder("all", SupervisionPolicy.DEFAULT, "");
        startAndAwaitHandlers(m.objectName());
        String[] spellings = {"USR1", "sigusr2", " SIGWinch ", "quit"};
        for (String s : spellings) {
            m.signal(s);
        }
        Await.until("the server recorded four signals", DEADLINE,
                () -> recorded().stream().filter(l -> l.startsWith("server ")).count() == 4);
        assertEquals(List.of("QUIT", "USR1", "USR2", "WINCH"), recorded().stream().filter(l -> l.startsWith("server "))
                .map(l -> l.substring(7)).sorted().collect(java.util.stream.Collectors.toList()));
    }

    @Test
    @Timeout(60)
    void stoppingSignalsAndGarbageAreRefusedNamingTheAllowedOnes() throws Exception {
        SessionServerManager m = recorder("refused", SupervisionPolicy.DEFAULT, "");
        ObjectName name = m.objectName();
        startAndAwaitHandlers(name);
        for (String bad : new String[] {"TERM", "SIGINT", "kill", "STOP", "9", "", "CONT", "HUPX"}) {
            Throwable cause = invokeFailure(name, bad);
            assertInstanceOf(IllegalArgumentException.class, cause, bad);
            assertTrue(cause.getMessage().startsWith("invalid signal '" + bad + "': allowed are HUP, USR1, USR2, QUIT"
                    + " or WINCH"), cause.getMessage());
            assertEquals(null, cause.getCause(), "no cause of a non-JDK type");
        }
        assertTrue(invokeFailure(name, "TERM").getMessage().contains("use stop()"));
        assertEquals(List.of(), recorded(), "nothing was sent");
        assertEquals("RUNNING", jmx.get(name, "State"));
    }

    @Test
    @Timeout(60)
    void withNoServerRunningItThrowsAndSendsNothing() throws Exception {
        SessionServerManager m = recorder("none", SupervisionPolicy.DEFAULT, "");
        Throwable cause = invokeFailure(m.objectName(), "HUP");
        assertInstanceOf(IllegalStateException.class, cause);
        assertTrue(cause.getMessage().contains("no session server runs"), cause.getMessage());
        assertEquals(null, cause.getCause());
    }

    /** As if someone had signalled it from a shell: the exit is a crash (signal 1, exit code 129), and the policy restarts it. */
    @Test
    @Timeout(90)
    void aServerThatExitsOnTheSignalIsACrashThePolicyRestarts() throws Exception {
        SupervisionPolicy policy = SupervisionPolicy.builder().restart(Restart.ON_FAILURE)
                .restartDelay(Duration.ofMillis(200)).build();
        SessionServerManager m = recorder("dies", policy, "die-on-hup");
        ObjectName name = m.objectName();
        SupervisionTest.Recorder notifications = new SupervisionTest.Recorder(jmx, name);
        m.startMonitoring();
        long pid = startAndAwaitHandlers(name);

        m.signal("HUP");

        Await.until("a crash, then a restart", DEADLINE,
                () -> notifications.count(SessionServerNotifications.RESTART) == 1);
        SupervisionTest.Recorder.Event crash = notifications.of(SessionServerNotifications.CRASH).get(0);
        assertEquals(pid, crash.data(SessionServerNotifications.PID));
        assertEquals(1, crash.data(SessionServerNotifications.SIGNAL), "killed by SIGHUP");
        assertEquals(129, crash.data(SessionServerNotifications.EXIT_CODE));
        Await.until("running again under a new pid", DEADLINE, () -> "RUNNING".equals(jmx.get(name, "State"))
                && (Long) jmx.get(name, "Pid") != pid && (Long) jmx.get(name, "Pid") > 0);
        reaper.track((Long) jmx.get(name, "Pid"));
        assertNotEquals(pid, jmx.get(name, "Pid"));
        assertEquals(1L, jmx.get(name, "Restarts"));
        Map<String, Long> order = Map.of(
                "signal", notifications.of(SessionServerNotifications.OPERATOR_SIGNAL).get(0).nanos,
                "crash", crash.nanos);
        assertTrue(order.get("signal") < order.get("crash"), "announced before the crash: " + notifications.events);
    }
}
