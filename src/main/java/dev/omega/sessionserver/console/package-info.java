/**
 * The "Session Servers" tab for JConsole: the agent jar is also a JConsole plugin
 * ({@code jconsole -pluginpath session-server-manager-agent.jar <pid>}).
 *
 * <p>Only JConsole's service loader reaches this package ({@code META-INF/services/com.sun.tools.jconsole.JConsolePlugin}
 * names {@link dev.omega.sessionserver.console.SessionServersPlugin}); the agent never refers to it, so a host running
 * the agent loads neither it nor Swing. It uses no class of the agent's other packages: everything goes through
 * JConsole's {@code MBeanServerConnection}, by attribute and operation names ({@code SessionServerJmx}).
 *
 * <p>Inside, the JMX side has no Swing ({@code ConsoleModel}: {@code FleetReader} reads the rows,
 * {@code FleetHistory} keeps the samples and {@code NotificationSubscriptions} the notifications since the tab opened;
 * {@code JmxChannel} sends one request at a time with a deadline), and the Swing side has no JMX
 * ({@code SessionServersTab} and its parts: {@code ServerTableModel}, {@code StateCellRenderer},
 * {@code ServerDetailPanel} with its {@code UsageChart}s, {@code LogPanel}, {@code ActionBar});
 * {@code ConsoleController} joins them through {@code RequestWorker}s, off the event thread.
 */
package dev.omega.sessionserver.console;
