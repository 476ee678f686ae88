package dev.omega.sessionserver.console;

import java.awt.Component;
import java.util.List;

import javax.swing.JOptionPane;

/** {@link Prompts} as JConsole's own dialogs: a yes/no question and a list to pick a signal from. */
final class DialogPrompts implements Prompts {

    @Override
    public boolean confirm(Component parent, String question) {
        return JOptionPane.showConfirmDialog(parent, question, SessionServersPlugin.TAB_TITLE,
                JOptionPane.OK_CANCEL_OPTION, JOptionPane.QUESTION_MESSAGE) == JOptionPane.OK_OPTION;
    }

    @Override
    public String chooseSignal(Component parent, String server, List<String> signals) {
        Object chosen = JOptionPane.showInputDialog(parent, "Signal to send to " + server
                + "'s process tree:\n(stopping is Stop's job: TERM, INT, KILL and STOP are not offered)",
                SessionServersPlugin.TAB_TITLE, JOptionPane.QUESTION_MESSAGE, null, signals.toArray(),
                signals.get(0));
        return chosen == null ? null : chosen.toString();
    }
}
