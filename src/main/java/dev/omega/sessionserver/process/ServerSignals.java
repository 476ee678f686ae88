package dev.omega.sessionserver.process;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's signal ({@link OperatorSignal}) to a running server's whole process tree: the server, the members
 * of the process group it leads and their descendants, as a stop finds them ({@link ProcessTree}, one pass over
 * {@code /proc}). Nothing waits for an effect: what a server does with the signal (reload, dump threads, exit) is
 * the server's, and an exit is then seen by whoever watches the server (the MBean's monitor counts it as a crash).
 *
 * <p>Identity-checked on both paths: through the pidfd layer every member gets the signal through its pidfd (opened
 * with its start time checked after the open), so it cannot reach a reused PID; on the Java 11-21 path
 * {@link SignalCommand} sends it to each member's PID only while its start ticks are still the ones found. Stateless
 * and thread-safe.
 */
final class ServerSignals {

    private static final Logger LOG = LoggerFactory.getLogger(ServerSignals.class);

    private ServerSignals() {
    }

    /**
     * Sends {@code signal} to the tree of {@code server}, the leader first.
     *
     * @return the PIDs signalled, the leader first; empty when nothing of the tree was alive (nothing was sent)
     */
    static List<Long> send(ProcessIdentity server, OperatorSignal signal) {
        List<ProcessTreeMember> live = ProcessTree.of(server).collectLive();
        List<Long> signalled = new ArrayList<>();
        List<ProcessTreeMember> byCommand = new ArrayList<>();
        for (ProcessTreeMember m : live) {
            if (m.pidfd == null) {
                byCommand.add(m);
                signalled.add(m.pid());
            } else if (m.pidfd.signal(signal.linuxNumber())) {
                signalled.add(m.pid());
            }
        }
        if (!byCommand.isEmpty()) {
            ProcessTree.sendSignal(signal.name(), byCommand);
        }
        LOG.debug("session server pid {}: {} sent to {}", server.pid(), signal.signalName(),
                signalled.size() == 1 ? "it" : signalled.size() + " processes " + signalled);
        return Collections.unmodifiableList(signalled);
    }
}
