package dev.omega.sessionserver.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened, closed in reverse order in its teardown ({@link #closeAll()}): every one is closed even when an
 * earlier one fails; a failure is printed (with {@code label}), not thrown, so that teardown always finishes.
 * Not thread-safe: register from the test's thread.
 */
public final class Closer {

    private final String label;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    public Closer(String label) {
        this.label = label;
    }

    /** Registers {@code c} to be closed by {@link #closeAll()}, after everything registered later. */
    public void add(AutoCloseable c) {
        toClose.add(c);
    }

    /** Closes everything registered, newest first, and forgets it. */
    public void closeAll() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                System.err.println("[" + label + "] closing " + toClose.get(i) + " failed: " + e);
            }
        }
        toClose.clear();
    }
}
