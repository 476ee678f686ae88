package dev.omega.sessionserver.console;

import java.awt.Color;
import java.awt.Component;
import java.awt.Font;

import javax.swing.JTable;
import javax.swing.SwingConstants;
import javax.swing.table.DefaultTableCellRenderer;

/**
 * Paints a State cell in the state's colour, selected or not: RUNNING green; STARTING, STOPPING and BACKOFF amber
 * (on the way somewhere); UNHEALTHY and FAILED red; STOPPED grey. A state this version does not know keeps the
 * table's own colours.
 */
final class StateCellRenderer extends DefaultTableCellRenderer {

    private static final long serialVersionUID = 1L;

    static final Color GREEN = new Color(0x2E, 0x8B, 0x3A);
    static final Color AMBER = new Color(0xF0, 0xA3, 0x0A);
    static final Color RED = new Color(0xC6, 0x28, 0x28);
    static final Color GREY = new Color(0x8C, 0x8C, 0x8C);

    /** The colour of {@code state}, or {@code null} for a state without one. */
    static Color colorOf(String state) {
        switch (state) {
            case "RUNNING":
                return GREEN;
            case "STARTING":
            case "STOPPING":
            case "BACKOFF":
                return AMBER;
            case "UNHEALTHY":
            case "FAILED":
                return RED;
            case "STOPPED":
                return GREY;
            default:
                return null;
        }
    }

    StateCellRenderer() {
        setHorizontalAlignment(SwingConstants.CENTER);
    }

    @Override
    public Component getTableCellRendererComponent(JTable table, Object value, boolean isSelected, boolean hasFocus,
            int row, int column) {
        super.getTableCellRendererComponent(table, value, isSelected, hasFocus, row, column);
        Color color = colorOf(String.valueOf(value));
        if (color != null) {
            setBackground(color);
            setForeground(color == AMBER ? Color.BLACK : Color.WHITE);
            setFont(getFont().deriveFont(Font.BOLD));
        }
        return this;
    }
}
