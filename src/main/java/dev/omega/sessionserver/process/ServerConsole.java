package dev.omega.sessionserver.process;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What an operator does to a running server besides starting and stopping it: read the end of its log
 * ({@link #tailLog(int)}) and send it a signal ({@link #signal(OperatorSignal)}). One per {@link ProcessManager}
 * ({@link ProcessManager#console()}). Thread-safe; neither call takes the PID file's lock, so neither waits for a
 * start or stop (a signal during a stop reaches what is left of the tree, which the stop ends anyway).
 */
public final class ServerConsole {

    private final ProcessManagerOptions options;
    private final Supplier<Optional<ProcessIdentity>> managedProcess;
    private final LogTail tail; // null: output discarded

    ServerConsole(ProcessManagerOptions options, Supplier<Optional<ProcessIdentity>> managedProcess) {
        this.options = Objects.requireNonNull(options, "options");
        this.managedProcess = Objects.requireNonNull(managedProcess, "managedProcess");
        this.tail = options.logFile().map(LogTail::new).orElse(null);
    }

    /**
     * The last {@code lines} lines of the server's log, as {@link LogTail#last(int)} reads them (1 to 1,000 lines,
     * at most 256 KiB, beginning at a line start; the rest from {@code <log>.1} just after a rotation). Works whether
     * or not the server runs.
     *
     * @throws IllegalArgumentException for {@code lines} outside 1 to 1,000 (the message quotes it)
     * @throws IllegalStateException when the server's output is discarded ({@code logFile=discard})
     * @throws IOException when the log or {@code <log>.1} is refused or cannot be read (the message names the file
     *         and the reason)
     */
    public String tailLog(int lines) throws IOException {
        LogTail.checkLines(lines);
        if (tail == null) {
            throw new IllegalStateException("the server's output is discarded (logFile=discard): there is no log to"
                    + " tail; configure a logFile to keep it");
        }
        return tail.last(lines);
    }

    /**
     * Sends {@code signal} to the running server's process tree (the server, its process group, their
     * descendants), identity-checked, through pidfds where the host has them ({@link ServerSignals}). Returns at
     * once: whatever the server does with it (a reload, a thread dump, an exit) is its own.
     *
     * @return the PIDs signalled, the server's first
     * @throws IllegalStateException when no server of this manager runs (nothing is signalled; a process the PID
     *         file names that is not the configured server never is)
     */
    public List<Long> signal(OperatorSignal signal) {
        Objects.requireNonNull(signal, "signal");
        Optional<ProcessIdentity> server = managedProcess.get();
        List<Long> sent = server.map(id -> ServerSignals.send(id, signal)).orElse(List.of());
        if (sent.isEmpty()) {
            throw new IllegalStateException("no session server runs (PID file " + options.pidFile() + "): "
                    + signal.signalName() + " was not sent; start the server first");
        }
        return sent;
    }
}
