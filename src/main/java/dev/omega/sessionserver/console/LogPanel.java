package dev.omega.sessionserver.console;

import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.FlowLayout;
import java.awt.Font;

import javax.swing.BorderFactory;
import javax.swing.JComboBox;
import javax.swing.JLabel;
import javax.swing.JPanel;
import javax.swing.JScrollPane;
import javax.swing.JTextArea;

/**
 * The selected server's log, as {@code tailLog} returns it: the last N lines (N from the chooser), refreshed while
 * the pane is visible, scrolled to the end. A failed read (a server with {@code logFile=discard}, an agent without
 * {@code tailLog}) shows its message instead. Event thread only.
 */
final class LogPanel extends JPanel {

    private static final long serialVersionUID = 1L;
    private static final int DEFAULT_LINES = 100;

    private final JComboBox<Integer> lineCount = new JComboBox<>(
            SessionServerJmx.LOG_LINE_COUNTS.toArray(new Integer[0]));
    private final JLabel status = new JLabel(" ");
    private final JTextArea text = new JTextArea();

    LogPanel() {
        super(new BorderLayout(0, 2));
        lineCount.setSelectedItem(DEFAULT_LINES);
        JPanel top = new JPanel(new FlowLayout(FlowLayout.LEFT, 6, 2));
        top.add(new JLabel("Last"));
        top.add(lineCount);
        top.add(new JLabel("lines"));
        top.add(status);
        text.setEditable(false);
        text.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 12));
        JScrollPane scroll = new JScrollPane(text);
        scroll.setBorder(BorderFactory.createLineBorder(Color.LIGHT_GRAY));
        add(top, BorderLayout.NORTH);
        add(scroll, BorderLayout.CENTER);
    }

    /** The chooser, for the controller to listen to. */
    JComboBox<Integer> lineCountChooser() {
        return lineCount;
    }

    /** The number of lines chosen. */
    int lines() {
        Object chosen = lineCount.getSelectedItem();
        return chosen instanceof Integer ? (Integer) chosen : DEFAULT_LINES;
    }

    /** Shows {@code log} of server {@code server}, read at {@code atMillis}, scrolled to its end. */
    void showLog(String server, String log, long atMillis) {
        status.setForeground(Color.DARK_GRAY);
        status.setText("of " + server + " (read " + Formats.time(atMillis) + ")");
        if (!log.equals(text.getText())) {
            text.setText(log);
            text.setCaretPosition(text.getDocument().getLength());
        }
    }

    /** Shows why the log of {@code server} could not be read (and no other server's text). */
    void showError(String server, String message) {
        status.setForeground(StateCellRenderer.RED);
        status.setText("of " + server + ": " + message);
        text.setText("");
    }

    /** Empties the pane (no server selected). */
    void clear() {
        status.setText(" ");
        text.setText("");
    }

    /** What the pane shows now (for tests). */
    String logText() {
        return text.getText();
    }

    String statusText() {
        return status.getText();
    }
}
