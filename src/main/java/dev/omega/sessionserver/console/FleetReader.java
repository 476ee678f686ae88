package dev.omega.sessionserver.console;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * Reads every session server of a JVM through an {@code MBeanServerConnection}: one {@code queryNames} and one
 * {@code getAttributes} per server. No Swing; call it off the event thread (each call is a round trip).
 *
 * <p>{@code getAttributes} leaves out what it cannot read instead of failing, so an agent without
 * {@code DependsOn}/{@code Dependents} (before dependencies existed) gives rows whose {@link ServerRow#dependsOn()}
 * is {@code null}. A server unregistered between the query and its read is left out. Stateless and thread-safe.
 */
final class FleetReader {

    /**
     * Every session server MBean of the JVM behind {@code connection}, sorted by name.
     *
     * @throws IOException when the connection fails (lost, closed): the caller shows "connection lost"
     */
    FleetSnapshot read(MBeanServerConnection connection) throws IOException {
        List<ObjectName> names = new ArrayList<>(connection.queryNames(SessionServerJmx.PATTERN, null));
        names.sort(Comparator.comparing(SessionServerJmx::serverName));
        List<ServerRow> rows = new ArrayList<>(names.size());
        for (ObjectName name : names) {
            try {
                rows.add(row(name, connection.getAttributes(name, SessionServerJmx.ROW_ATTRIBUTES)));
            } catch (InstanceNotFoundException gone) {
                // unregistered since the query: it vanishes from the table
            } catch (JMException e) {
                rows.add(unreadable(name, e));
            }
        }
        return new FleetSnapshot(System.currentTimeMillis(), rows);
    }

    private static ServerRow row(ObjectName name, AttributeList attributes) {
        Map<String, Object> values = new HashMap<>();
        for (Attribute a : attributes.asList()) {
            values.put(a.getName(), a.getValue());
        }
        return new ServerRow(name, text(values.get(SessionServerJmx.STATE)),
                number(values.get(SessionServerJmx.PID), -1), number(values.get(SessionServerJmx.UPTIME_SECONDS), -1),
                number(values.get(SessionServerJmx.RESTARTS), -1), number(values.get(SessionServerJmx.MEMORY_BYTES), -1),
                fraction(values.get(SessionServerJmx.CPU_USAGE)), text(values.get(SessionServerJmx.LAST_ERROR)),
                names(values.get(SessionServerJmx.DEPENDS_ON)), names(values.get(SessionServerJmx.DEPENDENTS)));
    }

    /** A server whose attributes could not be read at all: its row says why, in the last-error column. */
    private static ServerRow unreadable(ObjectName name, JMException e) {
        return new ServerRow(name, "", -1, -1, -1, -1, Double.NaN, "cannot read its attributes: "
                + ErrorMessages.of(e), null, null);
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    private static long number(Object value, long unknown) {
        return value instanceof Number ? ((Number) value).longValue() : unknown;
    }

    private static double fraction(Object value) {
        return value instanceof Number ? ((Number) value).doubleValue() : Double.NaN;
    }

    /** A String[] attribute as a list; {@code null} when the agent did not return it (no such attribute). */
    private static List<String> names(Object value) {
        if (!(value instanceof String[])) {
            return null;
        }
        return Arrays.stream((String[]) value).filter(Objects::nonNull).collect(Collectors.toList());
    }
}
