package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.management.AttributeChangeNotification;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What JConsole, VisualVM and jmxterm see of the MBean: names, types, descriptions, impacts; registration. */
class SessionServerMBeansTest extends JmxFixtureTest {

    private static final Duration INTERVAL = Duration.ofSeconds(5);
    /** What a StandardMBean says when nobody described a feature. */
    private static final Set<String> DEFAULT_DESCRIPTIONS = Set.of("Attribute exposed for management",
            "Operation exposed for management", "Information on the management interface of the MBean", "");

    private static void assertDescribed(String what, String description) {
        assertNotNull(description, what);
        assertFalse(DEFAULT_DESCRIPTIONS.contains(description.trim()), what + " has no real description: '"
                + description + "'");
    }

    @Test
    @Timeout(30)
    void mbeanInfoDescribesEveryFeatureWithJdkTypesOnly() throws Exception {
        SessionServerManager m = jmx.registered("info", INTERVAL, b -> b);
        MBeanInfo info = jmx.mbeanServer.getMBeanInfo(m.objectName());

        assertDescribed("the MBean", info.getDescription());
        assertTrue(info.getDescription().contains("'info'"), info.getDescription());
        assertEquals(0, info.getConstructors().length, "no constructors: managers are made by the host");

        Map<String, String> types = new TreeMap<>();
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertDescribed("attribute " + a.getName(), a.getDescription());
            assertTrue(a.isReadable(), a.getName());
            assertFalse(a.isWritable(), "nothing over JMX may change what is spawned: " + a.getName());
            types.put(a.getName(), a.getType());
        }
        Map<String, String> expected = new TreeMap<>(Map.of("Running", "boolean", "Pid", "long", "Healthy",
                "boolean", "State", "java.lang.String", "UptimeSeconds", "long", "Port", "int", "PidFile",
                "java.lang.String", "ServerScript", "java.lang.String", "HealthCheckUrl", "java.lang.String",
                "LastError", "java.lang.String"));
        expected.put("Restarts", "long");
        expected.put("LastExitCode", "int");
        expected.put("MemoryBytes", "long");
        expected.put("CpuUsage", "double");
        expected.put("Processes", "int");
        expected.put("OpenFiles", "long");
        expected.put("DependsOn", String[].class.getName());
        expected.put("Dependents", String[].class.getName());
        assertEquals(expected, types);

        Map<String, Integer> impacts = new TreeMap<>();
        Map<String, List<String>> parameters = new TreeMap<>();
        for (MBeanOperationInfo op : info.getOperations()) {
            assertDescribed("operation " + op.getName(), op.getDescription());
            List<String> named = new ArrayList<>();
            for (MBeanParameterInfo p : op.getSignature()) {
                assertDescribed("parameter " + p.getName() + " of " + op.getName(), p.getDescription());
                named.add(p.getName() + ":" + p.getType());
            }
            parameters.put(op.getName(), named);
            impacts.put(op.getName(), op.getImpact());
            assertTrue(Set.of("long", "void", "boolean", "java.lang.String").contains(op.getReturnType()),
                    op.getReturnType());
        }
        assertEquals(Map.of("start", MBeanOperationInfo.ACTION, "stop", MBeanOperationInfo.ACTION, "restart",
                MBeanOperationInfo.ACTION, "checkHealth", MBeanOperationInfo.INFO, "tailLog", MBeanOperationInfo.INFO,
                "signal", MBeanOperationInfo.ACTION), impacts);
        assertEquals(Map.of("start", List.of(), "stop", List.of(), "restart", List.of(), "checkHealth", List.of(),
                "tailLog", List.of("lines:int"), "signal", List.of("signal:java.lang.String")), parameters,
                "named parameters (JConsole shows the names), JDK types only");

        MBeanNotificationInfo[] notifications = info.getNotifications();
        Map<String, String> classOfType = new TreeMap<>();
        for (MBeanNotificationInfo n : notifications) {
            assertDescribed("notification " + Arrays.toString(n.getNotifTypes()), n.getDescription());
            assertTrue(n.getName().startsWith("javax.management."), "a JDK class: " + n.getName());
            for (String type : n.getNotifTypes()) {
                classOfType.put(type, n.getName());
            }
        }
        assertEquals(new TreeMap<>(Map.of(AttributeChangeNotification.ATTRIBUTE_CHANGE,
                AttributeChangeNotification.class.getName(), "dev.omega.sessionserver.crash",
                "javax.management.Notification", "dev.omega.sessionserver.restart", "javax.management.Notification",
                "dev.omega.sessionserver.restart-failed", "javax.management.Notification",
                "dev.omega.sessionserver.gave-up", "javax.management.Notification",
                "dev.omega.sessionserver.memory-limit", "javax.management.Notification",
                "dev.omega.sessionserver.signal", "javax.management.Notification")), classOfType);
        assertTrue(info.getDescription().contains("restart=never"), "the policy is in the description: "
                + info.getDescription());
    }

    @Test
    @Timeout(30)
    void objectNamesQuoteOnlyWhenNeeded() throws Exception {
        assertEquals("dev.omega.sessionserver:type=SessionServerManager,name=default",
                SessionServerMBeans.objectName("default").toString());
        assertEquals("dev.omega.sessionserver:type=SessionServerManager,name=web-1 eu",
                SessionServerMBeans.objectName("web-1 eu").toString());
        ObjectName quoted = SessionServerMBeans.objectName("a,b=c:*?");
        assertFalse(quoted.isPattern());
        assertEquals("a,b=c:*?", ObjectName.unquote(quoted.getKeyProperty("name")));
        assertThrows(IllegalArgumentException.class, () -> jmx.manager("", INTERVAL, b -> b));
        assertThrows(IllegalArgumentException.class, () -> jmx.manager("x", Duration.ZERO, b -> b));

        SessionServerManager odd = jmx.registered("a,b", INTERVAL, b -> b);
        assertEquals("STOPPED", jmx.get(odd.objectName(), "State"));
    }

    @Test
    @Timeout(30)
    void registersOnceInThePlatformServerAndUnregistersOnlyItsOwn() {
        MBeanServer platform = ManagementFactory.getPlatformMBeanServer();
        String name = "platform-" + reaper.marker();
        SessionServerManager first = jmx.manager(name, INTERVAL, b -> b);
        SessionServerManager second = jmx.manager(name, INTERVAL, b -> b);
        try {
            assertTrue(SessionServerMBeans.register(platform, first));
            assertTrue(platform.isRegistered(first.objectName()));
            assertFalse(SessionServerMBeans.register(platform, first), "registered once");
            assertFalse(SessionServerMBeans.register(platform, second), "the name is taken");

            SessionServerMBeans.unregister(platform, second);
            assertTrue(platform.isRegistered(first.objectName()), "unregister leaves another manager's MBean");

            SessionServerMBeans.unregister(platform, first);
            assertFalse(platform.isRegistered(first.objectName()));
            SessionServerMBeans.unregister(platform, first); // a no-op now

            assertTrue(SessionServerMBeans.register(platform, second), "the name is free again");
            assertEquals("STOPPED", platformState(platform, second.objectName()));
        } finally {
            SessionServerMBeans.unregister(platform, first);
            SessionServerMBeans.unregister(platform, second);
        }
        assertFalse(platform.isRegistered(first.objectName()));
        assertEquals(Set.of(), platform.queryNames(SessionServerMBeans.objectName(name), null).stream()
                .collect(Collectors.toSet()));
    }

    private static Object platformState(MBeanServer server, ObjectName name) {
        try {
            return server.getAttribute(name, "State");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
