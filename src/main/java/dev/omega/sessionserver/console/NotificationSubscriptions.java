package dev.omega.sessionserver.console;

import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;

/**
 * Listens to the notifications of every session server MBean the refreshes find, and files each one in the server's
 * {@link ServerHistory}. {@link #sync} runs with each refresh, on the request thread: it subscribes to the MBeans that
 * appeared and unsubscribes from those that vanished; a new connection (JConsole reconnected) starts afresh, as the
 * old one's subscriptions died with it. Notifications arrive on the JMX client's own thread. Thread-safe.
 */
final class NotificationSubscriptions implements NotificationListener {

    private final FleetHistory history;
    private final Set<ObjectName> subscribed = new HashSet<>(); // guarded by this
    private MBeanServerConnection subscribedOn; // guarded by this

    NotificationSubscriptions(FleetHistory history) {
        this.history = history;
    }

    /**
     * Subscribes to each of {@code names} not yet listened to on {@code connection}, and unsubscribes from the rest.
     *
     * @throws IOException when the connection fails
     */
    synchronized void sync(MBeanServerConnection connection, Collection<ObjectName> names) throws IOException {
        if (connection != subscribedOn) {
            subscribed.clear();
            subscribedOn = connection;
        }
        for (ObjectName name : names) {
            if (!subscribed.contains(name)) {
                try {
                    connection.addNotificationListener(name, this, null, name);
                    subscribed.add(name);
                } catch (JMException gone) {
                    // unregistered since the query: the next refresh drops it
                }
            }
        }
        Set<ObjectName> vanished = new HashSet<>(subscribed);
        vanished.removeAll(names);
        for (ObjectName name : vanished) {
            subscribed.remove(name);
            try {
                connection.removeNotificationListener(name, this);
            } catch (JMException alreadyGone) {
                // the MBean took its listeners with it
            }
        }
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
        if (handback instanceof ObjectName) {
            history.of(SessionServerJmx.serverName((ObjectName) handback))
                    .received(ReceivedNotification.of(notification, System.currentTimeMillis()));
        }
    }
}
