package dev.omega.sessionserver.jmx;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.management.Notification;
import javax.management.NotificationListener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds one manager's lifecycle into {@link FlightRecorderEvents} through the hooks every manager has: its state
 * listener (StateChange events, and ServerStart: begun at the change to STARTING, ended at the change out of it; a
 * change from STOPPED, FAILED or BACKOFF straight to RUNNING or UNHEALTHY is an adopted server, a ServerStart of
 * duration zero), its health-check observer (HealthCheck) and its crash and restart notifications (ServerCrash,
 * ServerRestart) and its operator's signal notifications (ServerSignal). ServerStop comes from
 * {@link ServerOperations#stop()}, the one place that knows the stop's result.
 *
 * <p>Everything runs in the thread that made the change, with the manager's state lock held for the state
 * listener; the recorder does no I/O and never throws. The pending start is only touched by state changes, which are
 * serialized by that lock. With {@link FlightRecorderEvents#NONE} nothing is attached at all.
 */
final class FlightRecorderBridge implements NotificationListener {

    /** Logs under {@link SessionServerManager}'s category, as the other parts of a manager do. */
    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);

    private final SessionServerManager manager;
    private final FlightRecorderEvents events;
    /** The ServerStart begun at the change to STARTING; guarded by the state lock (see above). */
    private FlightRecorderEvents.StartSpan pendingStart = FlightRecorderEvents.StartSpan.NONE;

    private FlightRecorderBridge(SessionServerManager manager, FlightRecorderEvents events) {
        this.manager = manager;
        this.events = events;
    }

    /**
     * Attaches the JVM's recorder ({@link FlightRecorderEvents#get()}) to {@code manager}; nothing when JFR is not
     * available. Called once, by the manager's constructor.
     */
    static void attach(SessionServerManager manager) {
        attach(manager, FlightRecorderEvents.get());
    }

    /** Attaches {@code events} to {@code manager} (nothing for {@link FlightRecorderEvents#NONE}). */
    static void attach(SessionServerManager manager, FlightRecorderEvents events) {
        Objects.requireNonNull(manager, "manager");
        if (Objects.requireNonNull(events, "events") == FlightRecorderEvents.NONE) {
            return;
        }
        FlightRecorderBridge bridge = new FlightRecorderBridge(manager, events);
        String name = manager.name();
        manager.addStateListener(bridge::stateChanged);
        manager.putHealthCheckObserver(FlightRecorderBridge.class,
                (outcome, nanos) -> events.healthCheck(name, outcome.tag(), nanos));
        manager.addNotificationListener(bridge, null, null);
    }

    private void stateChanged(ServerState from, ServerState to) {
        String name = manager.name();
        events.stateChange(name, from, to);
        if (to == ServerState.STARTING) {
            pendingStart = events.beginStart(name);
        } else if (from == ServerState.STARTING) {
            FlightRecorderEvents.StartSpan start = pendingStart;
            pendingStart = FlightRecorderEvents.StartSpan.NONE;
            start.end(manager.getPid(), false, to.name(), to == ServerState.FAILED ? manager.getLastError() : "");
        } else if (to.isUp()
                && (from == ServerState.STOPPED || from == ServerState.FAILED || from == ServerState.BACKOFF)) {
            events.beginStart(name).end(manager.getPid(), true, to.name(), "");
        }
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        String type = notification.getType();
        boolean crash = SessionServerNotifications.CRASH.equals(type);
        boolean signal = SessionServerNotifications.OPERATOR_SIGNAL.equals(type);
        if (!crash && !signal && !SessionServerNotifications.RESTART.equals(type)
                || !(notification.getUserData() instanceof Map)) {
            return;
        }
        Map<?, ?> data = (Map<?, ?>) notification.getUserData();
        String name = manager.name();
        try {
            if (signal) {
                Object members = data.get(SessionServerNotifications.MEMBERS);
                events.serverSignal(name, String.valueOf(data.get(SessionServerNotifications.SIGNAL)),
                        number(data, SessionServerNotifications.PID),
                        members instanceof List ? ((List<?>) members).size() : -1);
                return;
            }
            record(crash, name, data);
        } catch (RuntimeException | LinkageError e) { // a notification's sender must not see it
            LOG.debug("session server '{}': recording a {} event failed: {}", name, type, e.toString());
        }
    }

    private void record(boolean crash, String name, Map<?, ?> data) {
        if (crash) {
            events.crash(name, number(data, SessionServerNotifications.PID), (int) number(data,
                    SessionServerNotifications.EXIT_CODE), (int) number(data, SessionServerNotifications.SIGNAL),
                    String.valueOf(data.get(SessionServerNotifications.DECISION)));
        } else {
            events.restart(name, (int) number(data, SessionServerNotifications.ATTEMPT), number(data,
                    SessionServerNotifications.DELAY_MILLIS), String.valueOf(data.get(
                            SessionServerNotifications.TRIGGER)), String.valueOf(data.get(
                                    SessionServerNotifications.CAUSE)));
        }
    }

    /** The number under {@code key}, -1 when it is missing. */
    private static long number(Map<?, ?> data, String key) {
        Object value = data.get(key);
        return value instanceof Number ? ((Number) value).longValue() : -1;
    }
}
