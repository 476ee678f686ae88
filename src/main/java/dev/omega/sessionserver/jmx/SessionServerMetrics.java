package dev.omega.sessionserver.jmx;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of one {@link SessionServerManager}, every one tagged {@code name=<manager name>}:
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>base unit</th><th>value</th></tr>
 * <tr><td>{@code session.server.up}</td><td>gauge</td><td>(none)</td><td>1 while the managed process is alive,
 * else 0</td></tr>
 * <tr><td>{@code session.server.healthy}</td><td>gauge</td><td>(none)</td><td>1 while alive and healthy, else
 * 0</td></tr>
 * <tr><td>{@code session.server.uptime}</td><td>gauge</td><td>seconds</td><td>since the process started; 0 when
 * not running</td></tr>
 * <tr><td>{@code session.server.health.check}</td><td>function timer (count and total time), tag {@code outcome} =
 * up, down, timeout</td><td>the registry's time unit</td><td>duration of every health check (monitor and
 * {@code checkHealth}), tagged with {@code HealthCheck.Outcome.tag()}</td></tr>
 * <tr><td>{@code session.server.health.check.time}</td><td>function counter, tag {@code outcome}</td><td>nanoseconds
 * </td><td>total time of the health checks in the timer of the same outcome (its sum, exact: the JMX registry
 * publishes a timer's count, mean and percentiles, not its total, which a Prometheus summary's {@code _sum}
 * needs)</td></tr>
 * <tr><td>{@code session.server.starts}</td><td>function counter</td><td>starts</td><td>successful starts</td></tr>
 * <tr><td>{@code session.server.stops}</td><td>function counter</td><td>stops</td><td>stops that stopped a running
 * server</td></tr>
 * <tr><td>{@code session.server.crashes}</td><td>function counter</td><td>crashes</td><td>exits that no stop asked
 * for (a clean exit 0 included)</td></tr>
 * <tr><td>{@code session.server.restarts}</td><td>function counter</td><td>restarts</td><td>automatic restart
 * attempts under the restart policy (successful or not)</td></tr>
 * <tr><td>{@code session.server.memory.rss}</td><td>gauge</td><td>bytes</td><td>resident memory of the server's
 * process tree ({@code MemoryBytes}); NaN when unknown</td></tr>
 * <tr><td>{@code session.server.cpu.usage}</td><td>gauge</td><td>ratio</td><td>fraction of one core the tree used
 * between this sample and the previous one ({@code CpuUsage}); NaN when unknown and for the first sample</td></tr>
 * <tr><td>{@code session.server.processes}</td><td>gauge</td><td>processes</td><td>processes in the tree</td></tr>
 * <tr><td>{@code session.server.open.files}</td><td>gauge</td><td>files</td><td>open descriptors of the tree; NaN
 * when not readable</td></tr>
 * <tr><td>{@code session.server.state}</td><td>gauge, tag {@code state} = each {@link ServerState}</td><td>state
 * </td><td>1 for the current {@code State}, 0 for the others (exporters drop string attributes)</td></tr>
 * </table>
 *
 * <p>Gauges and counters read the live manager (never throw: NaN if a read fails; no I/O, except the four resource
 * gauges, which share the resource attributes' sample of the process tree: at most one per {@code healthInterval},
 * see {@link SessionServerManager}) and hold it weakly, as
 * Micrometer does by default; the counts live in the manager, so they exist (and count) before any registry is
 * bound. The three health check timers are function timers over the count and summed duration the manager keeps (no
 * sample buffer: a registry's memory for them does not grow with the number of checks; they have no maximum or
 * percentiles), counting from the manager's construction. Binding the same registry twice registers nothing twice.
 * Thread-safe.
 */
public final class SessionServerMetrics implements MeterBinder {

    /** Gauge: 1 while the managed process is alive, else 0. */
    public static final String UP = "session.server.up";
    /** Gauge: 1 while alive and healthy, else 0. */
    public static final String HEALTHY = "session.server.healthy";
    /** Gauge: seconds since the process started, 0 when not running. */
    public static final String UPTIME = "session.server.uptime";
    /** Timer: every health check's duration, tagged {@value #OUTCOME_TAG}. */
    public static final String HEALTH_CHECK = "session.server.health.check";
    /**
     * Function counter, tagged {@value #OUTCOME_TAG}: total nanoseconds of the health checks in the
     * {@value #HEALTH_CHECK} timer of the same outcome.
     */
    public static final String HEALTH_CHECK_TIME = "session.server.health.check.time";
    /** Function counter: successful starts. */
    public static final String STARTS = "session.server.starts";
    /** Function counter: stops that stopped a running server. */
    public static final String STOPS = "session.server.stops";
    /** Function counter: unexpected exits. */
    public static final String CRASHES = "session.server.crashes";
    /** Function counter: automatic restart attempts. */
    public static final String RESTARTS = "session.server.restarts";
    /** Gauge: resident memory of the server's process tree, bytes. */
    public static final String MEMORY_RSS = "session.server.memory.rss";
    /** Gauge: fraction of one core used by the tree between the last two samples. */
    public static final String CPU_USAGE = "session.server.cpu.usage";
    /** Gauge: processes in the tree. */
    public static final String PROCESSES = "session.server.processes";
    /** Gauge: open file descriptors of the tree. */
    public static final String OPEN_FILES = "session.server.open.files";
    /** Gauge per state, tagged {@value #STATE_TAG}: 1 for the current state, 0 for the others. */
    public static final String STATE = "session.server.state";
    /** The state gauge's tag: a {@link ServerState} name. */
    public static final String STATE_TAG = "state";
    /** The tag naming the manager. */
    public static final String NAME_TAG = "name";
    /** The health check timer's tag: {@code up}, {@code down} or {@code timeout}. */
    public static final String OUTCOME_TAG = "outcome";

