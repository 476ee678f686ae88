package dev.omega.sessionserver.console;

import java.awt.Color;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import javax.management.MBeanServerConnection;

import com.sun.tools.jconsole.JConsoleContext.ConnectionState;

/**
 * Drives the tab: turns refreshes into table rows, charts and log text, and clicks into requests. All its methods run
 * on the event thread except {@link #newRefresh()} (any thread: JConsole calls it from its update timer); every JMX
 * call goes through one of two {@link JmxChannel}s, never on the event thread: {@code reads} (refreshes and the
 * log, short timeout) and {@code operations} (start, stop..., which wait for the server: long timeout). At most one
 * operation is in flight: the buttons are off until its reply.
 */
final class ConsoleController implements AutoCloseable {

    static final Color TEXT = Color.DARK_GRAY;
    static final Color WARNING = new Color(0x9A, 0x60, 0x00);
    static final String NO_SERVERS_HINT = "No session servers in this JVM (no MBean "
            + SessionServerJmx.PATTERN + "): load the agent with -javaagent:session-server-manager-agent.jar, or"
            + " java -jar session-server-manager-agent.jar attach <pid>.";

    private final Prompts prompts;
    private final ConsoleModel model = new ConsoleModel();
    private final JmxChannel reads;
    private final JmxChannel operations;
    private final SessionServersTab tab;
    private volatile LogRequest logRequest;
    private FleetSnapshot last = new FleetSnapshot(0, List.of());
    private boolean operationInFlight;
    private boolean logFetchInFlight;

    /**
     * @param connection       JConsole's connection to the JVM, asked for at each request
     * @param readTimeout      the longest a refresh or a log read waits for the JVM
     * @param operationTimeout the longest an operation waits (a start waits for the server's health)
     */
    ConsoleController(Supplier<MBeanServerConnection> connection, Prompts prompts, Duration readTimeout,
            Duration operationTimeout) {
        this.prompts = prompts;
        this.reads = new JmxChannel("session-servers-console-reads", connection, readTimeout);
        this.operations = new JmxChannel("session-servers-console-operations", connection, operationTimeout);
        this.tab = new SessionServersTab(this::perform, this::sendSignal);
        tab.showStatus("Reading the session servers of this JVM\u2026", TEXT);
        tab.table().getSelectionModel().addListSelectionListener(e -> {
            if (!e.getValueIsAdjusting()) {
                showSelected();
            }
        });
        tab.detailPanes().addChangeListener(e -> updateLogRequest());
        tab.log().lineCountChooser().addActionListener(e -> updateLogRequest());
        tab.addComponentListener(new java.awt.event.ComponentAdapter() {
            @Override
            public void componentShown(java.awt.event.ComponentEvent e) {
                updateLogRequest();
            }

            @Override
            public void componentHidden(java.awt.event.ComponentEvent e) {
                updateLogRequest();
            }
        });
    }

    SessionServersTab tab() {
        return tab;
    }

    /** A refresh of the whole tab (and of the log, when it is visible), to be executed once. Any thread. */
    RequestWorker<ConsoleModel.Refresh> newRefresh() {
        LogRequest log = logRequest;
        return new RequestWorker<>(reads, c -> model.refresh(c, log), this::applyRefresh);
    }

    private void applyRefresh(Reply<ConsoleModel.Refresh> reply) {
        if (!reply.isOk()) {
            showFailure(reply);
            return;
        }
        ConsoleModel.Refresh refresh = reply.value();
        last = refresh.snapshot;
        if (last.isEmpty()) {
            tab.showStatus(NO_SERVERS_HINT, TEXT);
        } else {
            tab.showStatus(last.rows().size() + " session server" + (last.rows().size() == 1 ? "" : "s")
                    + " \u00b7 read " + Formats.time(last.takenAtMillis()), TEXT);
        }
        String selected = tab.selectedName();
        if (tab.servers().setRows(last.rows()) || selected == null) {
            tab.select(selected);
        }
        showSelected();
        if (refresh.log != null) {
            showLog(refresh.logRequest, refresh.log);
        }
    }

