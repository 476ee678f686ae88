package dev.omega.sessionserver.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.jmx.OperationPreload;
import dev.omega.sessionserver.jmx.SessionServerManager;

/**
 * The agent's entry points: {@code -javaagent:session-server-manager-agent.jar=ARGS} ({@link #premain}) and a load
 * into a running JVM ({@link #agentmain}, e.g. by {@code java -jar ... attach <pid> ARGS}).
 *
 * <p>{@code premain} only hands the argument string to a daemon thread, {@value #THREAD_NAME} (no parsing, no
 * lambdas, no logging framework on the host's thread: the host's start-up waits for premain). That thread parses the
 * arguments of every {@code -javaagent} of this jar in the order the JVM ran them; a bad argument prints one line to
 * stderr and that load does not happen (none of its servers). {@code agentmain} (a load by {@code attach}, into a
 * JVM that is already running) parses on the calling thread, so that a bad argument is reported before it returns.
 * Everything slow (the platform MBeanServer, the meter registry, the monitors) happens on one daemon thread per load,
 * {@value #THREAD_NAME}, through {@link AgentRuntime}: it registers each server of the arguments
 * ({@code servers=a,b}: several) in turn, loads the classes a first start and stop need ({@link OperationPreload}),
 * then starts those with {@code autoStart=true} one after the other, and ends. Nothing here throws into the host, and nothing here keeps the host from exiting.
 *
 * <p>When registering a server fails, the one-line reason is also left in the host's system property
 * {@value #ERROR_PROPERTY_PREFIX}{@code <name>} so that {@code attach} can report it; the other servers are still
 * registered.
 */
public final class JavaAgent {

    /** The daemon thread that does the agent's slow start-up work. */
    public static final String THREAD_NAME = "session-server-manager-agent";
    /** Prefix of the host's system property that holds why loading the agent for a name failed. */
    public static final String ERROR_PROPERTY_PREFIX = "dev.omega.sessionserver.agent.error.";

    private JavaAgent() {
    }

    /** Argument strings of premain calls not parsed yet, in order. Guarded by JavaAgent.class. */
    private static final ArrayDeque<Deferred> PENDING = new ArrayDeque<>();
    /** Whether the thread that parses {@link #PENDING} runs. Guarded by JavaAgent.class. */
    private static boolean parserRunning;

    public static void premain(String agentArgs, Instrumentation instrumentation) {
        defer(agentArgs, "premain");
    }

    public static void agentmain(String agentArgs, Instrumentation instrumentation) {
        load(agentArgs, "agentmain");
    }

    /**
     * premain's work: queues the argument string for the parsing thread (started when none runs). Only JDK classes
     * already loaded at start-up, and this class's two small nested ones.
     */
    static void defer(String agentArgs, String entry) {
        long t0 = System.nanoTime();
        try {
            Deferred d = new Deferred(agentArgs, entry, t0);
            synchronized (JavaAgent.class) {
                PENDING.add(d);
                if (!parserRunning) {
                    Thread thread = new Thread(new Deferred(null, null, 0), THREAD_NAME);
                    thread.setDaemon(true);
                    thread.start();
                    parserRunning = true;
                }
                d.blockedNanos = System.nanoTime() - t0;
            }
        } catch (Throwable t) {
            try {
                System.err.println("session-server-manager: the agent is not loaded: " + t);
            } catch (Throwable ignored) {
                // nothing left to report with
            }
        }
    }

    /**
     * One premain's argument string and how long premain blocked the host; the instance with no arguments is the
     * parsing thread's task, which parses and loads the queued ones in order and ends when none is left.
     */
    static final class Deferred implements Runnable {
        final String agentArgs;
        final String entry;
        final long enteredNanos;
        long blockedNanos = -1; // guarded by JavaAgent.class

        Deferred(String agentArgs, String entry, long enteredNanos) {
            this.agentArgs = agentArgs;
            this.entry = entry;
            this.enteredNanos = enteredNanos;
        }

        @Override
        public void run() {
            try { // SLF4J set up once, here, before any load's thread can log: concurrent first calls make SLF4J
                // replay them with a warning on the host's stderr
                AgentLogging.configure();
                LoggerFactory.getILoggerFactory();
            } catch (Throwable ignored) {
                // each load's thread reports on stderr without it
            }
            while (true) {
                Deferred next;
                long blocked;
                synchronized (JavaAgent.class) {
                    next = PENDING.poll();
                    if (next == null) {
                        parserRunning = false;
                        return;
                    }
                    blocked = next.blockedNanos;
                }
                load(next.agentArgs, next.entry, blocked);
            }
        }
    }

