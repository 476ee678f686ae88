package dev.omega.sessionserver.agent;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import javax.management.MBeanServer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.jmx.ServerDependency;
import dev.omega.sessionserver.jmx.ServerState;
import dev.omega.sessionserver.jmx.SessionServerMBeans;
import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.jmx.SessionServerMetrics;
import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessManager;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;

/**
 * What one agent shares between all the servers it manages, however often it is loaded into a JVM and however many
 * servers one load names ({@code servers=a,b}): the platform MBeanServer, one {@link JmxMeterRegistry} (domain
 * {@code metrics}) and one scheduler for the health monitors, with a fixed number of daemon threads
 * ({@value #MONITOR_THREADS}, named {@value #MONITOR_THREAD_PREFIX}N) that does not grow with the number of servers.
 * {@link #register(AgentArguments, BiConsumer)} adds one managed server: its {@link SessionServerManager} MBean, its
 * meters (tagged with its name), its monitor (a task on the shared scheduler). {@code premain}/{@code agentmain} and
 * the CLI's {@code run} both come here.
 *
 * <p>The first {@link #get()} is slow (the platform MBeanServer alone costs 150-250 ms): call it off the host's
 * start-up path.
 */
public final class AgentRuntime {

    /** Name prefix of the monitor threads. */
    public static final String MONITOR_THREAD_PREFIX = "session-server-manager-monitor-";
    /** The monitor scheduler's threads: fixed, for any number of servers. */
    public static final int MONITOR_THREADS = 2;

    private static final Logger LOG = LoggerFactory.getLogger(AgentRuntime.class);
    private static AgentRuntime instance; // guarded by AgentRuntime.class

    private final MBeanServer mbeanServer;
    private final MeterRegistry meterRegistry;
    private final ScheduledExecutorService scheduler;
    private final Map<String, SessionServerManager> managers = new ConcurrentHashMap<>();

    private AgentRuntime(MBeanServer mbeanServer, MeterRegistry meterRegistry, ScheduledExecutorService scheduler) {
        this.mbeanServer = mbeanServer;
        this.meterRegistry = meterRegistry;
        this.scheduler = scheduler;
    }

    /** The agent's shared runtime, made on first use. */
    public static synchronized AgentRuntime get() {
        if (instance == null) {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            JmxMeterRegistry registry = new JmxMeterRegistry(JmxConfig.DEFAULT, Clock.SYSTEM);
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(MONITOR_THREADS,
                    new DaemonThreadFactory(MONITOR_THREAD_PREFIX));
            scheduler.setRemoveOnCancelPolicy(true);
            scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            instance = new AgentRuntime(server, registry, scheduler);
        }
        return instance;
    }

    public MBeanServer mbeanServer() {
        return mbeanServer;
    }

    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /**
     * Registers one managed server: makes its {@link ProcessManager} and {@link SessionServerManager}, registers the
     * MBean, binds its meters and starts its monitor. An MBean already registered under the same name is left as it
     * is. Does not start the server: see {@link #autoStart(SessionServerManager)}.
     *
     * @param stateListener told of every state change (old, new) from the start of monitoring; may be null
     * @return the new manager, or {@code null} when an MBean of that name was already registered
     * @throws IllegalArgumentException when a server this runtime already manages (from an earlier load of the agent)
     *                                  has the same PID file or port; the message names both
     */
    public synchronized SessionServerManager register(AgentArguments args,
            BiConsumer<ServerState, ServerState> stateListener) {
        if (mbeanServer.isRegistered(SessionServerMBeans.objectName(args.name()))) {
            LOG.info("{} is already registered in this JVM: this load of the agent changes nothing for it (use"
                    + " another name to manage another server)", SessionServerMBeans.objectName(args.name()));
            return null;
        }
        checkNotShared(args);
        ProcessManager process = new ProcessManager(args.options());
        SessionServerManager manager = new SessionServerManager(args.name(), process, args.healthInterval(),
                scheduler, args.supervision());
        if (!SessionServerMBeans.register(mbeanServer, manager)) {
            manager.close();
            LOG.info("{} is already registered in this JVM: this load of the agent changes nothing (use another"
                    + " name= to manage a second server)", SessionServerMBeans.objectName(args.name()));
            return null;
        }
        try {
            if (stateListener != null) {
                manager.addStateListener(stateListener);
            }
            new SessionServerMetrics(manager).bindTo(meterRegistry);
            if (args.stopWithHost()) {
                HostExitStop.add(manager, scheduler);
            }
            manager.startMonitoring();
        } catch (RuntimeException | Error e) {
            SessionServerMBeans.unregister(mbeanServer, manager);
            manager.close();
            throw e;
        }
        managers.put(args.name(), manager);
        LOG.info("registered {}: script {}, port {}, PID file {}, health {} every {} ms, {}", manager.objectName(),
                describeScript(process), args.options().port(), args.options().pidFile(),
                HealthCheck.text(args.options().healthCheckUrl()), args.healthInterval().toMillis(), args.supervision());
        return manager;
    }

