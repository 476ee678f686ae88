package dev.omega.sessionserver.console;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;

import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * The dependents of a session server that run now, read by name over the connection: its {@code Dependents}
 * attribute, then each dependent's {@code Running}. Stateless.
 */
final class RunningDependents {

    private RunningDependents() {
    }

    /**
     * The names, in the order {@code Dependents} gives them, of those that run; empty when the agent has no
     * {@code Dependents} attribute (an older agent) or none runs. A dependent whose MBean is gone or unreadable counts
     * as not running.
     *
     * @throws IOException when the connection fails
     */
    static List<String> of(MBeanServerConnection connection, ObjectName server) throws IOException {
        String[] dependents;
        try {
            dependents = (String[]) connection.getAttribute(server, SessionServerJmx.DEPENDENTS);
        } catch (JMException | ClassCastException e) {
            return Collections.emptyList();
        }
        List<String> running = new ArrayList<>();
        for (String dependent : dependents == null ? new String[0] : dependents) {
            try {
                Hashtable<String, String> keys = new Hashtable<>(server.getKeyPropertyList());
                keys.put("name", dependent);
                ObjectName name = new ObjectName(server.getDomain(), keys);
                if (Boolean.TRUE.equals(connection.getAttribute(name, SessionServerJmx.RUNNING))) {
                    running.add(dependent);
                }
            } catch (JMException e) {
                // gone or unreadable: not running, as far as the answer goes
            }
        }
        return running;
    }
}
