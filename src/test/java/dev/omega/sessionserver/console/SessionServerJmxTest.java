package dev.omega.sessionserver.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;


import org.junit.jupiter.api.Test;

import dev.omega.sessionserver.jmx.SessionServerMBeans;
import dev.omega.sessionserver.jmx.SessionServerManagerMBean;
import dev.omega.sessionserver.jmx.SessionServerNotifications;
import dev.omega.sessionserver.process.OperatorSignal;

/**
 * The names the plugin uses (it may not load the agent's classes) are the agent's: its ObjectNames, attributes,
 * operations and notification types.
 */
class SessionServerJmxTest {

    @Test
    void thePatternMatchesEverySessionServersObjectName() {
        assertTrue(SessionServerJmx.PATTERN.apply(SessionServerMBeans.objectName("web")));
        assertEquals("web", SessionServerJmx.serverName(SessionServerMBeans.objectName("web")));
    }

    @Test
    void theSignalsOfferedAreTheOnesTheAgentAccepts() {
        List<String> accepted = new ArrayList<>();
        for (OperatorSignal s : OperatorSignal.values()) {
            accepted.add(s.name());
        }
        assertEquals(accepted, SessionServerJmx.SIGNALS);
    }

    @Test
    void theNotificationTypesAreTheAgents() {
        assertEquals(SessionServerNotifications.CRASH, SessionServerJmx.CRASH);
        assertEquals(SessionServerNotifications.RESTART, SessionServerJmx.RESTART_NOTIFICATION);
        assertEquals(SessionServerNotifications.RESTART_FAILED, SessionServerJmx.RESTART_FAILED);
        assertEquals(SessionServerNotifications.GAVE_UP, SessionServerJmx.GAVE_UP);
        assertEquals(SessionServerNotifications.MEMORY_LIMIT, SessionServerJmx.MEMORY_LIMIT);
        assertEquals(SessionServerNotifications.OPERATOR_SIGNAL, SessionServerJmx.SIGNAL_NOTIFICATION);
    }

    @Test
    void theAttributesAndOperationsTheTabUsesAreTheMbeans() {
        List<String> attributes = new ArrayList<>();
        List<String> operations = new ArrayList<>();
        for (Method m : SessionServerManagerMBean.class.getMethods()) { // a Standard MBean's rules
            String n = m.getName();
            if (n.startsWith("get") && m.getParameterCount() == 0) {
                attributes.add(n.substring(3));
            } else if (n.startsWith("is") && m.getReturnType() == boolean.class && m.getParameterCount() == 0) {
                attributes.add(n.substring(2));
            } else {
                operations.add(n);
            }
        }
        for (String a : SessionServerJmx.ROW_ATTRIBUTES) {
            assertTrue(attributes.contains(a), a + " in " + attributes);
        }
        for (ServerAction action : ServerAction.values()) {
            assertTrue(operations.contains(action.operation()), action.operation() + " in " + operations);
        }
        assertTrue(operations.containsAll(List.of(SessionServerJmx.SIGNAL, SessionServerJmx.TAIL_LOG)),
                "signal and tailLog in " + operations);
    }
}
