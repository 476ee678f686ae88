package dev.omega.sessionserver.jmx;

import java.util.Map;

import javax.management.MBeanAttributeInfo;
import javax.management.MBeanConstructorInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardEmitterMBean;

/**
 * A {@link SessionServerManager} as a Standard MBean whose MBeanInfo carries a description for the MBean, every
 * attribute, operation and parameter, and an impact for every operation (ACTION for start, stop, restart and signal;
 * INFO for checkHealth and tailLog), so that JConsole and VisualVM show them. Notifications (and their MBeanNotificationInfo) come
 * from the manager. No constructors are exposed. Thread-safe (stateless beyond the wrapped manager).
 */
final class DescribedSessionServerMBean extends StandardEmitterMBean {

    private static final Map<String, String> ATTRIBUTES = Map.ofEntries(
            Map.entry("Running", "true while the managed session server process (the one the PID file names, its"
                    + " identity verified against the kernel) is alive, as last seen by the monitor or an"
                    + " operation."),
            Map.entry("Pid", "PID of the managed session server process; -1 when none runs."),
            Map.entry("Healthy", "true when the managed server is alive and its last health check answered 2xx"
                    + " (State turns UNHEALTHY only after several failed checks in a row)."),
            Map.entry("State", "Lifecycle state: STOPPED, STARTING, RUNNING (alive and healthy, or fewer failed"
                    + " health checks in a row than the unhealthy threshold), UNHEALTHY (alive, health check failing"
                    + " that often), STOPPING, BACKOFF (the server exited or a restart attempt failed, and an"
                    + " automatic restart is pending: LastError says when, then STARTING), FAILED (a start failed,"
                    + " or the server exited and no restart follows: none configured for that exit, or the restart"
                    + " policy gave up; stays until the next start or stop, see LastError). Every change is sent as"
                    + " an AttributeChangeNotification."),
            Map.entry("UptimeSeconds", "Whole seconds since the managed server process started (the kernel's start"
                    + " time); 0 when not running."),
            Map.entry("Port", "TCP port the server is given (environment variable SESSION_SERVER_PORT). Read-only:"
                    + " set by the host's configuration."),
            Map.entry("PidFile", "Absolute path of the PID file (first line the PID, then the process identity)."
                    + " Read-only: set by the host's configuration."),
            Map.entry("ServerScript", "The server script that is run (or the explicit command, when one is"
                    + " configured). Read-only: set by the host's configuration."),
            Map.entry("HealthCheckUrl", "URL whose 2xx answer means healthy, checked by the monitor every health"
                    + " interval and by checkHealth. Read-only: set by the host's configuration."),
            Map.entry("LastError", "The last failure: a failed start (with exit code and the last lines of the"
                    + " server's log), a failed stop, an unexpected exit, or an unmanaged server on the port;"
                    + " empty when none. Cleared by a successful start. While an automatic restart is pending it"
                    + " ends with 'restarting in N ms (attempt K)'; after the crash-loop limit with 'gave up"
                    + " restarting: ...'. While the file system of the server's log is full it ends with 'log file F:"
                    + " its file system is full (...)' (the server keeps running); that note goes when space"
                    + " returns, whatever else happens meanwhile."),
            Map.entry("Restarts", "Automatic restart attempts (successful or not) made under the restart policy"
                    + " since the manager was created; an operator's restart is not counted. Each one is also sent"
                    + " as a dev.omega.sessionserver.restart notification."),
            Map.entry("LastExitCode", "Exit code of the managed server's last unexpected exit (a crash, or an exit"
                    + " during a start); 128+N means killed by signal N (137: SIGKILL, 143: SIGTERM); -1 when none"
                    + " was seen or the code is unknown (a server this JVM did not start: only its parent can read"
                    + " its exit code)."),
            Map.entry("MemoryBytes", "Resident memory (RSS) of the server's process tree (the server, its process"
                    + " group and their descendants), summed, in bytes, read from /proc (at most once per"
                    + " healthInterval, shared by the resource attributes);"
                    + " 0 when no server runs; -1 when unknown (no /proc). With maxMemory set, a tree above it for"
                    + " unhealthyThreshold passes in a row is restarted."),
            Map.entry("CpuUsage", "Fraction of one core the server's process tree used between this sample"
                    + " and the previous one (at least healthInterval apart; 1.0: one core busy; more on several"
                    + " cores); 0 when no server runs; NaN when unknown (the first sample of a server has nothing to"
                    + " compare with)."),
            Map.entry("Processes", "Processes in the server's process tree at the last sample (the server,"
                    + " its process group, their descendants); 0 when none runs."),
            Map.entry("OpenFiles", "Open file descriptors of the server's process tree, summed, at the last sample;"
                    + " 0 when no server runs; -1 when not readable (no /proc, or another user's process)."),
            Map.entry("DependsOn", "Names of the servers this one depends on (dependsOn): a start brings them up"
                    + " first and waits for them; empty when none."),
            Map.entry("Dependents", "Names of the servers that depend on this one: a stop stops them first,"
                    + " an operator's restart restarts the running ones after it."));

