package dev.omega.sessionserver.jmx;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.omega.sessionserver.process.OperatorSignal;
import dev.omega.sessionserver.process.ProcessManager;

/**
 * The MBean's console operations, {@code tailLog} and {@code signal}, over the library's
 * {@link dev.omega.sessionserver.process.ServerConsole}: their failures as JDK exceptions without causes (an
 * {@link IllegalArgumentException} for a bad argument, quoting it; an {@link IllegalStateException} otherwise), and
 * each signal sent announced by a {@value SessionServerNotifications#OPERATOR_SIGNAL} notification (which the
 * Flight Recorder bridge turns into a {@code ServerSignal} event). Neither takes the operation lock: a signal or a
 * log read never waits for a start or stop. Thread-safe.
 */
final class ConsoleOperations {

    /** Logs under {@link SessionServerManager}'s category, as the other parts of a manager do. */
    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);

    private final String name;
    private final ProcessManager manager;
    private final ServerStateMachine machine;

    ConsoleOperations(String name, ProcessManager manager, ServerStateMachine machine) {
        this.name = Objects.requireNonNull(name, "name");
        this.manager = Objects.requireNonNull(manager, "manager");
        this.machine = Objects.requireNonNull(machine, "machine");
    }

    /** See {@link SessionServerManagerMBean#tailLog(int)}. */
    String tailLog(int lines) {
        try {
            return manager.console().tailLog(lines);
        } catch (IOException e) {
            throw new IllegalStateException("tailLog of session server '" + name + "': " + e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw e; // ours, without causes: as they are
        } catch (RuntimeException e) {
            LOG.warn("session server '{}': tailLog failed", name, e);
            throw new IllegalStateException("tailLog of session server '" + name + "' failed: " + e
                    + "; see the host's log");
        }
    }

    /** See {@link SessionServerManagerMBean#signal(String)}. */
    void signal(String text) {
        OperatorSignal signal = OperatorSignal.parseOrThrow(text);
        List<Long> sent;
        try {
            sent = manager.console().signal(signal);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("signal " + signal.name() + " to session server '" + name + "': "
                    + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("session server '{}': sending {} failed", name, signal.signalName(), e);
            throw new IllegalStateException("signal " + signal.name() + " to session server '" + name + "' failed: "
                    + e + "; see the host's log");
        }
        long pid = sent.get(0);
        String message = "session server '" + name + "': " + signal.signalName() + " sent to pid " + pid
                + (sent.size() == 1 ? "" : " and " + (sent.size() - 1) + " other process(es) of its tree " + sent);
        LOG.info("{}", message);
        machine.announce(SessionServerNotifications.OPERATOR_SIGNAL, message, SessionServerNotifications.data(
                SessionServerNotifications.SIGNAL, signal.name(), SessionServerNotifications.PID, pid,
                SessionServerNotifications.MEMBERS, new ArrayList<>(sent)));
    }
}
