package dev.omega.sessionserver.console;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;


/** The notifications of the selected server, newest first: time, kind, message. Event thread only. */
final class NotificationTableModel extends ColumnsTableModel {

    private static final long serialVersionUID = 1L;
    private List<ReceivedNotification> rows = new ArrayList<>();

    NotificationTableModel() {
        super("Time", "Kind", "Message");
    }

    /** Shows {@code oldestFirst} newest first; repaints only when something changed. */
    void show(List<ReceivedNotification> oldestFirst) {
        List<ReceivedNotification> newestFirst = new ArrayList<>(oldestFirst);
        Collections.reverse(newestFirst);
        if (!newestFirst.equals(rows)) {
            rows = newestFirst;
            fireTableDataChanged();
        }
    }

    @Override
    public int getRowCount() {
        return rows.size();
    }

    @Override
    public Object getValueAt(int row, int column) {
        ReceivedNotification n = rows.get(row);
        switch (column) {
            case 0:
                return Formats.time(n.timeMillis());
            case 1:
                return n.kind();
            default:
                return n.message();
        }
    }
}
