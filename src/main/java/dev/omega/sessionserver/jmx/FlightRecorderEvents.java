package dev.omega.sessionserver.jmx;

import java.util.Optional;

import org.slf4j.LoggerFactory;

/**
 * Where the lifecycle history of the managed servers goes in JDK Flight Recorder: one method per event type of
 * category {@code Session Server} ({@code dev.omega.sessionserver.ServerStart}, {@code ServerStop},
 * {@code ServerCrash}, {@code ServerRestart}, {@code StateChange}, {@code HealthCheck}, {@code ServerSignal}), each
 * event carrying the server's name. {@link FlightRecorderBridge} feeds it from a manager's state listener, health-check observer and
 * notifications; {@link ServerOperations} reports each stop with its result.
 *
 * <p>This interface names no {@code jdk.jfr} type: {@link #get()} returns {@link JfrEvents} only when the boot layer
 * has the {@code jdk.jfr} module and its classes link, and otherwise {@link #NONE}, which records nothing, so that a
 * host on a runtime without JFR (a jlink image without {@code jdk.jfr}) still runs the agent.
 *
 * <p>Contract of every implementation: cheap when no recording runs (an event type that is not enabled builds no
 * string and allocates nothing that escapes), never throws, thread-safe.
 */
interface FlightRecorderEvents {

    /**
     * The signal a stop sends first, as the {@code ServerStop} event's {@code signal} shows it. The one place to change
     * when the stop signal becomes configurable: the stop hook in {@link ServerOperations} passes this value.
     */
    String STOP_SIGNAL = "TERM";

    /** Records nothing. */
    FlightRecorderEvents NONE = new FlightRecorderEvents() {
    };

    /** The recorder of this JVM: {@link JfrEvents} when {@code jdk.jfr} is there, else {@link #NONE}. */
    static FlightRecorderEvents get() {
        return Selected.INSTANCE;
    }

    /** A start under way (a {@code ServerStart} duration event begun); ended exactly once. */
    interface StartSpan {
        /** Records nothing. */
        StartSpan NONE = new NoStart(); // a class, not a lambda: no invokedynamic bootstrap in a start's thread

        /**
         * Ends and commits the event.
         *
         * @param pid     the server's PID, -1 when none runs (a failed start)
         * @param adopted true for a server that was already running and was taken over, false for one spawned
         * @param outcome the state the start ended in: RUNNING, UNHEALTHY or FAILED
         * @param error   why it failed ({@code LastError}), "" otherwise
         */
        void end(long pid, boolean adopted, String outcome, String error);
    }

    /** A stop under way (a {@code ServerStop} duration event begun); ended at most once. */
    interface StopSpan {
        /** Records nothing. */
        StopSpan NONE = new NoStop(); // a class, not a lambda: no invokedynamic bootstrap in a stop's thread

        /** Ends and commits the event with {@code result}: a {@code StopResult} name, or FAILED. */
        void end(String result);
    }

    /** {@link StartSpan#NONE}. */
    final class NoStart implements StartSpan {
        @Override
        public void end(long pid, boolean adopted, String outcome, String error) {
        }
    }

    /** {@link StopSpan#NONE}. */
    final class NoStop implements StopSpan {
        @Override
        public void end(String result) {
        }
    }

    /** Begins a {@code ServerStart} event (the spawn); {@link StartSpan#NONE} when that event type is not enabled. */
    default StartSpan beginStart(String server) {
        return StartSpan.NONE;
    }

    /**
     * Begins a {@code ServerStop} event for the server {@code pid} (-1 when none is known), stopped with
     * {@code signal} first; {@link StopSpan#NONE} when that event type is not enabled.
     */
    default StopSpan beginStop(String server, long pid, String signal) {
        return StopSpan.NONE;
    }

    /**
     * A {@code ServerCrash}: {@code pid} exited without a stop asking for it.
     *
     * @param exitCode -1 when unknown
     * @param signal   the signal that killed it, -1 when none or unknown
     * @param decision what the supervisor does about it, in words
     */
    default void crash(String server, long pid, int exitCode, int signal, String decision) {
    }

    /** A {@code ServerRestart}: automatic attempt {@code attempt} begins after {@code delayMillis} of backoff. */
    default void restart(String server, int attempt, long delayMillis, String trigger, String cause) {
    }

    /** A {@code StateChange} from {@code from} to {@code to}. */
    default void stateChange(String server, ServerState from, ServerState to) {
    }

    /**
     * A {@code ServerSignal}: an operator's {@code signal} (by name without {@code SIG}) was sent to {@code members}
     * processes of the tree of the server {@code pid}.
     */
    default void serverSignal(String server, String signal, long pid, int members) {
    }

    /** A {@code HealthCheck} (disabled unless a recording enables it) that took {@code nanos} with {@code outcome}. */
    default void healthCheck(String server, String outcome, long nanos) {
    }

    /** Picks the recorder once, on first use. */
    final class Selected {
        static final FlightRecorderEvents INSTANCE = select();

        private Selected() {
        }

        private static FlightRecorderEvents select() {
            try {
                Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
                if (jfr.isEmpty()) {
                    LoggerFactory.getLogger(SessionServerManager.class).debug("JDK Flight Recorder events are off:"
                            + " this runtime has no jdk.jfr module");
                    return NONE;
                }
                // by name, so that nothing here links against jdk.jfr before the check above
                return (FlightRecorderEvents) Class.forName(FlightRecorderEvents.class.getPackageName() + ".JfrEvents")
                        .getDeclaredConstructor().newInstance();
            } catch (LinkageError | ReflectiveOperationException | RuntimeException e) {
                LoggerFactory.getLogger(SessionServerManager.class).info("JDK Flight Recorder events are off: {}",
                        e.toString());
                return NONE;
            }
        }
    }
}
