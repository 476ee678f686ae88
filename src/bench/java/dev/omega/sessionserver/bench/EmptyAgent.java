package dev.omega.sessionserver.bench;

import java.lang.instrument.Instrumentation;

/** An agent that does nothing: the baseline for what any {@code -javaagent} costs a host's start-up. */
public final class EmptyAgent {
    private EmptyAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        // nothing
    }
}
