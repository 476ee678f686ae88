package dev.omega.sessionserver.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.jmx.SessionServerManager;

/**
 * The agent's entry points: {@code -javaagent:session-server-manager-agent.jar=ARGS} ({@link #premain}) and a load
 * into a running JVM ({@link #agentmain}, e.g. by {@code java -jar ... attach <pid> ARGS}).
 *
 * <p>On the host's thread it only parses the arguments (a few milliseconds, no lambdas, no logging framework); a bad
 * argument prints one line to stderr and the agent does not load (none of its servers). Everything slow (the platform
 * MBeanServer, the meter registry, the monitors) happens on one daemon thread, {@value #THREAD_NAME}, through
 * {@link AgentRuntime}: it registers each server of the arguments ({@code servers=a,b}: several) in turn, then starts
 * those with {@code autoStart=true} one after the other, and ends. Nothing here throws into the host, and nothing here
 * keeps the host from exiting.
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

    public static void premain(String agentArgs, Instrumentation instrumentation) {
        load(agentArgs, "premain");
    }

    public static void agentmain(String agentArgs, Instrumentation instrumentation) {
        load(agentArgs, "agentmain");
    }

    /** Also for tests and {@code -javaagent}-less hosts: the work of premain, without an Instrumentation. */
    static void load(String agentArgs, String entry) {
        long t0 = System.nanoTime();
        try {
            List<AgentArguments> servers;
            try {
                servers = AgentArguments.parseAll(agentArgs);
            } catch (IllegalArgumentException e) { // AgentArgumentException; caught as its JDK superclass so that
                // verifying this method does not load it: every class loaded here lengthens the host's start-up
                System.err.println(AgentArguments.MESSAGE_PREFIX + e.getMessage() + "; the agent is not loaded");
                return;
            }
            for (int i = 0; i < servers.size(); i++) {
                System.clearProperty(ERROR_PROPERTY_PREFIX + servers.get(i).name());
            }
            Starter starter = new Starter(servers, entry);
            Thread thread = new Thread(starter, THREAD_NAME);
            thread.setDaemon(true);
            thread.start();
            starter.blockedNanos = System.nanoTime() - t0;
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
            try {
                Logger log = LoggerFactory.getLogger(JavaAgent.class);
                if (log.isDebugEnabled()) {
                    long blocked = blockedNanos;
                    log.debug("{} blocked the host for {} ms; set-up of {} server(s) on {} took {} ms", entry,
                            blocked < 0 ? "?" : String.format("%.2f", blocked / 1e6), servers.size(), THREAD_NAME,
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
