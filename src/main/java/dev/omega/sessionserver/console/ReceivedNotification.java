package dev.omega.sessionserver.console;

import javax.management.AttributeChangeNotification;
import javax.management.Notification;

/**
 * A notification of a session server MBean as the tab lists it: when it came, what kind (the type's last part:
 * {@code crash}, {@code restart}, {@code gave-up}, {@code memory-limit}, {@code signal}..., or {@code state} for a
 * State change) and its message. Immutable.
 */
final class ReceivedNotification {

    private final long timeMillis;
    private final String kind;
    private final String message;

    ReceivedNotification(long timeMillis, String kind, String message) {
        this.timeMillis = timeMillis;
        this.kind = kind;
        this.message = message;
    }

    /**
     * What {@code n} says, received at {@code receivedAtMillis} (the notification's own time stamp when it has one:
     * the host's clock, the moment it happened).
     */
    static ReceivedNotification of(Notification n, long receivedAtMillis) {
        long time = n.getTimeStamp() > 0 ? n.getTimeStamp() : receivedAtMillis;
        if (n instanceof AttributeChangeNotification) {
            AttributeChangeNotification change = (AttributeChangeNotification) n;
            return new ReceivedNotification(time, "state", change.getAttributeName() + " " + change.getOldValue()
                    + " \u2192 " + change.getNewValue());
        }
        String type = n.getType();
        String kind = type.startsWith(SessionServerJmx.NOTIFICATION_PREFIX)
                ? type.substring(SessionServerJmx.NOTIFICATION_PREFIX.length()) : type;
        return new ReceivedNotification(time, kind, n.getMessage() == null ? "" : n.getMessage());
    }

    long timeMillis() {
        return timeMillis;
    }

    String kind() {
        return kind;
    }

    String message() {
        return message;
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
