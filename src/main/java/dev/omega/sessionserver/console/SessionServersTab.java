package dev.omega.sessionserver.console;

import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Component;
import java.awt.Dimension;
import java.util.function.Consumer;

import javax.swing.BorderFactory;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JSplitPane;
import javax.swing.JTabbedPane;
import javax.swing.JTable;
import javax.swing.ListSelectionModel;

/**
 * The "Session Servers" tab: a status line (the hint for a JVM without session servers, "connection lost", when the
 * table was read), the table of servers, the buttons for the selected one, and its details in two panes: "Memory &amp;
 * CPU" (charts and notifications) and "Log". Layout only: {@link ConsoleController} fills it and reacts to it. Event
 * thread only.
 */
final class SessionServersTab extends JPanel {

    private static final long serialVersionUID = 1L;
    static final String CHARTS_PANE = "Memory & CPU";
    static final String LOG_PANE = "Log";

    private final JLabel status = new JLabel(" ");
    private final ServerTableModel servers = new ServerTableModel();
    private final JTable table = new JTable(servers);
    private final ActionBar actions;
    private final ServerDetailPanel detail = new ServerDetailPanel();
    private final LogPanel log = new LogPanel();
    private final JTabbedPane detailPanes = new JTabbedPane();

    SessionServersTab(Consumer<ServerAction> onAction, Runnable onSignal) {
        super(new BorderLayout(0, 4));
        setBorder(BorderFactory.createEmptyBorder(4, 4, 4, 4));
        actions = new ActionBar(onAction, onSignal);
        status.setBorder(BorderFactory.createEmptyBorder(2, 2, 2, 2));
        table.setSelectionMode(ListSelectionModel.SINGLE_SELECTION);
        table.setFillsViewportHeight(true);
        table.getColumnModel().getColumn(ServerTableModel.STATE).setCellRenderer(new StateCellRenderer());
        table.setAutoResizeMode(JTable.AUTO_RESIZE_LAST_COLUMN);
        for (int c = 0; c < ServerTableModel.WIDTHS.length; c++) {
            table.getColumnModel().getColumn(c).setPreferredWidth(ServerTableModel.WIDTHS[c]);
        }
        JScrollPane tableScroll = new JScrollPane(table);
        tableScroll.setPreferredSize(new Dimension(800, table.getRowHeight() * 6 + 24));
        detailPanes.addTab(CHARTS_PANE, detail);
        detailPanes.addTab(LOG_PANE, log);
        JPanel selected = new JPanel(new BorderLayout(0, 2));
        selected.add(actions, BorderLayout.NORTH);
        selected.add(detailPanes, BorderLayout.CENTER);
        JSplitPane split = new JSplitPane(JSplitPane.VERTICAL_SPLIT, tableScroll, selected);
        split.setResizeWeight(0); // the table keeps its preferred height, the details get the rest
        split.setBorder(null);
        add(status, BorderLayout.NORTH);
        add(split, BorderLayout.CENTER);
    }

    /** Shows {@code text} in the status line, in {@code color}. */
    void showStatus(String text, Color color) {
        status.setForeground(color);
        status.setText(text);
    }

    /** The selected server's name; {@code null} when none is selected. */
    String selectedName() {
        int row = table.getSelectedRow();
        return row < 0 ? null : servers.row(table.convertRowIndexToModel(row)).name();
    }

    /** Selects server {@code name}'s row, or the first row when it has none (or nothing when the table is empty). */
    void select(String name) {
        int index = name == null ? -1 : servers.indexOf(name);
        if (index < 0 && servers.getRowCount() > 0) {
            index = 0;
        }
        if (index >= 0) {
            table.setRowSelectionInterval(index, index);
        } else {
            table.clearSelection();
        }
    }

    /** Whether the log pane can be seen: its pane is the selected one, and the tab itself is JConsole's current tab. */
    boolean logVisible() {
        if (detailPanes.getSelectedComponent() != log) {
            return false;
        }
        for (Component c = this; c != null; c = c.getParent()) {
            if (!c.isVisible()) {
                return false;
            }
        }
        return true;
    }

    String statusText() {
        return status.getText();
    }

    ServerTableModel servers() {
        return servers;
    }

    JTable table() {
        return table;
    }

    ActionBar actions() {
        return actions;
    }

    ServerDetailPanel detail() {
        return detail;
    }

    LogPanel log() {
        return log;
    }

    JTabbedPane detailPanes() {
        return detailPanes;
    }
}
