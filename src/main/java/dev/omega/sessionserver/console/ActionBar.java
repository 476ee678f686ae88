package dev.omega.sessionserver.console;

import java.awt.BorderLayout;
import java.awt.Color;
import java.awt.FlowLayout;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

import javax.swing.BorderFactory;
import javax.swing.JButton;
import javax.swing.JPanel;
import javax.swing.JTextArea;
import javax.swing.UIManager;

/**
 * The buttons Start, Stop, Restart, Check health and Send signal… for the selected server, and beside them the last
 * operation's result or error message (words only: the MBean's message, never a stack trace). The buttons are off
 * while no server is selected and while an operation is in flight. Event thread only.
 */
final class ActionBar extends JPanel {

    private static final long serialVersionUID = 1L;

    private final Map<ServerAction, JButton> buttons = new EnumMap<>(ServerAction.class);
    private final JButton signal = new JButton("Send signal\u2026");
    private final JTextArea result = new JTextArea(2, 40);

    /**
     * @param onAction what a click on an operation's button does
     * @param onSignal what a click on Send signal… does
     */
    ActionBar(Consumer<ServerAction> onAction, Runnable onSignal) {
        super(new BorderLayout(8, 0));
        JPanel row = new JPanel(new FlowLayout(FlowLayout.LEFT, 4, 2));
        for (ServerAction action : ServerAction.values()) {
            JButton b = new JButton(action.label());
            b.addActionListener(e -> onAction.accept(action));
            buttons.put(action, b);
            row.add(b);
        }
        signal.addActionListener(e -> onSignal.run());
        row.add(signal);
        result.setEditable(false);
        result.setLineWrap(true);
        result.setWrapStyleWord(true);
        result.setOpaque(false);
        result.setFont(UIManager.getFont("Label.font"));
        result.setBorder(BorderFactory.createEmptyBorder(4, 4, 4, 4));
        add(row, BorderLayout.WEST);
        add(result, BorderLayout.CENTER);
        enableFor(false, false);
    }

    /** Buttons on when a server is selected and no operation is in flight. */
    void enableFor(boolean serverSelected, boolean operationInFlight) {
        boolean on = serverSelected && !operationInFlight;
        buttons.values().forEach(b -> b.setEnabled(on));
        signal.setEnabled(on);
    }

    /** Shows a result ({@code error} false) or an error message in red. */
    void showResult(String text, boolean error) {
        result.setForeground(error ? StateCellRenderer.RED : Color.DARK_GRAY);
        result.setText(text);
        result.setCaretPosition(0);
    }

    JButton button(ServerAction action) {
        return buttons.get(action);
    }

    JButton signalButton() {
        return signal;
    }

    /** The colour of the result's text: red for an error (for tests). */
    Color resultColour() {
        return result.getForeground();
    }

    /** What the result area says now (for tests). */
    String resultText() {
        return result.getText();
    }
}
