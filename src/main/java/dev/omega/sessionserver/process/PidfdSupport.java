package dev.omega.sessionserver.process;

import java.util.Optional;

/**
 * Whether this host has the pidfd process layer ({@link PidfdProcesses}). This is the Java 11-21 version of the
 * class: it never has it. The agent jar is a multi-release jar whose {@code META-INF/versions/22} holds the version
 * that loads the layer on Java 22 and newer when the host allows native access to the agent
 * ({@code --enable-native-access=ALL-UNNAMED}, or the agent's module), the kernel has pidfds (5.4 or newer) and the C
 * library has {@code posix_spawn} with {@code POSIX_SPAWN_SETSID} and {@code pidfd_open} (glibc 2.36 or newer).
 * Everywhere else the Java 11-21 path runs, and the log says once why and how to turn the fast path on.
 *
 * <p>{@code -D}{@value #PROPERTY}{@code =false} forces the Java 11-21 path (for tests and diagnosis). Thread-safe.
 */
final class PidfdSupport {

    /** The system property that turns the pidfd layer off when {@code false}. */
    static final String PROPERTY = "dev.omega.sessionserver.pidfd";

    private PidfdSupport() {
    }

    /** The layer, when this host has it; always empty in this version. */
    static Optional<PidfdProcesses> layer() {
        return Optional.empty();
    }

    /** Why the layer is off, and how to turn it on; empty when it is on. */
    static Optional<String> unavailableReason() {
        return Optional.of("this host runs Java " + Runtime.version().feature()
                + "; the pidfd process layer needs Java 22 or newer with --enable-native-access=ALL-UNNAMED");
    }
}
