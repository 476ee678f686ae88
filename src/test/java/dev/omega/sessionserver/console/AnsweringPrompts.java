package dev.omega.sessionserver.console;

import java.awt.Component;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Prompts} that answer themselves, as the test says, and remember what they were asked: a test drives the
 * buttons without dialogs (and without a display).
 */
final class AnsweringPrompts implements Prompts {

    private final List<String> questions = new ArrayList<>(); // guarded by this
    private boolean confirms = true; // guarded by this
    private String signal; // guarded by this

    /** The answer to the next confirmations. */
    synchronized AnsweringPrompts confirming(boolean answer) {
        confirms = answer;
        return this;
    }

    /** The signal picked at the next Send signal…; {@code null}: cancelled. */
    synchronized AnsweringPrompts choosing(String answer) {
        signal = answer;
        return this;
    }

    /** Every question asked so far, in order (confirmations as asked, signal choices as "signal for NAME: ..."). */
    synchronized List<String> questions() {
        return new ArrayList<>(questions);
    }

    @Override
    public synchronized boolean confirm(Component parent, String question) {
        questions.add(question);
        return confirms;
    }

    @Override
    public synchronized String chooseSignal(Component parent, String server, List<String> signals) {
        questions.add("signal for " + server + ": " + String.join(" ", signals));
        return signal;
    }
}
