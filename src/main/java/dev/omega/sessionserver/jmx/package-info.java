/**
 * The JMX and Micrometer face of the session server manager.
 *
 * <ul>
 * <li>{@link dev.omega.sessionserver.jmx.SessionServerManager}: one managed server; operations delegate to the core
 * {@link dev.omega.sessionserver.process.ProcessManager}, attributes read state kept by a background monitor.</li>
 * <li>{@link dev.omega.sessionserver.jmx.SessionServerMBeans}: registration under
 * {@code dev.omega.sessionserver:type=SessionServerManager,name=<name>} with descriptions and impacts.</li>
 * <li>{@link dev.omega.sessionserver.jmx.SessionServerMetrics}: a Micrometer {@code MeterBinder} for any registry.</li>
 * <li>{@link dev.omega.sessionserver.jmx.SupervisionPolicy}: restart policy, backoff, crash-loop limit and unhealthy
 * threshold of one manager; {@code Supervisor} (package-private) applies it.</li>
 * <li>{@link dev.omega.sessionserver.jmx.SessionServerNotifications}: the crash, restart, restart-failed and gave-up
 * notification types and their user data.</li>
 * </ul>
 *
 * <p>Inside (package-private), one job per class: {@code ServerStateMachine} holds the state the attributes show and
 * the rules that change it; {@code ServerOperations} starts and stops under the operation lock;
 * {@code ServerMonitor} runs the background passes; {@code LogSpaceWatch} tells it when the log's file system is
 * full; {@code TimedHealthCheck} times each health check for the meters;
 * {@code Supervisor} decides about restarts, against the small {@code SupervisedServer} interface;
 * {@code RestartBudget} keeps the backoff and crash-loop count; {@code ServerExitStatus} finds and describes a dead
 * server's exit code; {@code FlightRecorderBridge} turns a manager's state changes, health checks and notifications
 * into JDK Flight Recorder events through {@code FlightRecorderEvents}, whose {@code jdk.jfr} implementation
 * {@code JfrEvents} is loaded only when the runtime has that module.
 *
 * <p>Only JDK types cross the JMX boundary; nothing over JMX can change what is spawned.
 */
package dev.omega.sessionserver.jmx;
