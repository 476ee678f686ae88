package dev.omega.sessionserver.agent;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.jmx.SessionServerManager;

/**
 * What {@link JavaAgent}'s entry points hand over, off the host's start-up thread for {@code premain}: parsing the
 * argument string, then one daemon thread ({@value JavaAgent#THREAD_NAME}) per load that registers its servers and
 * starts those with {@code autoStart=true}. Nothing here throws into the host: every failure is one line on stderr
 * or in the agent's log. Log lines are under the logger {@code JavaAgent}.
 */
final class AgentStartup {

    private AgentStartup() {
    }

    /** The task of premain's thread: sets up logging once, then loads the queued premain calls in order. */
    static void drain() {
        try { // SLF4J set up once, here, before any load's thread can log: concurrent first calls make SLF4J
            // replay them with a warning on the host's stderr
            AgentLogging.configure();
            LoggerFactory.getILoggerFactory();
        } catch (Throwable ignored) {
            // each load's thread reports on stderr without it
        }
        for (JavaAgent next = JavaAgent.nextPending(); next != null; next = JavaAgent.nextPending()) {
            load(next.agentArgs, "premain", next.blockedNanos());
        }
    }

    /**
     * Parses, then hands the servers to a new {@value JavaAgent#THREAD_NAME} thread.
     *
     * @param blockedNanos how long premain blocked the host (for the debug line); -1: this call's own time
     */
    static void load(String agentArgs, String entry, long blockedNanos) {
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
                System.clearProperty(JavaAgent.ERROR_PROPERTY_PREFIX + servers.get(i).name());
            }
            Starter starter = new Starter(servers, entry);
            Thread thread = new Thread(starter, JavaAgent.THREAD_NAME);
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

    /** The slow part, on the agent's daemon thread. */
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
            try { // the pidfd layer (Java 22+ with native access) links its C functions here, before the MBeans
                // appear (about 0.1 s once per JVM), so that an operator's first start does not wait for it
                dev.omega.sessionserver.process.ProcessManager.prepareProcessLayer();
            } catch (Throwable ignored) {
                // the first start pays for it instead
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
                dev.omega.sessionserver.jmx.OperationPreload.run();
            } catch (Throwable ignored) {
                // only time is lost
            }
            try {
                if (log != null && log.isDebugEnabled()) {
                    log.debug("set-up of {} server(s) on {} took {} ms", servers.size(), JavaAgent.THREAD_NAME,
                            String.format("%.1f", (System.nanoTime() - t0) / 1e6));
                }
            } catch (Throwable ignored) {
                // logging is not worth failing for
            }
            try { // dependsOn; then autoStart in dependency order, independent servers side by side (at most 4 threads)
                AgentRuntime.get().linkDependencies(servers);
                AgentRuntime.autoStartInOrder(servers, toStart);
            } catch (Throwable t) {
                System.err.println(AgentArguments.MESSAGE_PREFIX + "autoStart failed: " + t);
            }
        }

        private static void failed(AgentArguments args, Throwable t) {
            String reason = String.valueOf(t.getMessage() == null ? t : t.getMessage()).replace('\n', ' ');
            try {
                System.setProperty(JavaAgent.ERROR_PROPERTY_PREFIX + args.name(), reason);
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
