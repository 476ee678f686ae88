package dev.omega.sessionserver.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayDeque;

/**
 * The agent's entry points: {@code -javaagent:session-server-manager-agent.jar=ARGS} ({@link #premain}) and a load
 * into a running JVM ({@link #agentmain}, e.g. by {@code java -jar ... attach <pid> ARGS}).
 *
 * <p>{@code premain} runs on the host's start-up thread, which waits for it: it only queues the argument string and,
 * when none runs, starts the daemon thread {@value #THREAD_NAME} that does everything else. It loads no class but
 * this one (the JDK classes it uses are loaded before any agent runs): no parsing, no lambdas or string
 * concatenation (invokedynamic bootstraps), no logging framework, no other class of the agent, and this class is kept
 * small. That thread parses the arguments of every {@code -javaagent} of this jar in the order the JVM ran them; a bad
 * argument prints one line to stderr and that load does not happen (none of its servers). {@code agentmain} (a load
 * by {@code attach}, into a JVM that is already running) parses on the calling thread, so that a bad argument is
 * reported before it returns. Everything slow (the platform MBeanServer, the meter registry, the monitors) happens on
 * one daemon thread per load, {@value #THREAD_NAME}, through {@link AgentRuntime}: it registers each server of the
 * arguments ({@code servers=a,b}: several) in turn, loads the classes a first start and stop need
 * ({@code OperationPreload}), then starts those with {@code autoStart=true} in dependency order (independent ones
 * side by side, on at most {@value AutoStartInOrder#THREADS} more daemon threads while they start), and ends. Nothing here throws into the host (a failure prints one line to stderr and the agent is not
 * loaded), and nothing here keeps the host from exiting.
 *
 * <p>When registering a server fails, the one-line reason is also left in the host's system property
 * {@value #ERROR_PROPERTY_PREFIX}{@code <name>} so that {@code attach} can report it; the other servers are still
 * registered.
 *
 * <p>An instance is one premain's argument string; it is also the task of the thread that parses the queued ones
 * ({@link #run()}), so that premain needs no second class.
 */
public final class JavaAgent implements Runnable {

    /** The daemon thread that does the agent's slow start-up work. */
    public static final String THREAD_NAME = "session-server-manager-agent";
    /** Prefix of the host's system property that holds why loading the agent for a name failed. */
    public static final String ERROR_PROPERTY_PREFIX = "dev.omega.sessionserver.agent.error.";

    /** premain calls not parsed yet, in order. Guarded by JavaAgent.class. */
    private static final ArrayDeque<JavaAgent> PENDING = new ArrayDeque<>();
    /** Whether a thread drains {@link #PENDING}. Guarded by JavaAgent.class. */
    private static boolean draining;

    final String agentArgs;
    /** How long premain blocked the host (its own view: from its first line to its last), -1 unknown. */
    long blockedNanos = -1; // guarded by JavaAgent.class

    private JavaAgent(String agentArgs) {
        this.agentArgs = agentArgs;
    }

    public static void premain(String agentArgs, Instrumentation instrumentation) {
        long t0 = System.nanoTime();
        try {
            JavaAgent load = new JavaAgent(agentArgs);
            synchronized (JavaAgent.class) {
                PENDING.add(load);
                if (!draining) {
                    Thread thread = new Thread(load, THREAD_NAME);
                    thread.setDaemon(true);
                    thread.start(); // it waits for this lock before it reads the queue
                    draining = true;
                }
                load.blockedNanos = System.nanoTime() - t0;
            }
        } catch (Throwable t) {
            try {
                System.err.print("session-server-manager: the agent is not loaded: ");
                System.err.println(t);
            } catch (Throwable ignored) {
                // nothing left to report with
            }
        }
    }

    public static void agentmain(String agentArgs, Instrumentation instrumentation) {
        AgentStartup.load(agentArgs, "agentmain", -1);
    }

    /**
     * The next queued premain call, or null when none is left (the draining thread then ends, and the next premain
     * starts another).
     */
    static JavaAgent nextPending() {
        synchronized (JavaAgent.class) {
            JavaAgent next = PENDING.poll();
            if (next == null) {
                draining = false;
            }
            return next;
        }
    }

    /** How long premain blocked the host for this call; -1 unknown. */
    long blockedNanos() {
        synchronized (JavaAgent.class) {
            return blockedNanos;
        }
    }

    /** The draining thread's task (whichever instance it was given): parses and loads the queued calls in order. */
    @Override
    public void run() {
        AgentStartup.drain();
    }
}