    private void showFailure(Reply<?> reply) {
        if (reply.outcome() == Reply.Outcome.LOST) { // "connection lost: <why>"
            tab.showStatus(capitalized(reply.message()) + ". The table shows the last values read.",
                    StateCellRenderer.RED);
        } else {
            tab.showStatus(capitalized(reply.message()) + ".", WARNING);
        }
    }

    /** Called (on the event thread) when JConsole's connection to the JVM changes. */
    void connectionStateChanged(ConnectionState state) {
        if (state == ConnectionState.DISCONNECTED) {
            tab.showStatus("Connection lost: JConsole is disconnected from the JVM; the table shows the last values"
                    + " read.", StateCellRenderer.RED);
        } else if (state == ConnectionState.CONNECTING) {
            tab.showStatus("Connecting to the JVM\u2026", WARNING);
        }
    }

    private void showSelected() {
        String name = tab.selectedName();
        ServerRow row = name == null ? null : last.row(name);
        tab.detail().show(row, row == null ? null : model.history(name), model.openedAtMillis(),
                Math.max(last.takenAtMillis(), model.openedAtMillis()));
        tab.actions().enableFor(row != null, operationInFlight);
        updateLogRequest();
    }

    /** Works out which log the pane wants now; reads it at once when that changed. */
    private void updateLogRequest() {
        String name = tab.selectedName();
        ServerRow row = name == null ? null : last.row(name);
        LogRequest wanted = row != null && tab.logVisible() ? new LogRequest(row.objectName(), tab.log().lines())
                : null;
        if (row == null) {
            tab.log().clear();
        }
        if (!Objects.equals(wanted, logRequest)) {
            logRequest = wanted;
            if (wanted != null && !logFetchInFlight) {
                logFetchInFlight = true;
                new RequestWorker<>(reads, c -> ConsoleModel.tailLog(c, wanted), reply -> {
                    logFetchInFlight = false;
                    showLog(wanted, reply.isOk() ? reply.value() : reply.failureAs());
                }).execute();
            }
        }
    }

    private void showLog(LogRequest request, Reply<String> log) {
        if (!request.equals(logRequest)) {
            return; // an answer to a question no longer asked
        }
        String server = SessionServerJmx.serverName(request.server());
        if (log.isOk()) {
            tab.log().showLog(server, log.value(), System.currentTimeMillis());
        } else {
            tab.log().showError(server, log.message());
        }
    }

    private void perform(ServerAction action) {
        ServerRow row = selectedRow();
        if (row == null) {
            return;
        }
        if (action.needsConfirmation() && !prompts.confirm(tab, action.label() + " session server " + row.name()
                + " (PID " + Formats.pid(row.pid()) + ")?")) {
            tab.actions().showResult(row.name() + ": " + action.operation() + " cancelled, nothing sent.", false);
            return;
        }
        send(row, action.operation(), action.on(row.objectName()));
    }

    private void sendSignal() {
        ServerRow row = selectedRow();
        if (row == null) {
            return;
        }
        String signal = prompts.chooseSignal(tab, row.name(), SessionServerJmx.SIGNALS);
        if (signal != null) {
            send(row, "signal " + signal, ServerAction.signal(row.objectName(), signal));
        }
    }

    private ServerRow selectedRow() {
        String name = tab.selectedName();
        return name == null || operationInFlight ? null : last.row(name);
    }

    private void send(ServerRow row, String what, JmxChannel.Request<String> request) {
        operationInFlight = true;
        tab.actions().enableFor(true, true);
        tab.actions().showResult(row.name() + ": " + what + "\u2026", false);
        new RequestWorker<>(operations, request, reply -> {
            operationInFlight = false;
            if (reply.isOk()) {
                tab.actions().showResult(row.name() + ": " + what + ": " + reply.value(), false);
            } else { // the MBean's own messages often begin "start failed: ..." already
                String message = reply.message();
                tab.actions().showResult(row.name() + ": " + (message.startsWith(what) ? message
                        : what + " failed: " + message), true);
            }
            showSelected();
            newRefresh().execute(); // show what the operation changed now, not at the next interval
        }).execute();
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** Stops the channels' threads; a request in flight is abandoned. */
    @Override
    public void close() {
        reads.close();
        operations.close();
    }
}