    private static final Map<String, String> OPERATIONS = Map.of(
            "start", "Starts the session server detached and waits until its health check answers (up to the start"
                    + " timeout); returns its PID. When it already runs, returns the running server's PID. On"
                    + " failure State becomes FAILED and the error (exit code, last log lines) is thrown and kept"
                    + " in LastError.",
            "stop", "Stops the managed session server and its whole process group: SIGTERM, then SIGKILL after the"
                    + " stop timeout; returns once nothing of it is left. A no-op when nothing runs. A process this"
                    + " manager did not start is never signalled.",
            "restart", "Stops the managed session server (as stop), then starts it (as start); returns the new"
                    + " PID.",
            "checkHealth", "Checks the health URL now (one GET, with the health check timeout), updates Healthy"
                    + " (and State, which turns UNHEALTHY after the unhealthy threshold of failed checks in a row), and"
                    + " returns true when it answered 2xx (whichever process answers: Healthy and State tell whether"
                    + " it is the managed server). Changes nothing else; a crash it notices is handled like the"
                    + " monitor's.",
            "tailLog", "Returns the last 'lines' lines (1 to 1000) of the server's log, at most 256 KiB, beginning at"
                    + " a line start; just after a rotation the rest comes from <log>.1. Read without following a"
                    + " symbolic link, only as a regular file of the host's user, never blocking, safe while the"
                    + " server writes and a rotation runs. Fails when the output is discarded (logFile=discard).",
            "signal", "Sends an operator signal to the running server's process tree (the server, its process"
                    + " group, their descendants), identity-checked: HUP, USR1, USR2, QUIT (a JVM server's thread"
                    + " dump) or WINCH, with or without SIG. TERM, INT, KILL and STOP are refused: use stop. A server"
                    + " that exits on it is a crash for the restart policy. Announced by a"
                    + " dev.omega.sessionserver.signal notification. Fails when no server runs.");

    /** The console operations' parameters: name and description. */
    private static final Map<String, String[]> PARAMETERS = Map.of(
            "tailLog", new String[] {"lines", "How many of the log's last lines: 1 to 1000 (at most 256 KiB)"},
            "signal", new String[] {"signal", "HUP, USR1, USR2, QUIT or WINCH (with or without SIG, any case)"});

    private final SessionServerManager manager;
    private volatile MBeanServer server;

    DescribedSessionServerMBean(SessionServerManager manager) {
        super(manager, SessionServerManagerMBean.class, manager);
        this.manager = manager;
    }

    SessionServerManager manager() {
        return manager;
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return "Manages the session server '" + manager.name() + "' (an external process): start, stop, restart"
                + " and health, through the same spawn, PID file and signal logic as the library. Attributes come"
                + " from a monitor that looks every " + manager.healthInterval().toMillis() + " ms and never wait"
                + " on the network or disk. Supervision: " + manager.policy() + " (durations in ms). What is"
                + " spawned (command, script, environment, PID file) comes only from the host's configuration and"
                + " cannot be changed over JMX.";
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        String d = ATTRIBUTES.get(info.getName());
        return d != null ? d : super.getDescription(info);
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        String d = OPERATIONS.get(info.getName());
        return d != null ? d : super.getDescription(info);
    }

    @Override
    protected int getImpact(MBeanOperationInfo info) {
        return "checkHealth".equals(info.getName()) || "tailLog".equals(info.getName()) ? MBeanOperationInfo.INFO
                : MBeanOperationInfo.ACTION;
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        String[] p = PARAMETERS.get(op.getName());
        return p != null && sequence == 0 ? p[0] : super.getParameterName(op, param, sequence);
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        String[] p = PARAMETERS.get(op.getName());
        // a future operation's parameter gets at least its position and type
        return p != null && sequence == 0 ? p[1]
                : "Parameter " + (sequence + 1) + " of " + op.getName() + " (" + param.getType() + ")";
    }

    @Override
    protected MBeanConstructorInfo[] getConstructors(MBeanConstructorInfo[] ctors, Object impl) {
        return new MBeanConstructorInfo[0]; // a manager is made by the host from its configuration, never over JMX
    }

    // Track where the manager is registered, also when a JMX client unregisters it, so that
    // SessionServerMBeans.unregister never removes an MBean of the same name registered by someone else.

    @Override
    public ObjectName preRegister(MBeanServer mbs, ObjectName name) throws Exception {
        this.server = mbs;
        return super.preRegister(mbs, name);
    }

    @Override
    public void postRegister(Boolean registrationDone) {
        super.postRegister(registrationDone);
        if (Boolean.TRUE.equals(registrationDone) && server != null) {
            manager.registeredIn.add(server);
        }
    }

    @Override
    public void postDeregister() {
        super.postDeregister();
        MBeanServer s = server;
        if (s != null) {
            manager.registeredIn.remove(s);
        }
    }
}
