package dev.omega.sessionserver.console;

import java.beans.PropertyChangeEvent;
import java.beans.PropertyChangeListener;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;

import javax.management.MBeanServerConnection;
import javax.swing.JPanel;
import javax.swing.SwingUtilities;
import javax.swing.SwingWorker;

import com.sun.tools.jconsole.JConsoleContext;
import com.sun.tools.jconsole.JConsolePlugin;

/**
 * The agent jar as a JConsole plugin: {@code jconsole -pluginpath session-server-manager-agent.jar <pid>} adds the tab
 * "Session Servers" for the connected JVM. Found only by JConsole's service loader
 * ({@code META-INF/services/com.sun.tools.jconsole.JConsolePlugin}); nothing in the agent refers to this package, so a
 * host running the agent never loads it, nor Swing.
 *
 * <p>JConsole makes one instance per connection, sets its context, calls {@link #getTabs()} once on the event thread
 * and {@link #newSwingWorker()} at each update interval (from its timer, running the worker only when the previous
 * one is done). Every JMX call goes through the context's {@code MBeanServerConnection}, by name: the plugin uses none
 * of the agent's classes, so it works against agents of other versions (attributes it does not find are not shown).
 */
public final class SessionServersPlugin extends JConsolePlugin {

    /** The tab's title. */
    public static final String TAB_TITLE = "Session Servers";
    /** The longest a refresh or a log read waits for the JVM before the tab says so. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** The longest an operation waits (a start waits for health, up to the server's {@code startTimeout}). */
    static final Duration OPERATION_TIMEOUT = Duration.ofMinutes(3);

    private final Prompts prompts;
    private final Duration readTimeout;
    private final Duration operationTimeout;
    private ConsoleController controller; // guarded by this
    private final PropertyChangeListener connectionListener = this::connectionChanged;

    /** The plugin as JConsole's service loader makes it: dialogs for questions, the default timeouts. */
    public SessionServersPlugin() {
        this(new DialogPrompts(), READ_TIMEOUT, OPERATION_TIMEOUT);
    }

    SessionServersPlugin(Prompts prompts, Duration readTimeout, Duration operationTimeout) {
        this.prompts = prompts;
        this.readTimeout = readTimeout;
        this.operationTimeout = operationTimeout;
    }

    /** The "Session Servers" tab (made on the first call, on the event thread). */
    @Override
    public synchronized Map<String, JPanel> getTabs() {
        if (controller == null) {
            controller = new ConsoleController(this::connection, prompts, readTimeout, operationTimeout);
            addContextPropertyChangeListener(connectionListener);
        }
        return Collections.singletonMap(TAB_TITLE, controller.tab());
    }

    /** A refresh of the tab; {@code null} before the tab exists. Called by JConsole at each update interval. */
    @Override
    public synchronized SwingWorker<?, ?> newSwingWorker() {
        return controller == null ? null : controller.newRefresh();
    }

    /** Stops the tab's request threads (JConsole calls it when the connection's window closes). */
    @Override
    public synchronized void dispose() {
        if (controller != null) {
            removeContextPropertyChangeListener(connectionListener);
            controller.close();
        }
    }

    private MBeanServerConnection connection() {
        JConsoleContext context = getContext();
        return context == null ? null : context.getMBeanServerConnection();
    }

    private void connectionChanged(PropertyChangeEvent e) {
        if (JConsoleContext.CONNECTION_STATE_PROPERTY.equals(e.getPropertyName())
                && e.getNewValue() instanceof JConsoleContext.ConnectionState) {
            JConsoleContext.ConnectionState state = (JConsoleContext.ConnectionState) e.getNewValue();
            ConsoleController c;
            synchronized (this) {
                c = controller;
            }
            SwingUtilities.invokeLater(() -> c.connectionStateChanged(state));
        }
    }

    /** The controller behind the tab, for tests; {@code null} before {@link #getTabs()}. */
    synchronized ConsoleController controller() {
        return controller;
    }
}
