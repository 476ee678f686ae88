package dev.omega.sessionserver.jmx;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The {@link FlightRecorderEvents} that commits {@code jdk.jfr} events. Loaded only by name, after
 * {@link FlightRecorderEvents#get()} has found the {@code jdk.jfr} module: no other class of this jar refers to a
 * {@code jdk.jfr} type. Each method first asks whether its event type is enabled (a recording runs and its settings
 * enable the type), and only then sets the fields and commits; with no recording that is one allocation the JIT
 * removes. Stack traces are off for every type (where the state changed is known; how is not interesting).
 * Thread-safe (each event object is confined to one call, or to one start or stop under the operation lock).
 */
final class JfrEvents implements FlightRecorderEvents {

    /** The {@code @Name} prefix of every event type. */
    static final String PREFIX = "dev.omega.sessionserver.";
    /** The {@code @Category} of every event type. */
    static final String CATEGORY = "Session Server";

    /**
     * Loads and initializes every event type now, so that a runtime whose {@code jdk.jfr} cannot serve them fails
     * here, where {@link FlightRecorderEvents#get()} falls back to recording nothing, and never later in a
     * manager's thread. Commits nothing.
     */
    JfrEvents() {
        for (Event event : new Event[] {new ServerStart(), new ServerStop(), new ServerCrash(), new ServerRestart(),
            new StateChange(), new HealthCheck(), new ServerSignal()}) {
            event.isEnabled();
        }
        for (String span : new String[] {"Start", "Stop"}) { // loaded here, on the agent's thread, not in an operation's
            try {
                Class.forName(JfrEvents.class.getName() + "$" + span, false, JfrEvents.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new NoClassDefFoundError(e.getMessage());
            }
        }
    }

    @Override
    public StartSpan beginStart(String server) {
        ServerStart event = new ServerStart();
        if (!event.isEnabled()) {
            return StartSpan.NONE;
        }
        event.begin();
        return new Start(event, server);
    }

    /** A begun ServerStart (a class, not a lambda: no invokedynamic bootstrap in the first start's thread). */
    private static final class Start implements StartSpan {
        private final ServerStart event;
        private final String server;

        Start(ServerStart event, String server) {
            this.event = event;
            this.server = server;
        }

        @Override
        public void end(long pid, boolean adopted, String outcome, String error) {
            event.end();
            if (event.shouldCommit()) {
                event.serverName = server;
                event.pid = pid;
                event.adopted = adopted;
                event.outcome = outcome;
                event.error = error;
                event.commit();
            }
        }
    }

    @Override
    public StopSpan beginStop(String server, long pid, String signal) {
        ServerStop event = new ServerStop();
        if (!event.isEnabled()) {
            return StopSpan.NONE;
        }
        event.begin();
        return new Stop(event, server, pid, signal);
    }

    /** A begun ServerStop (a class, not a lambda: no invokedynamic bootstrap in the first stop's thread). */
    private static final class Stop implements StopSpan {
        private final ServerStop event;
        private final String server;
        private final long pid;
        private final String signal;

        Stop(ServerStop event, String server, long pid, String signal) {
            this.event = event;
            this.server = server;
            this.pid = pid;
            this.signal = signal;
        }

        @Override
        public void end(String result) {
            event.end();
            if (event.shouldCommit()) {
                event.serverName = server;
                event.pid = pid;
                event.result = result;
                event.signal = signal;
                event.commit();
            }
        }
    }

    @Override
    public void crash(String server, long pid, int exitCode, int signal, String decision) {
        ServerCrash event = new ServerCrash();
        if (event.shouldCommit()) {
            event.serverName = server;
            event.pid = pid;
            event.exitCode = exitCode;
            event.signal = signal;
            event.decision = decision;
            event.commit();
        }
    }

    @Override
    public void restart(String server, int attempt, long delayMillis, String trigger, String cause) {
        ServerRestart event = new ServerRestart();
        if (event.shouldCommit()) {
            event.serverName = server;
            event.attempt = attempt;
            event.delay = delayMillis;
            event.trigger = trigger;
            event.cause = cause;
            event.commit();
        }
    }

    @Override
    public void stateChange(String server, ServerState from, ServerState to) {
        StateChange event = new StateChange();
        if (event.shouldCommit()) {
            event.serverName = server;
            event.from = from.name();
            event.to = to.name();
            event.commit();
        }
    }

    @Override
    public void serverSignal(String server, String signal, long pid, int members) {
        ServerSignal event = new ServerSignal();
        if (event.shouldCommit()) {
            event.serverName = server;
            event.signal = signal;
            event.pid = pid;
            event.members = members;
            event.commit();
        }
    }

    @Override
    public void healthCheck(String server, String outcome, long nanos) {
        HealthCheck event = new HealthCheck();
        if (event.shouldCommit()) {
            event.serverName = server;
            event.outcome = outcome;
            event.checkDuration = nanos;
            event.commit();
        }
    }

    // ------------------------------------------------------------------ the event types

    @Name(PREFIX + "ServerStart")
    @Label("Server Start")
    @Category(CATEGORY)
    @Description("A session server was started: from the spawn until it answered healthy (or the start failed);"
            + " or a server already running was adopted (duration zero)")
    @StackTrace(false)
    static final class ServerStart extends Event {
        @Label("Server Name")
        @Description("The manager's name (the MBean's name key)")
        String serverName;

        @Label("PID")
        @Description("The server's process id; -1 when the start failed")
        long pid;

        @Label("Adopted")
        @Description("true: a server already running under the PID file was taken over; false: it was spawned")
        boolean adopted;

        @Label("Outcome")
        @Description("The state the start ended in: RUNNING, UNHEALTHY or FAILED")
        String outcome;

        @Label("Error")
        @Description("Why the start failed (the LastError attribute); empty when it did not")
        String error;
    }

    @Name(PREFIX + "ServerStop")
    @Label("Server Stop")
    @Category(CATEGORY)
    @Description("A stop of a session server: from the stop request until its process group was gone (or the stop"
            + " failed)")
    @StackTrace(false)
    static final class ServerStop extends Event {
        @Label("Server Name")
        @Description("The manager's name (the MBean's name key)")
        String serverName;

        @Label("PID")
        @Description("The process id of the server stopped; -1 when none was known")
        long pid;

        @Label("Result")
        @Description("EXITED_ON_SIGTERM, KILLED (SIGKILL after the stop timeout), NOT_RUNNING,"
                + " STALE_PID_FILE_REMOVED, FOREIGN_PROCESS_LEFT_ALONE, or FAILED")
        String result;

        @Label("Signal")
        @Description("The signal sent first (TERM); KILL follows after the stop timeout")
        String signal;
    }

    @Name(PREFIX + "ServerCrash")
    @Label("Server Crash")
    @Category(CATEGORY)
    @Description("A session server exited and no stop asked for it (a clean exit 0 included)")
    @StackTrace(false)
    static final class ServerCrash extends Event {
        @Label("Server Name")
        @Description("The manager's name (the MBean's name key)")
        String serverName;

        @Label("PID")
        @Description("The process id of the server that exited")
        long pid;

        @Label("Exit Code")
        @Description("The exit code; 128+N for signal N; -1 when unknown (a server this JVM did not spawn)")
        int exitCode;

        @Label("Signal")
        @Description("The signal that killed it; -1 when none or unknown")
        int signal;

        @Label("Decision")
        @Description("What supervision does about it: restarting, not restarted, or gave up")
        String decision;
    }

    @Name(PREFIX + "ServerRestart")
    @Label("Server Restart")
    @Category(CATEGORY)
    @Description("An automatic restart attempt begins, after its backoff delay")
    @StackTrace(false)
    static final class ServerRestart extends Event {
        @Label("Server Name")
        @Description("The manager's name (the MBean's name key)")
        String serverName;

        @Label("Attempt")
        @Description("The attempt's number since the backoff was last reset, 1 for the first")
        int attempt;

        @Label("Delay")
        @Description("The backoff delay waited before the attempt")
        @Timespan(Timespan.MILLISECONDS)
        long delay;

        @Label("Trigger")
        @Description("What made the restart necessary: crash, unhealthy or restart-failed")
        String trigger;

        @Label("Cause")
        @Description("The failure behind the restart, in words")
        String cause;
    }

    @Name(PREFIX + "StateChange")
    @Label("State Change")
    @Category(CATEGORY)
    @Description("The State attribute of a session server changed")
    @StackTrace(false)
    static final class StateChange extends Event {
        @Label("Server Name")
        @Description("The manager's name (the MBean's name key)")
        String serverName;

        @Label("From")
        @Description("The state before: STOPPED, STARTING, RUNNING, UNHEALTHY, STOPPING or FAILED")
        String from;

        @Label("To")
        @Description("The state after")
        String to;
    }

    @Name(PREFIX + "ServerSignal")
    @Label("Server Signal")
    @Category(CATEGORY)
    @Description("An operator's signal (the signal operation) was sent to a session server's process tree")
    @StackTrace(false)
    static final class ServerSignal extends Event {
        @Label("Server Name")
        @Description("The manager's name (the MBean's name key)")
        String serverName;

        @Label("Signal")
        @Description("The signal sent, without SIG: HUP, USR1, USR2, QUIT or WINCH")
        String signal;

        @Label("PID")
        @Description("The process id of the server")
        long pid;

        @Label("Members")
        @Description("How many processes of its tree (the server included) were signalled")
        int members;
    }

    @Name(PREFIX + "HealthCheck")
    @Label("Health Check")
    @Category(CATEGORY)
    @Description("One health check of a session server. Disabled by default (it fires every healthInterval);"
            + " examples/jfr/session-server.jfc enables it")
    @Enabled(false)
    @StackTrace(false)
    static final class HealthCheck extends Event {
        @Label("Server Name")
        @Description("The manager's name (the MBean's name key)")
        String serverName;

        @Label("Outcome")
        @Description("up (2xx), down (anything else) or timeout")
        String outcome;

        @Label("Check Duration")
        @Description("How long the check took (the event itself is committed when it ended)")
        @Timespan(Timespan.NANOSECONDS)
        long checkDuration;
    }
}
