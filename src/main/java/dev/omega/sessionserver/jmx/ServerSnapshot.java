package dev.omega.sessionserver.jmx;

import dev.omega.sessionserver.process.ProcessIdentity;

/**
 * What a {@link SessionServerManager}'s attribute getters read: one immutable view of the state, replaced (never
 * mutated) under the {@link ServerStateMachine}'s lock.
 */
final class ServerSnapshot {
    static final ServerSnapshot INITIAL = new ServerSnapshot(ServerState.STOPPED, null, false, -1, "", 0);

    final ServerState state;
    final ProcessIdentity process; // null when no managed process runs
    final boolean healthy;
    final long startMillis; // -1 when unknown or not running
    final String lastError;
    final int failedChecks; // failed health checks in a row of the running process; 0 when none runs

    ServerSnapshot(ServerState state, ProcessIdentity process, boolean healthy, long startMillis, String lastError,
            int failedChecks) {
        this.state = state;
        this.process = process;
        this.healthy = healthy;
        this.startMillis = startMillis;
        this.lastError = lastError == null ? "" : lastError;
        this.failedChecks = failedChecks;
    }
}
