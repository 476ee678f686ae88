package dev.omega.sessionserver.console;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * What the tab knows of the connected JVM, without Swing: the servers' rows, their history since the tab opened, the
 * notification subscriptions, and the log pane's text. {@link #refresh} is one refresh's JMX work; it runs on a
 * request thread ({@link JmxChannel}), never on the event thread. Thread-safe.
 */
final class ConsoleModel {

    /** One refresh's findings. Immutable. */
    static final class Refresh {
        final FleetSnapshot snapshot;
        /** The log asked for, {@code null} when none was. */
        final LogRequest logRequest;
        /** {@code tailLog}'s answer for {@link #logRequest}; {@code null} when none was asked (or no such server). */
        final Reply<String> log;

        Refresh(FleetSnapshot snapshot, LogRequest logRequest, Reply<String> log) {
            this.snapshot = snapshot;
            this.logRequest = logRequest;
            this.log = log;
        }
    }

    private final FleetReader reader = new FleetReader();
    private final FleetHistory history = new FleetHistory();
    private final NotificationSubscriptions subscriptions = new NotificationSubscriptions(history);
    private final long openedAtMillis = System.currentTimeMillis();

    /**
     * Reads every server, subscribes to the new ones' notifications, records a memory and CPU sample of each, and
     * reads the log {@code log} asks for (when not {@code null} and its server still exists).
     *
     * @throws IOException when the connection fails
     */
    Refresh refresh(MBeanServerConnection connection, LogRequest log) throws IOException {
        FleetSnapshot snapshot = reader.read(connection);
        List<ObjectName> names = new ArrayList<>();
        snapshot.rows().forEach(r -> names.add(r.objectName()));
        subscriptions.sync(connection, names);
        history.record(snapshot);
        boolean logged = log != null && names.contains(log.server());
        return new Refresh(snapshot, log, logged ? tailLog(connection, log) : null);
    }

    /**
     * {@code tailLog} as {@code log} asks; an MBean's refusal ({@code logFile=discard}, an agent without
     * {@code tailLog}) is a failed reply, not an exception.
     *
     * @throws IOException when the connection fails
     */
    static Reply<String> tailLog(MBeanServerConnection connection, LogRequest log) throws IOException {
        try {
            return Reply.ok(ServerAction.tailLog(log.server(), log.lines()).send(connection));
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            if (ErrorMessages.isConnectionFailure(e)) {
                throw new IOException(ErrorMessages.of(e), e);
            }
            return Reply.failure(Reply.Outcome.FAILED, ErrorMessages.of(e));
        }
    }

    /** The history of server {@code name} since the tab opened. */
    ServerHistory history(String name) {
        return history.of(name);
    }

    /** When the tab opened: where the charts' time axis starts. */
    long openedAtMillis() {
        return openedAtMillis;
    }
}
