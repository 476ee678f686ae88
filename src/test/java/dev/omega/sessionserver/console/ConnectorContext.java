package dev.omega.sessionserver.console;

import java.beans.PropertyChangeListener;
import java.beans.PropertyChangeSupport;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;

import com.sun.tools.jconsole.JConsoleContext;

/**
 * What JConsole hands its plugins, around a real {@link JMXConnector} of the test's: the connection and its state,
 * whose changes the test announces ({@link #announce}) as JConsole's {@code ProxyClient} does.
 */
final class ConnectorContext implements JConsoleContext {

    private final MBeanServerConnection connection;
    private final PropertyChangeSupport listeners = new PropertyChangeSupport(this);
    private volatile ConnectionState state = ConnectionState.CONNECTED;

    ConnectorContext(JMXConnector connector) {
        try {
            this.connection = connector.getMBeanServerConnection();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public MBeanServerConnection getMBeanServerConnection() {
        return connection;
    }

    @Override
    public ConnectionState getConnectionState() {
        return state;
    }

    /** Changes the state and tells the listeners, as JConsole does when a connection drops or comes back. */
    void announce(ConnectionState newState) {
        ConnectionState old = state;
        state = newState;
        listeners.firePropertyChange(CONNECTION_STATE_PROPERTY, old, newState);
    }

    @Override
    public void addPropertyChangeListener(PropertyChangeListener listener) {
        listeners.addPropertyChangeListener(listener);
    }

    @Override
    public void removePropertyChangeListener(PropertyChangeListener listener) {
        listeners.removePropertyChangeListener(listener);
    }
}