    /** Also for tests and {@code -javaagent}-less hosts: the work of agentmain, without an Instrumentation. */
    static void load(String agentArgs, String entry) {
        load(agentArgs, entry, -1);
    }

    /**
     * Parses, then hands the servers to a new {@value #THREAD_NAME} thread.
     *
     * @param blockedNanos how long premain blocked the host (for the debug line); -1: this call's own time
     */
    private static void load(String agentArgs, String entry, long blockedNanos) {
        long t0 = System.nanoTime();
        try {
            List<AgentArguments> servers;
            try {
                servers = AgentArguments.parseAll(agentArgs);
            } catch (IllegalArgumentException e) { // AgentArgumentException, caught as its JDK superclass
                System.err.println(AgentArguments.MESSAGE_PREFIX + e.getMessage() + "; the agent is not loaded");
                return;
            }
            for (int i = 0; i < servers.size(); i++) {
                System.clearProperty(ERROR_PROPERTY_PREFIX + servers.get(i).name());
            }
            Starter starter = new Starter(servers, entry);
            Thread thread = new Thread(starter, THREAD_NAME);
            thread.setDaemon(true);
            starter.blockedNanos = blockedNanos >= 0 ? blockedNanos : System.nanoTime() - t0;
            thread.start();
        } catch (Throwable t) {
            try {
                System.err.println(AgentArguments.MESSAGE_PREFIX + "the agent is not loaded: " + t);
            } catch (Throwable ignored) {
                // nothing left to report with
            }
        }
    }

    /** The slow part, on the agent's daemon thread. A named class, not a lambda: see the class comment. */
    static final class Starter implements Runnable {
        private final List<AgentArguments> servers;
        private final String entry;
        volatile long blockedNanos = -1;

        Starter(List<AgentArguments> servers, String entry) {
            this.servers = servers;
            this.entry = entry;
        }

        @Override
        public void run() {
            List<SessionServerManager> toStart = new ArrayList<>();
            long t0 = System.nanoTime();
            Logger log = null;
            try { // before the registrations, so that a host that waits for the MBean sees the line
                AgentLogging.configure();
                log = LoggerFactory.getLogger(JavaAgent.class);
                if (log.isDebugEnabled()) {
                    long blocked = blockedNanos;
                    log.debug("{} blocked the host for {} ms", entry,
                            blocked < 0 ? "?" : String.format("%.2f", blocked / 1e6));
                }
            } catch (Throwable ignored) {
                // logging is not worth failing for
            }
            for (AgentArguments args : servers) {
                try {
                    AgentLogging.configure();
                    SessionServerManager manager = AgentRuntime.get().register(args, null);
                    if (manager != null && args.autoStart()) {
                        toStart.add(manager);
                    }
                } catch (Throwable t) {
                    failed(args, t);
                }
            }
            try { // the classes of a first start and stop, here rather than in an operator's thread
                OperationPreload.run();
            } catch (Throwable ignored) {
                // only time is lost
            }
            try {
                if (log != null && log.isDebugEnabled()) {
                    log.debug("set-up of {} server(s) on {} took {} ms", servers.size(), THREAD_NAME,
                            String.format("%.1f", (System.nanoTime() - t0) / 1e6));
                }
            } catch (Throwable ignored) {
                // logging is not worth failing for
            }
            for (SessionServerManager manager : toStart) { // one after the other: no thread per server
                try {
                    AgentRuntime.autoStart(manager);
                } catch (Throwable t) {
                    System.err.println(AgentArguments.MESSAGE_PREFIX + "autoStart of '" + manager.name()
                            + "' failed: " + t);
                }
            }
        }

        private static void failed(AgentArguments args, Throwable t) {
            String reason = String.valueOf(t.getMessage() == null ? t : t.getMessage()).replace('\n', ' ');
            try {
                System.setProperty(ERROR_PROPERTY_PREFIX + args.name(), reason);
            } catch (Throwable ignored) {
                // a security manager: attach then just times out
            }
            try {
                AgentLogging.configure();
                Logger log = LoggerFactory.getLogger(JavaAgent.class);
                log.error("the agent could not register '{}': {}", args.name(), reason);
                log.debug("the agent could not register '{}'", args.name(), t);
            } catch (Throwable logFailed) {
                System.err.println(AgentArguments.MESSAGE_PREFIX + "the agent could not register '"
                        + args.name() + "': " + t);
            }
        }
    }
}
