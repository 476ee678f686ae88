package dev.omega.sessionserver.console;

import java.awt.Component;
import java.util.List;

/**
 * The questions the tab asks the operator: a confirmation before Stop and Restart, and which signal to send. Called
 * on the event thread. {@link DialogPrompts} asks with dialogs; a test answers itself.
 */
interface Prompts {

    /** Whether the operator confirms {@code question} (asked over {@code parent}). */
    boolean confirm(Component parent, String question);

    /** The signal the operator picks from {@code signals} for server {@code server}; {@code null} when cancelled. */
    String chooseSignal(Component parent, String server, List<String> signals);
}
