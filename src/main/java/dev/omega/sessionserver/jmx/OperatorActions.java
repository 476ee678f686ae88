package dev.omega.sessionserver.jmx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's {@code start}, {@code stop} and {@code restart} of one server, with the servers it depends on and
 * the servers that depend on it ({@code dependsOn}, linked by {@link SessionServerManager#dependOn}):
 * <ul>
 * <li>{@link #start()} first starts, in dependency order, each server it depends on whose condition is not met (a
 * dependency's own start starts its dependencies first), and waits for the condition ({@code healthy}: State RUNNING
 * and healthy; {@code started}: its process runs) within that server's {@code startTimeout}. Meanwhile this server
 * shows State STARTING and {@code LastError} {@code waiting for db (STARTING)}. A dependency that fails fails this
 * start (State FAILED, the message names it and gives its error); nothing of this server is spawned.</li>
 * <li>{@link #stop()} first stops the running servers that depend on this one, dependents before dependencies, each
 * with its own stop signal and timeout; each one's {@code LastError} says why ({@code stopped because db
 * stopped}).</li>
 * <li>{@link #restart()} stops the running dependents the same way, restarts this server (after its stop, its
 * dependencies are brought up as by a start), then starts them again in dependency order; the log line says which were restarted, and a dependent that fails to come back fails the
 * restart with a message naming it.</li>
 * </ul>
 * Locks: a start holds its own operation lock while it starts its dependencies (whose locks it then takes: always a
 * dependent's before a dependency's); a stop or restart stops the dependents before taking its own lock. So no two
 * operations wait for each other in a circle. An automatic restart (the {@link Supervisor}'s) does not come here:
 * dependents keep running through a dependency's crash and restart. Thread-safe.
 */
final class OperatorActions {

    /** Logs under {@link SessionServerManager}'s category. */
    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);
    private static final long POLL_MILLIS = 50;

    /** One dependency: the manager of the server depended on and the condition. */
    static final class Link {
        final SessionServerManager server;
        final ServerDependency.Condition condition;

        Link(SessionServerManager server, ServerDependency.Condition condition) {
            this.server = server;
            this.condition = condition;
        }
    }

    private final SessionServerManager self;
    private final String name;
    private final ServerOperations operations;
    private final Supervisor supervisor;
    private final ServerStateMachine machine;
    private final List<Link> dependsOn = new CopyOnWriteArrayList<>();
    private final List<SessionServerManager> dependents = new CopyOnWriteArrayList<>();

    /** The actions of {@code self}'s server; {@code self} is only used after its construction. */
    OperatorActions(SessionServerManager self, ServerOperations operations, Supervisor supervisor,
            ServerStateMachine machine) {
        this.self = Objects.requireNonNull(self, "self");
        this.name = self.name();
        this.operations = Objects.requireNonNull(operations, "operations");
        this.supervisor = Objects.requireNonNull(supervisor, "supervisor");
        this.machine = Objects.requireNonNull(machine, "machine");
    }

    /**
     * @throws IllegalArgumentException when {@code server} is this one, or depends on it already, directly or not
     *                                  (the message names the cycle: {@code cycle: web -> db -> web})
     */
    synchronized void addDependency(SessionServerManager server, ServerDependency.Condition condition) {
        if (server == self) {
            throw new IllegalArgumentException("server '" + name + "' cannot depend on itself");
        }
        List<String> path = pathTo(server, self, new ArrayList<String>());
        if (path != null) {
            throw new IllegalArgumentException("cycle: " + name + " -> " + String.join(" -> ", path));
        }
        dependsOn.add(new Link(server, condition));
    }

    /** The names from {@code from} to {@code to} along dependsOn links, both included; null when there is none. */
    private static List<String> pathTo(SessionServerManager from, SessionServerManager to, List<String> path) {
        path.add(from.name());
        if (from == to) {
            return path;
        }
        for (Link l : from.actions().dependsOn) {
            if (pathTo(l.server, to, path) != null) {
                return path;
            }
        }
        path.remove(path.size() - 1);
        return null;
    }

    void addDependent(SessionServerManager server) {
        dependents.add(server);
    }

    /** The names of the servers this one depends on, in {@code dependsOn} order. */
    String[] dependsOnNames() {
        List<String> r = new ArrayList<>();
        for (Link l : dependsOn) {
            r.add(l.server.name());
        }
        return r.toArray(new String[0]);
    }

    /** The names of the servers that depend on this one. */
    String[] dependentNames() {
        List<String> r = new ArrayList<>();
        for (SessionServerManager d : dependents) {
            r.add(d.name());
        }
        return r.toArray(new String[0]);
    }

    long start() {
        operations.begin("start");
        try {
            supervisor.operatorAction("start");
            startDependencies();
            return operations.start();
        } finally {
            operations.end();
        }
    }

    void stop() {
        stopDependents();
        operations.begin("stop");
        try {
            supervisor.operatorAction("stop");
            operations.stop();
        } finally {
            operations.end();
        }
    }

    long restart() {
        List<SessionServerManager> stopped = stopDependents();
        long pid;
        operations.begin("restart");
        try {
            supervisor.operatorAction("restart");
            operations.stop();
            startDependencies();
            pid = operations.start();
        } finally {
            operations.end();
        }
        if (stopped.isEmpty()) {
            return pid;
        }
        List<String> names = new ArrayList<>();
        Collections.reverse(stopped); // dependencies before dependents
        for (SessionServerManager d : stopped) {
            try {
                d.start();
                names.add(d.name());
            } catch (RuntimeException e) {
                throw new IllegalStateException("session server '" + name + "' restarted (pid " + pid + "), but its"
                        + " dependent '" + d.name() + "' did not start again: " + firstLine(e.getMessage())
                        + (names.isEmpty() ? "" : " (restarted: " + String.join(", ", names) + ")"));
            }
        }
        LOG.info("session server '{}' restarted (pid {}) with its running dependents, restarted after it: {}", name,
                pid, String.join(", ", names));
        return pid;
    }

    /**
     * Stops the running dependents (each first stops its own), the last linked first.
     *
     * @return every server stopped, transitively, in the order they were stopped
     */
    private List<SessionServerManager> stopDependents() {
        List<SessionServerManager> stopped = new ArrayList<>();
        stopDependents(stopped);
        return stopped;
    }

    private void stopDependents(List<SessionServerManager> stopped) {
        List<SessionServerManager> direct = new ArrayList<>(dependents);
        Collections.reverse(direct);
        for (SessionServerManager d : direct) {
            d.actions().stopAsDependent("stopped because " + name + " stopped", stopped);
        }
    }

    /** Stops this server, a dependent of one being stopped, if it runs (its own dependents first). */
    private void stopAsDependent(String reason, List<SessionServerManager> stopped) {
        stopDependents(stopped);
        ServerSnapshot s = machine.snapshot();
        if (s.process == null && !s.state.isUp()) {
            return;
        }
        operations.begin("stop");
        try {
            supervisor.operatorAction("stop");
            operations.stop();
            if (machine.snapshot().state == ServerState.STOPPED) {
                machine.set(ServerState.STOPPED, null, false, reason);
            }
        } finally {
            operations.end();
        }
        if (!stopped.contains(self)) {
            stopped.add(self);
        }
    }

    /** Brings up each dependency whose condition is not met, in order; the caller holds this server's lock. */
    private void startDependencies() {
        ServerSnapshot own = machine.snapshot();
        boolean up = own.process != null && own.state.isUp();
        for (Link l : dependsOn) {
            SessionServerManager dep = l.server;
            if (met(l)) {
                continue;
            }
            String depState = dep.state().isUp() ? dep.state().name() : ServerState.STARTING.name();
            if (!up) {
                machine.set(ServerState.STARTING, null, false, "waiting for " + dep.name() + " (" + depState + ")");
            }
            try {
                if (!dep.state().isUp() || dep.processManager().managedProcess().isEmpty()) {
                    dep.start();
                }
                awaitCondition(l);
            } catch (RuntimeException e) {
                String message = "start failed: dependency '" + dep.name() + "' did not become " + l.condition.text()
                        + ": " + firstLine(e.getMessage()) + "; nothing of '" + name + "' was started";
                if (!up) {
                    machine.set(ServerState.FAILED, null, false, message);
                }
                LOG.error("session server '{}': {}", name, message);
                throw new IllegalStateException(message + "\nStart '" + dep.name() + "' (see its LastError), then"
                        + " start '" + name + "' again.");
            }
        }
    }

    private static boolean met(Link l) {
        SessionServerManager dep = l.server;
        if (l.condition == ServerDependency.Condition.STARTED) {
            return dep.isRunning() && dep.state().isUp();
        }
        return dep.state() == ServerState.RUNNING && dep.isHealthy();
    }

    /** Waits, within the dependency's startTimeout, for its condition; checks its health for {@code healthy}. */
    private static void awaitCondition(Link l) {
        SessionServerManager dep = l.server;
        long deadline = System.nanoTime() + dep.processManager().options().startTimeout().toNanos();
        while (!met(l)) {
            if (l.condition == ServerDependency.Condition.HEALTHY && dep.isRunning()) {
                dep.checkHealth();
                if (met(l)) {
                    return;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                String error = dep.getLastError();
                throw new IllegalStateException("State " + dep.state() + " after its startTimeout of "
                        + dep.processManager().options().startTimeout().toMillis() + " ms"
                        + (error.isEmpty() ? "" : " (" + error + ")"));
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting");
            }
        }
    }

    /** The first line of a dependency's error, without the announcement of its log's lines (see its LastError). */
    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        int tail = line.lastIndexOf("; last lines of ");
        return tail >= 0 && line.endsWith(":") ? line.substring(0, tail) : line;
    }
}
