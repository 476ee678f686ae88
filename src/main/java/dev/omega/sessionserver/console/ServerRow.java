package dev.omega.sessionserver.console;

import java.util.List;
import java.util.Objects;

import javax.management.ObjectName;

/**
 * One session server as one refresh read it: immutable. Numbers keep the MBean's own conventions ({@code pid} -1 when
 * none runs, {@code memoryBytes} -1 when unknown, {@code cpuUsage} NaN when unknown); an attribute the agent did not
 * return (an older agent, or a read that failed for that attribute alone) is -1, NaN or "" likewise.
 * {@link #dependsOn()} and {@link #dependents()} are {@code null} when the agent has no such attribute (before
 * dependencies existed), which is not the same as an empty list.
 */
final class ServerRow {

    private final ObjectName objectName;
    private final String state;
    private final long pid;
    private final long uptimeSeconds;
    private final long restarts;
    private final long memoryBytes;
    private final double cpuUsage;
    private final String lastError;
    private final List<String> dependsOn;
    private final List<String> dependents;

    ServerRow(ObjectName objectName, String state, long pid, long uptimeSeconds, long restarts, long memoryBytes,
            double cpuUsage, String lastError, List<String> dependsOn, List<String> dependents) {
        this.objectName = Objects.requireNonNull(objectName, "objectName");
        this.state = state == null ? "" : state;
        this.pid = pid;
        this.uptimeSeconds = uptimeSeconds;
        this.restarts = restarts;
        this.memoryBytes = memoryBytes;
        this.cpuUsage = cpuUsage;
        this.lastError = lastError == null ? "" : lastError;
        this.dependsOn = dependsOn == null ? null : List.copyOf(dependsOn);
        this.dependents = dependents == null ? null : List.copyOf(dependents);
    }

    ObjectName objectName() {
        return objectName;
    }

    /** The server's name (the ObjectName's {@code name} key). */
    String name() {
        return SessionServerJmx.serverName(objectName);
    }

    String state() {
        return state;
    }

    long pid() {
        return pid;
    }

    long uptimeSeconds() {
        return uptimeSeconds;
    }

    long restarts() {
        return restarts;
    }

    long memoryBytes() {
        return memoryBytes;
    }

    double cpuUsage() {
        return cpuUsage;
    }

    String lastError() {
        return lastError;
    }

    /** The servers this one depends on; {@code null} when the agent has no {@code DependsOn} attribute. */
    List<String> dependsOn() {
        return dependsOn;
    }

    /** The servers that depend on this one; {@code null} when the agent has no {@code Dependents} attribute. */
    List<String> dependents() {
        return dependents;
    }

    @Override
    public String toString() {
        return name() + " " + state + " pid " + pid;
    }
}
