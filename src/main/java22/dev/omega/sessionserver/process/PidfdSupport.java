package dev.omega.sessionserver.process;

import java.util.Optional;

/**
 * Whether this host has the pidfd process layer ({@link PidfdProcesses}): the Java 22 version of the class (the agent
 * jar's {@code META-INF/versions/22}). The layer is loaded once, on first use, when all of these hold; otherwise
 * {@link #unavailableReason()} says which did not, and how to turn it on:
 * <ul>
 * <li>{@code -D}{@value #PROPERTY} is not {@code false};</li>
 * <li>the host allows native access to this class's module ({@link Module#isNativeAccessEnabled()}: e.g.
 * {@code --enable-native-access=ALL-UNNAMED}), so that the JDK's restricted-method warning is never provoked in
 * somebody's host;</li>
 * <li>Linux on x86_64 or aarch64, a C library with {@code posix_spawn_file_actions_addclosefrom_np} and
 * {@code pidfd_open} (glibc 2.36 or newer), and a kernel with pidfds (5.4 or newer).</li>
 * </ul>
 * Thread-safe.
 */
final class PidfdSupport {

    /** The system property that turns the pidfd layer off when {@code false}. */
    static final String PROPERTY = "dev.omega.sessionserver.pidfd";

    private static final class Loaded {
        static final PidfdProcesses LAYER;
        static final String REASON;

        static {
            PidfdProcesses layer = null;
            String reason = null;
            if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
                reason = "the pidfd process layer is off (-D" + PROPERTY + "=false)";
            } else if (!PidfdSupport.class.getModule().isNativeAccessEnabled()) {
                reason = "the host does not allow native access to the agent: start it with"
                        + " --enable-native-access=ALL-UNNAMED to spawn, signal and watch servers through pidfds"
                        + " (faster starts and stops)";
            } else {
                try {
                    LinuxPidfdProcesses l = new LinuxPidfdProcesses(Libc.load());
                    l.probe();
                    layer = l;
                } catch (UnsupportedOperationException | IllegalStateException | LinkageError e) {
                    reason = e.getMessage();
                }
            }
            LAYER = layer;
            REASON = reason;
        }
    }

    private PidfdSupport() {
    }

    /** The layer, when this host has it. */
    static Optional<PidfdProcesses> layer() {
        return Optional.ofNullable(Loaded.LAYER);
    }

    /** Why the layer is off, and how to turn it on; empty when it is on. */
    static Optional<String> unavailableReason() {
        return Optional.ofNullable(Loaded.REASON);
    }
}
