package dev.omega.sessionserver.jmx;

/**
 * The management interface of one session server, as JMX clients (JConsole, VisualVM, jmxterm) see it under
 * {@code dev.omega.sessionserver:type=SessionServerManager,name=<name>}.
 *
 * <p>As a Standard MBean interface, the getters are read-only attributes ({@code Running}, {@code Pid},
 * {@code Healthy}, {@code State}, {@code UptimeSeconds}, {@code Port}, {@code PidFile}, {@code ServerScript},
 * {@code HealthCheckUrl}, {@code LastError}, {@code Restarts}, {@code LastExitCode}, {@code MemoryBytes},
 * {@code CpuUsage}, {@code Processes}, {@code OpenFiles}, {@code DependsOn}, {@code Dependents}) and the other
 * methods are operations (among them the console's {@code tailLog} and {@code signal}). Only JDK types cross this
 * interface: clients have none of this jar's classes. There are no setters: what is spawned (command, script,
 * environment, PID file) comes only from the host's configuration, never from a JMX client.
 *
 * <p>Contract shared by every implementation:
 * <ul>
 * <li>Attribute reads never wait on the network or the disk: they return state kept by a background monitor and by
 * the operations.</li>
 * <li>Operations run in the caller's thread, one at a time per server. A failed operation throws a JDK exception
 * (usually {@link IllegalStateException}) without a cause of a non-JDK type, whose message says what went wrong and
 * what to do.</li>
 * </ul>
 */
public interface SessionServerManagerMBean {

    /**
     * Starts the session server (detached) unless it already runs, and waits until it answers its health check.
     *
     * @return the server's PID (the running server's PID when it already ran)
     * @throws IllegalStateException when no healthy server results; the message (also kept in {@code LastError})
     *         gives the exit code and the last lines of the server's log when known; State becomes FAILED
     */
    long start();

    /**
     * Stops the managed server and its process group (SIGTERM, then SIGKILL after the stop timeout) and returns once
     * it is gone. A no-op when nothing runs. A process this manager did not start is never signalled.
     *
     * @throws IllegalStateException when the server could not be stopped
     */
    void stop();

    /**
     * {@link #stop()} then {@link #start()}, as one operation.
     *
     * @return the new server's PID
     * @throws IllegalStateException when the stop or the start failed
     */
    long restart();

    /**
     * Checks the health URL now (one GET with the health timeout), updates State and Healthy, and returns whether
     * it answered 2xx, whichever process answers: {@code Healthy} and {@code State} tell whether that is the managed
     * server.
     */
    boolean checkHealth();

    /**
     * The last {@code lines} lines of the server's log (1 to 1,000; at most 256 KiB, beginning at a line start; the
     * rest from {@code <log>.1} when the live log holds fewer just after a rotation), whether or not the server runs.
     * The log is read never through a symbolic link, only as a regular file owned by the host's user, never blocking,
     * and safely while the server writes and a rotation runs.
     *
     * @throws IllegalArgumentException when {@code lines} is not 1 to 1,000 (the message quotes it)
     * @throws IllegalStateException when the output is discarded ({@code logFile=discard}: the message says so), or
     *         the log is refused or cannot be read (the message names it and says why)
     */
    String tailLog(int lines);

    /**
     * Sends an operator signal to the running server's process tree (the server, its process group, their
     * descendants), identity-checked, through pidfds where the host has them; returns at once. A server that exits
     * on it is a crash, handled by the supervision policy as any other.
     *
     * @param signal {@code HUP}, {@code USR1}, {@code USR2}, {@code QUIT} (a JVM server's thread dump) or
     *               {@code WINCH}, with or without {@code SIG}, in any case
     * @throws IllegalArgumentException for any other signal (TERM, INT, KILL, STOP, ...): the message names the
     *         allowed ones; to stop the server use {@link #stop()}
     * @throws IllegalStateException when no server runs (nothing is sent)
     */
    void signal(String signal);

    /** Attribute {@code Running}: whether the managed server process is alive (as last observed). */
    boolean isRunning();

    /** Attribute {@code Pid}: the managed server's PID, {@code -1} when none runs. */
    long getPid();

    /** Attribute {@code Healthy}: whether the managed server is alive and its last health check answered 2xx. */
    boolean isHealthy();

    /**
     * Attribute {@code State}: one of STOPPED, STARTING, RUNNING, UNHEALTHY, STOPPING, BACKOFF (an automatic restart
     * is pending after a crash: {@code LastError} says when), FAILED (a start failed, or the server exited and no
     * restart follows: none configured, or the restart policy gave up).
     */
    String getState();

    /** Attribute {@code UptimeSeconds}: whole seconds since the server process started; 0 when not running. */
    long getUptimeSeconds();

    /** Attribute {@code Port}: the port the server is given ({@code SESSION_SERVER_PORT}). */
    int getPort();

    /** Attribute {@code PidFile}: the absolute path of the PID file. */
    String getPidFile();

    /** Attribute {@code ServerScript}: the script that is run, or the explicit command when one is configured. */
    String getServerScript();

    /** Attribute {@code HealthCheckUrl}: the URL checked for health. */
    String getHealthCheckUrl();

    /**
     * Attribute {@code LastError}: the last failure (failed start or stop, crash, unmanaged server); "" when none.
     * While the file system holding the server's log is full, it ends with a note that says so (see the
     * implementation's javadoc).
     */
    String getLastError();

    /**
     * Attribute {@code Restarts}: automatic restart attempts (successful or not) made by the supervisor since the
     * manager was created; an operator's {@code restart} is not counted.
     */
    long getRestarts();

    /**
     * Attribute {@code LastExitCode}: the exit code of the managed server's last unexpected exit (a crash, or an exit
     * during a start); 128+N when a signal N killed it; {@code -1} when none was seen or the code is unknown (a server
     * this JVM did not spawn: only its parent can read its exit code).
     */
    int getLastExitCode();

    /**
     * Attribute {@code MemoryBytes}: the resident memory of the server's process tree (the server, its process group
     * and their descendants), summed, in bytes; 0 when no server runs; -1 when unknown (no {@code /proc}, as on
     * macOS). The resource attributes ({@code MemoryBytes}, {@code CpuUsage}, {@code Processes}, {@code OpenFiles}, {@code DependsOn}, {@code Dependents})
     * share one sample of the tree, taken when one of them (or a meter) is read and the last sample is older than
     * {@code healthInterval}, and otherwise reused: reading them costs at most one sample (a few reads of
     * {@code /proc}) per interval, however many readers there are.
     */
    long getMemoryBytes();

    /**
     * Attribute {@code CpuUsage}: the fraction of one core the server's process tree used between the sample this
     * read returns and the sample before it (an average over that time, at least {@code healthInterval} when reads
     * are frequent, longer when they are not: the time since the previous read that sampled; 1.0: one core busy;
     * above 1 on several cores); 0 when no server runs; NaN when unknown (the first sample of a server has nothing
     * to compare with).
     */
    double getCpuUsage();

    /** Attribute {@code Processes}: processes in the server's process tree at the last sample; 0 when none. */
    int getProcesses();

    /**
     * Attribute {@code OpenFiles}: open file descriptors of the server's process tree, summed, at the last sample; 0
     * when no server runs; -1 when not readable (another user's process, or no {@code /proc}).
     */
    long getOpenFiles();

    /** Attribute {@code DependsOn}: the names of the servers this one depends on ({@code dependsOn}); empty: none. */
    String[] getDependsOn();

    /** Attribute {@code Dependents}: the names of the servers whose {@code dependsOn} names this one. */
    String[] getDependents();
}
