package dev.omega.sessionserver.jmx;

import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessIdentity;

/** What one look of the {@link ServerMonitor} found, with its place in line ({@link ServerStateMachine#probe}). */
final class MonitorProbe {
    final long seq;
    final long epoch;
    final ProcessIdentity process; // null: no managed process
    final HealthCheck.Outcome health;

    MonitorProbe(long seq, long epoch, ProcessIdentity process, HealthCheck.Outcome health) {
        this.seq = seq;
        this.epoch = epoch;
        this.process = process;
        this.health = health;
    }

    MonitorProbe withProcess(ProcessIdentity p) {
        return new MonitorProbe(seq, epoch, p, health);
    }
}
