package dev.omega.sessionserver.jmx;

import java.util.OptionalInt;

import dev.omega.sessionserver.process.HealthCheck;

/**
 * What one monitor pass (or {@code checkHealth}) saw of the managed server, as {@link ServerStateMachine#apply}
 * reports it to the {@link Supervisor}: a health check of a live server, or a crash. Immutable; made only by
 * {@link #health} and {@link #crash}.
 */
final class MonitorObservation {
    enum Kind {
        /** The managed server is alive and answered 2xx. */
        HEALTHY,
        /** The managed server is alive; its health check failed ({@link #failedChecks} in a row). */
        FAILED_CHECK,
        /** The managed server exited and no stop asked for it. */
        CRASH
    }

    final Kind kind;
    /** The server's operation epoch when the observation was made. */
    final long epoch;
    /** Failed health checks in a row, this one included (0 for a healthy check and for a crash). */
    final int failedChecks;
    /** The health check's outcome; null for a crash. */
    final HealthCheck.Outcome health;
    /** The managed server's PID (for a crash: the PID of the process that exited). */
    final long pid;
    /** For a crash, its exit code; empty when unknown (and for a health check). */
    final OptionalInt exitCode;
    /** For a crash, the crash count including it; 0 for a health check. */
    final long crashes;

    private MonitorObservation(Kind kind, long epoch, int failedChecks, HealthCheck.Outcome health, long pid,
            OptionalInt exitCode, long crashes) {
        this.kind = kind;
        this.epoch = epoch;
        this.failedChecks = failedChecks;
        this.health = health;
        this.pid = pid;
        this.exitCode = exitCode;
        this.crashes = crashes;
    }

    /** A health check of live server {@code pid}: HEALTHY when {@code health} is UP, else FAILED_CHECK. */
    static MonitorObservation health(long epoch, HealthCheck.Outcome health, int failedChecks, long pid) {
        return new MonitorObservation(health == HealthCheck.Outcome.UP ? Kind.HEALTHY : Kind.FAILED_CHECK, epoch,
                failedChecks, health, pid, OptionalInt.empty(), 0);
    }

    /** Server {@code pid} exited without a stop asking for it ({@code exitCode} empty when unknown). */
    static MonitorObservation crash(long epoch, long pid, OptionalInt exitCode, long crashes) {
        return new MonitorObservation(Kind.CRASH, epoch, 0, null, pid, exitCode, crashes);
    }
}
