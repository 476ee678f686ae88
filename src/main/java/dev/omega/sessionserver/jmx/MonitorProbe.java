package dev.omega.sessionserver.jmx;

import dev.omega.sessionserver.process.HealthCheck;
import dev.omega.sessionserver.process.ProcessIdentity;

/** What one look of a {@link SessionServerManager}'s monitor found: the managed process and its health. */
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
