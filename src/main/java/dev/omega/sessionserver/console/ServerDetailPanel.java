package dev.omega.sessionserver.console;

import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.GridLayout;
import java.util.ArrayList;
import java.util.List;

import javax.swing.BorderFactory;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JSplitPane;
import javax.swing.JTable;

/**
 * The selected server's history since the tab opened: a memory (RSS) chart and a CPU chart side by side, the
 * notifications received below them, and above them a line with the server's name, its dependencies (when the agent
 * has them) and its last error. Event thread only.
 */
final class ServerDetailPanel extends JPanel {

    private static final long serialVersionUID = 1L;

    private final JLabel heading = new JLabel(" ");
    private final UsageChart memory = new UsageChart("Memory (RSS)", new Color(0x1F, 0x5F, 0xBF), Formats::bytes,
            UsageChart::binaryCeiling);
    private final UsageChart cpu = new UsageChart("CPU", new Color(0xD2, 0x5A, 0x00), Formats::cpu,
            UsageChart::decimalCeiling);
    private final NotificationTableModel notifications = new NotificationTableModel();
    private final JTable notificationTable = new JTable(notifications);

    ServerDetailPanel() {
        super(new BorderLayout(0, 4));
        heading.setBorder(BorderFactory.createEmptyBorder(2, 4, 2, 4));
        JPanel charts = new JPanel(new GridLayout(1, 2, 6, 0));
        charts.add(memory);
        charts.add(cpu);
        notificationTable.setFillsViewportHeight(true);
        notificationTable.getColumnModel().getColumn(0).setPreferredWidth(70);
        notificationTable.getColumnModel().getColumn(0).setMaxWidth(90);
        notificationTable.getColumnModel().getColumn(1).setPreferredWidth(110);
        notificationTable.getColumnModel().getColumn(1).setMaxWidth(160);
        JScrollPane list = new JScrollPane(notificationTable);
        list.setBorder(BorderFactory.createTitledBorder("Notifications received"));
        list.setPreferredSize(new Dimension(400, 110));
        JSplitPane split = new JSplitPane(JSplitPane.VERTICAL_SPLIT, charts, list);
        split.setResizeWeight(0.6);
        split.setBorder(null);
        add(heading, BorderLayout.NORTH);
        add(split, BorderLayout.CENTER);
    }

    /**
     * Shows {@code row}'s history; {@code null} clears the panel (no server selected).
     *
     * @param openedAtMillis when the tab opened: the charts' time axis starts there
     * @param nowMillis      the last refresh: the axis ends there
     */
    void show(ServerRow row, ServerHistory history, long openedAtMillis, long nowMillis) {
        if (row == null) {
            heading.setText(" ");
            memory.show(new UsageSeries.Points(new long[0], new double[0]), openedAtMillis, nowMillis);
            cpu.show(new UsageSeries.Points(new long[0], new double[0]), openedAtMillis, nowMillis);
            notifications.show(List.of());
            return;
        }
        heading.setText(headingOf(row));
        heading.setToolTipText(row.lastError().isEmpty() ? null : row.lastError());
        memory.show(history.memory(), openedAtMillis, nowMillis);
        cpu.show(history.cpu(), openedAtMillis, nowMillis);
        notifications.show(history.notifications());
    }

    private static String headingOf(ServerRow row) {
        List<String> parts = new ArrayList<>();
        parts.add(row.name() + " (" + row.state() + ", PID " + Formats.pid(row.pid()) + ")");
        if (row.dependsOn() != null) {
            parts.add("depends on: " + Formats.names(row.dependsOn()));
        }
        if (row.dependents() != null) {
            parts.add("dependents: " + Formats.names(row.dependents()));
        }
        if (!row.lastError().isEmpty()) {
            parts.add("last error: " + row.lastError().replace('\n', ' '));
        }
        return String.join("   \u00b7   ", parts);
    }

    /** What the heading says now (for tests). */
    String headingText() {
        return heading.getText();
    }

    NotificationTableModel notifications() {
        return notifications;
    }

    UsageChart memoryChart() {
        return memory;
    }

    UsageChart cpuChart() {
        return cpu;
    }
}
