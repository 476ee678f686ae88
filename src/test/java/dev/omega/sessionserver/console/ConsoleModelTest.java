package dev.omega.sessionserver.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.management.AttributeChangeNotification;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.jmx.SessionServerMBeans;
import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.jmx.SessionServerNotifications;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * The console's JMX side without Swing, against an MBeanServer holding real (unstarted) session server MBeans and, for
 * what the agent of this version lacks or an older one lacked, stand-ins with other attribute sets.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConsoleModelTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    private final MBeanServer mbeanServer = MBeanServerFactory.newMBeanServer();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<SessionServerManager> managers = new ArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(SessionServerManager::close);
        scheduler.shutdownNow();
    }

    /** A session server as an agent of before dependencies presents it: no DependsOn, no Dependents. */
    public interface OlderAgentMBean {
        String getState();

        long getPid();
    }

    /** One with the dependency attributes. */
    public interface NewerAgentMBean extends OlderAgentMBean {
        String[] getDependsOn();

        String[] getDependents();
    }

    public static class OlderAgent extends NotificationBroadcasterSupport implements OlderAgentMBean {
        @Override
        public String getState() {
            return "RUNNING";
        }

        @Override
        public long getPid() {
            return 4242;
        }
    }

    public static class NewerAgent extends OlderAgent implements NewerAgentMBean {
        @Override
        public String[] getDependsOn() {
            return new String[] {"db", "cache"};
        }

        @Override
        public String[] getDependents() {
            return new String[0];
        }
    }

    @Test
    void aRefreshReadsEveryServerByNameWithTheAgentsValues() throws Exception {
        register("web");
        register("api");
        ConsoleModel.Refresh r = new ConsoleModel().refresh(mbeanServer, null);

        assertEquals(List.of("api", "web"), names(r.snapshot));
        ServerRow api = r.snapshot.row("api");
        assertEquals("STOPPED", api.state());
        assertEquals(-1, api.pid());
        assertEquals(0, api.restarts());
        assertEquals(0, api.uptimeSeconds());
        assertEquals("", api.lastError());
        assertEquals(SessionServerMBeans.objectName("api"), api.objectName());
        assertNull(r.log, "no log asked");
    }

    @Test
    void dependencyAttributesAreShownWhenTheAgentHasThemAndAbsentWhenNot() throws Exception {
        mbeanServer.registerMBean(new OlderAgent(), SessionServerMBeans.objectName("old"));
        mbeanServer.registerMBean(new NewerAgent(), SessionServerMBeans.objectName("new"));
        FleetSnapshot s = new ConsoleModel().refresh(mbeanServer, null).snapshot;

        ServerRow old = s.row("old");
        assertEquals("RUNNING", old.state());
        assertEquals(4242, old.pid());
        assertNull(old.dependsOn(), "an older agent: no DependsOn to show");
        assertNull(old.dependents());
        assertEquals(-1, old.restarts(), "an attribute the agent lacks is unknown, not 0");
        assertTrue(Double.isNaN(old.cpuUsage()));
        assertEquals(List.of("db", "cache"), s.row("new").dependsOn());
        assertEquals(List.of(), s.row("new").dependents(), "none is not the same as unknown");
    }

    @Test
    void notificationsAreFiledUnderTheirServerFromTheFirstRefreshOn() throws Exception {
        OlderAgent bean = new OlderAgent();
        ObjectName name = SessionServerMBeans.objectName("web");
        mbeanServer.registerMBean(bean, name);
        ConsoleModel model = new ConsoleModel();
        model.refresh(mbeanServer, null);

        bean.sendNotification(new AttributeChangeNotification(name, 1, 1000, "State changed", "State",
                String.class.getName(), "RUNNING", "BACKOFF"));
        bean.sendNotification(new Notification(SessionServerNotifications.CRASH, name, 2, 2000,
                "session server pid 4242 exited unexpectedly (exit code 3)"));
        List<ReceivedNotification> got = model.history("web").notifications();
        assertEquals(List.of("state: State RUNNING \u2192 BACKOFF",
                "crash: session server pid 4242 exited unexpectedly (exit code 3)"), strings(got));
        assertEquals(List.of(1000L, 2000L), List.of(got.get(0).timeMillis(), got.get(1).timeMillis()),
                "the time is the host's, when it happened");

        mbeanServer.unregisterMBean(name);
        assertEquals(List.of(), model.refresh(mbeanServer, null).snapshot.rows(), "a vanished server is gone");
        assertEquals(List.of(), model.history("web").notifications(), "and its history with it");
    }

    @Test
    void aRefreshRecordsOneMemoryAndCpuSampleOfEachServer() throws Exception {
        register("web");
        ConsoleModel model = new ConsoleModel();
        model.refresh(mbeanServer, null);
        model.refresh(mbeanServer, null);
        assertEquals(2, model.history("web").memory().size(), "a stopped server's 0 bytes, twice");
        assertEquals(List.of(0.0, 0.0), List.of(model.history("web").memory().values[0],
                model.history("web").memory().values[1]));
    }

    @Test
    void aLogFromAnAgentWithoutTailLogIsAFailedReplyThatSaysSo() throws Exception {
        mbeanServer.registerMBean(new OlderAgent(), SessionServerMBeans.objectName("old"));
        LogRequest ask = new LogRequest(SessionServerMBeans.objectName("old"), 20);
        Reply<String> log = new ConsoleModel().refresh(mbeanServer, ask).log;
        assertEquals(Reply.Outcome.FAILED, log.outcome());
        assertTrue(log.message().contains("tailLog"), log::message);
    }

    private void register(String name) {
        SessionServerManager m = new SessionServerManager(name, new ProcessManager(
                ExampleServer.options(dir.resolve(name), FreePort.find(), reaper).build()), Duration.ofSeconds(5),
                scheduler);
        managers.add(m);
        assertTrue(SessionServerMBeans.register(mbeanServer, m));
    }

    private static List<String> names(FleetSnapshot s) {
        List<String> out = new ArrayList<>();
        s.rows().forEach(r -> out.add(r.name()));
        return out;
    }

    private static List<String> strings(List<ReceivedNotification> ns) {
        List<String> out = new ArrayList<>();
        ns.forEach(n -> out.add(n.toString()));
        return out;
    }
}