    private final SessionServerManager manager;

    /**
     * Meters of {@code manager}, registered by {@link #bindTo}.
     *
     * @param manager the manager whose state and counts the meters read (weakly, once bound)
     */
    public SessionServerMetrics(SessionServerManager manager) {
        this.manager = Objects.requireNonNull(manager, "manager");
    }

    /**
     * Registers the meters in {@code registry} and has the manager record its health checks into the timers. Safe
     * to call for several registries, and again for the same one.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of(NAME_TAG, manager.name());
        Gauge.builder(UP, manager, SessionServerMetrics::up).tags(tags)
                .description("1 while the managed session server process is alive, else 0").register(registry);
        Gauge.builder(HEALTHY, manager, SessionServerMetrics::healthy).tags(tags)
                .description("1 while the managed session server is alive and its health check answers 2xx, else 0")
                .register(registry);
        Gauge.builder(UPTIME, manager, SessionServerMetrics::uptime).tags(tags).baseUnit("seconds")
                .description("Seconds since the managed session server process started; 0 when not running")
                .register(registry);
        FunctionCounter.builder(STARTS, manager, SessionServerMetrics::starts).tags(tags).baseUnit("starts")
                .description("Successful starts of the session server").register(registry);
        FunctionCounter.builder(STOPS, manager, SessionServerMetrics::stops).tags(tags).baseUnit("stops")
                .description("Stops that stopped a running session server").register(registry);
        FunctionCounter.builder(CRASHES, manager, SessionServerMetrics::crashes).tags(tags).baseUnit("crashes")
                .description("Exits of the session server that no stop asked for (crashes; a clean exit 0 included)")
                .register(registry);
        FunctionCounter.builder(RESTARTS, manager, SessionServerMetrics::restarts).tags(tags).baseUnit("restarts")
                .description("Automatic restart attempts of the session server under its restart policy"
                        + " (successful or not; an operator's restart is not counted)")
                .register(registry);
        Gauge.builder(MEMORY_RSS, manager, SessionServerMetrics::memory).tags(tags).baseUnit("bytes")
                .description("Resident memory of the session server's process tree (server, process group,"
                        + " descendants); NaN when unknown")
                .register(registry);
        Gauge.builder(CPU_USAGE, manager, SessionServerMetrics::cpu).tags(tags).baseUnit("ratio")
                .description("Fraction of one core the session server's process tree used between the last two"
                        + " samples (at least healthInterval apart); NaN when unknown")
                .register(registry);
        Gauge.builder(PROCESSES, manager, SessionServerMetrics::processes).tags(tags).baseUnit("processes")
                .description("Processes in the session server's process tree at the last sample")
                .register(registry);
        Gauge.builder(OPEN_FILES, manager, SessionServerMetrics::openFiles).tags(tags).baseUnit("files")
                .description("Open file descriptors of the session server's process tree; NaN when not readable")
                .register(registry);
        for (ServerState state : ServerState.values()) {
            Gauge.builder(STATE, manager, m -> inState(m, state)).tags(tags).tag(STATE_TAG, state.name())
                    .baseUnit("state")
                    .description("1 while the session server's State is the one in the state tag, else 0")
                    .register(registry);
        }
        for (int i = 0; i < TimedHealthCheck.TAGS.length; i++) {
            int tag = i;
            FunctionTimer.builder(HEALTH_CHECK, manager, m -> m.healthChecks(tag), m -> m.healthCheckNanos(tag),
                    TimeUnit.NANOSECONDS).tags(tags).tag(OUTCOME_TAG, TimedHealthCheck.TAGS[i])
                    .description("Duration of the session server's health checks, by outcome (up: 2xx; timeout;"
                            + " down: anything else)")
                    .register(registry);
            // whole nanoseconds: a function counter's JMX form (a Dropwizard meter) holds a long
            FunctionCounter.builder(HEALTH_CHECK_TIME, manager, m -> m.healthCheckNanos(tag)).tags(tags)
                    .tag(OUTCOME_TAG, TimedHealthCheck.TAGS[i]).baseUnit("nanoseconds")
                    .description("Total time of the session server's health checks of this outcome, in nanoseconds"
                            + " (the sum of the health check timer, which its JMX form does not publish)")
                    .register(registry);
        }
    }

    private static double up(SessionServerManager m) {
        try {
            return m.isRunning() ? 1 : 0;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double healthy(SessionServerManager m) {
        try {
            return m.isHealthy() ? 1 : 0;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double uptime(SessionServerManager m) {
        try {
            return m.uptimeSeconds();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double memory(SessionServerManager m) {
        try {
            long b = m.getMemoryBytes();
            return b < 0 ? Double.NaN : b;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double cpu(SessionServerManager m) {
        try {
            return m.getCpuUsage();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double processes(SessionServerManager m) {
        try {
            return m.getProcesses();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double openFiles(SessionServerManager m) {
        try {
            long n = m.getOpenFiles();
            return n < 0 ? Double.NaN : n;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double inState(SessionServerManager m, ServerState state) {
        try {
            return m.state() == state ? 1 : 0;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double starts(SessionServerManager m) {
        return m.starts();
    }

    private static double stops(SessionServerManager m) {
        return m.stops();
    }

    private static double crashes(SessionServerManager m) {
        return m.crashes();
    }

    private static double restarts(SessionServerManager m) {
        return m.restarts();
    }
}
