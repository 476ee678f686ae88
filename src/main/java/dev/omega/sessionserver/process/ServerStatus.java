package dev.omega.sessionserver.process;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * The finer view of a session server than {@link ProcessManager#isServerRunning()}: is <em>our</em> process
 * alive, is it healthy, or does something else answer on the port. Immutable.
 */
public final class ServerStatus {

    /** What was found. */
    public enum Condition {
        /** No managed process, and nothing healthy on the port. */
        STOPPED,
        /** The managed process is alive and its health URL answers 2xx. */
        RUNNING,
        /** The managed process is alive but its health URL does not answer 2xx. */
        ALIVE_UNHEALTHY,
        /** No managed process, but the health URL answers 2xx: a server this manager did not start. */
        UNMANAGED
    }

    private final Condition condition;
    private final ProcessIdentity process;
    private final HealthCheck.Outcome health;
    private final String pidFileProblem;

    ServerStatus(Condition condition, ProcessIdentity process, HealthCheck.Outcome health, String pidFileProblem) {
        this.condition = condition;
        this.process = process;
        this.health = health;
        this.pidFileProblem = pidFileProblem;
    }

    public Condition condition() {
        return condition;
    }

    /** The managed process, when alive. */
    public Optional<ProcessIdentity> process() {
        return Optional.ofNullable(process);
    }

    public OptionalLong pid() {
        return process == null ? OptionalLong.empty() : OptionalLong.of(process.pid());
    }

    /** What the health check found. */
    public HealthCheck.Outcome health() {
        return health;
    }

    /** Why the PID file was not trusted (stale, reused PID, invalid, foreign), when it was not. */
    public Optional<String> pidFileProblem() {
        return Optional.ofNullable(pidFileProblem);
    }

    @Override
    public String toString() {
        return condition + (process == null ? "" : " pid " + process.pid()) + " health " + health
                + (pidFileProblem == null ? "" : " (" + pidFileProblem + ")");
    }
}
