package dev.omega.sessionserver.console;

import java.util.ArrayList;
import java.util.List;


/**
 * The table of servers: one row per session server MBean, in the order of the last refresh (by name), with the
 * columns name, State, PID, uptime, restarts, memory, CPU and last error (its first line). Uptime, memory and CPU
 * are a dash while no server process runs (the MBean's zeros would read as measurements). Event thread only.
 */
final class ServerTableModel extends ColumnsTableModel {

    private static final long serialVersionUID = 1L;

    static final int NAME = 0;
    static final int STATE = 1;
    static final int PID = 2;
    static final int UPTIME = 3;
    static final int RESTARTS = 4;
    static final int MEMORY = 5;
    static final int CPU = 6;
    static final int LAST_ERROR = 7;
    /** Each column's preferred width, in pixels; the last one takes what is left. */
    static final int[] WIDTHS = {90, 100, 70, 80, 70, 100, 70, 500};
    private List<ServerRow> rows = new ArrayList<>();

    ServerTableModel() {
        super("Name", "State", "PID", "Uptime", "Restarts", "Memory", "CPU", "Last error");
    }

    /**
     * Shows {@code newRows}. When the servers are the same ones as before, only the cells are repainted (the selection
     * stays); when servers appeared or vanished, the table is rebuilt and the caller restores the selection.
     *
     * @return whether the set of servers changed
     */
    boolean setRows(List<ServerRow> newRows) {
        boolean sameServers = names(rows).equals(names(newRows));
        rows = new ArrayList<>(newRows);
        if (sameServers && !rows.isEmpty()) {
            fireTableRowsUpdated(0, rows.size() - 1);
        } else if (!sameServers) {
            fireTableDataChanged();
        }
        return !sameServers;
    }

    private static List<String> names(List<ServerRow> rows) {
        List<String> names = new ArrayList<>(rows.size());
        for (ServerRow r : rows) {
            names.add(r.name());
        }
        return names;
    }

    ServerRow row(int index) {
        return rows.get(index);
    }

    /** The index of server {@code name}'s row, -1 when there is none. */
    int indexOf(String name) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int getRowCount() {
        return rows.size();
    }

    @Override
    public Object getValueAt(int rowIndex, int column) {
        ServerRow r = rows.get(rowIndex);
        switch (column) {
            case NAME:
                return r.name();
            case STATE:
                return r.state();
            case PID:
                return Formats.pid(r.pid());
            case UPTIME:
                return r.pid() > 0 ? Formats.uptime(r.uptimeSeconds()) : Formats.NONE;
            case RESTARTS:
                return Formats.count(r.restarts());
            case MEMORY:
                return r.pid() > 0 ? Formats.bytes(r.memoryBytes()) : Formats.NONE;
            case CPU:
                return r.pid() > 0 ? Formats.cpu(r.cpuUsage()) : Formats.NONE;
            case LAST_ERROR:
                return firstLine(r.lastError());
            default:
                throw new IndexOutOfBoundsException("column " + column);
        }
    }

    private static String firstLine(String text) {
        int eol = text.indexOf('\n');
        return eol < 0 ? text : text.substring(0, eol) + " \u2026";
    }
}