    /** A second load of the agent must not manage another's PID file or port: one server, two managers. */
    private void checkNotShared(AgentArguments args) {
        for (SessionServerManager other : managers.values()) {
            ProcessManager p = other.processManager();
            if (p.options().pidFile().equals(args.options().pidFile())) {
                throw new IllegalArgumentException("session server '" + args.name() + "' has the PID file "
                        + args.options().pidFile() + " of session server '" + other.name() + "', already managed"
                        + " in this JVM; give it its own pidFile");
            }
            if (p.options().port() == args.options().port()) {
                throw new IllegalArgumentException("session server '" + args.name() + "' has the port "
                        + args.options().port() + " of session server '" + other.name() + "', already managed in"
                        + " this JVM; give it its own port");
            }
        }
    }

    /** The names of the servers this runtime manages now. */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(managers.keySet()));
    }

    /** The manager this runtime registered under {@code name}. */
    public Optional<SessionServerManager> manager(String name) {
        return Optional.ofNullable(managers.get(name));
    }

    /**
     * Unregisters the MBean of {@code name} and stops its monitor; the server itself keeps running (it is detached),
     * also with {@code stopWithHost=true} (the host's exit no longer stops it; a watcher already started still does
     * after a {@code kill -9}).
     * Its meters stay in the registry. A no-op for a name this runtime did not register.
     */
    public synchronized void unregister(String name) {
        SessionServerManager manager = managers.remove(name);
        if (manager != null) {
            SessionServerMBeans.unregister(mbeanServer, manager);
            manager.close();
            HostExitStop.remove(manager);
        }
    }

    /**
     * What {@code autoStart=true} does once the MBean is registered: starts the server, or adopts the one that
     * already runs under the same PID file. Blocks until it is healthy (up to the start timeout); logs the outcome;
     * never throws (the reason stays in the MBean's {@code LastError}).
     */
    public static void autoStart(SessionServerManager manager) {
        try {
            long pid = manager.start();
            LOG.info("autoStart: session server '{}' is running, pid {}", manager.name(), pid);
        } catch (RuntimeException e) {
            LOG.warn("autoStart: session server '{}' did not start: {}", manager.name(), e.getMessage());
        }
    }

    private static String describeScript(ProcessManager process) {
        try {
            return String.join(" ", process.launchCommand());
        } catch (RuntimeException e) {
            return String.valueOf(process.options().serverScript());
        }
    }

    /**
     * Links the managers of one load's servers by their {@code dependsOn} (see
     * {@link SessionServerManager#dependOn}); a server this runtime does not manage is skipped.
     */
    public void linkDependencies(List<AgentArguments> servers) {
        for (AgentArguments a : servers) {
            SessionServerManager dependent = managers.get(a.name());
            for (ServerDependency d : a.dependsOn()) {
                SessionServerManager dependency = managers.get(d.name());
                if (dependent != null && dependency != null) {
                    dependent.dependOn(dependency, d.condition());
                }
            }
        }
    }

    /**
     * {@link #autoStart(SessionServerManager)} of {@code toStart}, in dependency order (each server after those it
     * depends on), servers that do not depend on each other side by side (see {@link AutoStartInOrder}); returns when
     * every start has ended.
     */
    public static void autoStartInOrder(List<AgentArguments> servers, List<SessionServerManager> toStart) {
        AutoStartInOrder.run(AgentArguments.dependencyGraph(servers), toStart, AgentRuntime::autoStart);
    }

    /** Daemon threads named {@code prefix1}, {@code prefix2}, ... */
    static final class DaemonThreadFactory implements ThreadFactory {
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        DaemonThreadFactory(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
