package dev.omega.sessionserver.jmx;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import dev.omega.sessionserver.process.InvalidOptionException;

/**
 * How a {@link SessionServerManager} supervises its server: whether it restarts it after a crash, with which backoff,
 * when it gives up, and when a failing health check makes it UNHEALTHY. Immutable and thread-safe; made by
 * {@link #builder()}, whose setters take typed values and whose {@link Builder#build()} validates them.
 *
 * <h2>Values and defaults</h2>
 * Each value is named by the key the agent's arguments and properties file use for it (the agent parses their text;
 * this class takes typed values only). Durations must be between 1 ms and {@value #MAX_DURATION_MILLIS} ms.
 * <table>
 * <caption>Values</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code restart}</td><td>{@link Restart#NEVER}</td><td>{@code never}, {@code on-failure} or
 * {@code always}: see below</td></tr>
 * <tr><td>{@code restartDelay}</td><td>1000 ms</td><td>delay before the first restart after a failure; each further
 * attempt doubles it</td></tr>
 * <tr><td>{@code restartMaxDelay}</td><td>30000 ms</td><td>the doubling stops here (at least
 * {@code restartDelay})</td></tr>
 * <tr><td>{@code restartResetAfter}</td><td>60000 ms</td><td>once the server has answered healthy without a break
 * for this long, the next failure waits {@code restartDelay} again</td></tr>
 * <tr><td>{@code restartLimit}</td><td>5</td><td>crash-loop limit: a failure that would need more than this many
 * restarts within {@code restartWindow} makes the manager give up (State FAILED, a {@code gave-up} notification,
 * no more automatic restarts until an operator starts or restarts the server; an unhealthy server that still runs is
 * left running, UNHEALTHY)</td></tr>
 * <tr><td>{@code restartWindow}</td><td>60000 ms</td><td>the sliding window of the crash-loop limit</td></tr>
 * <tr><td>{@code unhealthyThreshold}</td><td>3</td><td>failed health checks in a row (of a live server) before
 * State becomes UNHEALTHY; before that it stays RUNNING ({@code Healthy} shows the last check at once)</td></tr>
 * <tr><td>{@code restartOnUnhealthy}</td><td>false</td><td>true: once UNHEALTHY, the server is restarted (stopped,
 * then started) under the same backoff and limit, whatever {@code restart} says</td></tr>
 * <tr><td>{@code successExitCodes}</td><td>{@code {0}}</td><td>exit codes (0..255, at least one) that count as a
 * clean exit: State STOPPED rather than FAILED, and {@code restart=on-failure} does not restart them</td></tr>
 * <tr><td>{@code maxMemory}</td><td>0 (off)</td><td>bytes: when the resident memory of the server's process tree
 * stays above it for {@code unhealthyThreshold} monitor passes in a row, the server is restarted (stopped, then
 * started) under the same backoff and limit, with a {@code memory-limit} notification</td></tr>
 * </table>
 *
 * <h2>What counts as a failure</h2>
 * A <em>crash</em> is any exit of the managed server that no stop asked for, seen by the monitor (or by
 * {@code checkHealth}). What the {@code restart} key does with it:
 * <ul>
 * <li>{@code never}: nothing; the crash is reported and the server stays down.</li>
 * <li>{@code on-failure}: restarts after a crash whose exit code is not one of {@code successExitCodes} (by default:
 * non-zero, including death by a signal, exit code 128+N) or unknown (a server this JVM did not spawn: only its
 * parent can read its exit code). A clean exit (a code of {@code successExitCodes}) that the server made by itself is
 * not restarted.</li>
 * <li>{@code always}: restarts after every crash, a clean exit included.</li>
 * </ul>
 * A restart attempt that does not give a healthy server (it exits during start, is not healthy within the start
 * timeout, or the port is taken) is a failure too: the next attempt follows the backoff, under any {@code restart}
 * value that made the first one. An operator's {@code stop()} is never a failure: it never triggers a restart and
 * cancels a pending one; an operator's {@code start()} or {@code restart()} also cancels a pending restart and
 * begins afresh (backoff and crash-loop count reset, a give-up lifted).
 */
public final class SupervisionPolicy {

    /** What to do when the managed server exits without being asked to (key {@value #RESTART}). */
    public enum Restart {
        /** Never restart automatically (the default): a crash is reported and the server stays down. */
        NEVER("never"),
        /**
         * Restart after an exit whose code is not one of {@code successExitCodes} or is unknown (signals included),
         * not after a clean exit.
         */
        ON_FAILURE("on-failure"),
        /** Restart after every exit that no stop asked for, exit code 0 included. */
        ALWAYS("always");

        private final String text;

        Restart(String text) {
            this.text = text;
        }

        /** The name the agent's {@code restart} key gives it: {@code never}, {@code on-failure} or {@code always}. */
        public String text() {
            return text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    // the keys that name each value in InvalidOptionException, in toString() and in the agent's arguments
    public static final String RESTART = "restart";
    public static final String RESTART_DELAY = "restartDelay";
    public static final String RESTART_MAX_DELAY = "restartMaxDelay";
    public static final String RESTART_RESET_AFTER = "restartResetAfter";
    public static final String RESTART_LIMIT = "restartLimit";
    public static final String RESTART_WINDOW = "restartWindow";
    public static final String UNHEALTHY_THRESHOLD = "unhealthyThreshold";
    public static final String RESTART_ON_UNHEALTHY = "restartOnUnhealthy";
    public static final String SUCCESS_EXIT_CODES = "successExitCodes";
    public static final String MAX_MEMORY = "maxMemory";

    public static final Restart DEFAULT_RESTART = Restart.NEVER;
    public static final Duration DEFAULT_RESTART_DELAY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RESTART_MAX_DELAY = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RESTART_RESET_AFTER = Duration.ofSeconds(60);
    public static final int DEFAULT_RESTART_LIMIT = 5;
    public static final Duration DEFAULT_RESTART_WINDOW = Duration.ofSeconds(60);
    public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;
    public static final boolean DEFAULT_RESTART_ON_UNHEALTHY = false;
    /** Exit code 0 alone counts as a clean exit. */
    public static final Set<Integer> DEFAULT_SUCCESS_EXIT_CODES = Set.of(0);
    /** No memory limit. */
    public static final long DEFAULT_MAX_MEMORY = 0;
    /** The highest exit code a process can report. */
    public static final int MAX_EXIT_CODE = 255;

    /** The longest duration any key accepts: {@value} ms (about 24.8 days), so that every delay fits an int. */
    public static final long MAX_DURATION_MILLIS = Integer.MAX_VALUE;

    /** Every key at its default: no automatic restarts, UNHEALTHY after 3 failed checks. */
    public static final SupervisionPolicy DEFAULT = builder().build();

    private final Restart restart;
    private final Duration restartDelay;
    private final Duration restartMaxDelay;
    private final Duration restartResetAfter;
    private final int restartLimit;
    private final Duration restartWindow;
    private final int unhealthyThreshold;
    private final boolean restartOnUnhealthy;
    private final SortedSet<Integer> successExitCodes;
    private final long maxMemory;

    private SupervisionPolicy(Builder b) {
        this.restart = b.restart;
        this.restartDelay = b.restartDelay;
        this.restartMaxDelay = b.restartMaxDelay;
        this.restartResetAfter = b.restartResetAfter;
        this.restartLimit = b.restartLimit;
        this.restartWindow = b.restartWindow;
        this.unhealthyThreshold = b.unhealthyThreshold;
        this.restartOnUnhealthy = b.restartOnUnhealthy;
        this.successExitCodes = Collections.unmodifiableSortedSet(new TreeSet<>(b.successExitCodes));
        this.maxMemory = b.maxMemory;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this policy's values. */
    public Builder toBuilder() {
        return new Builder().restart(restart).restartDelay(restartDelay).restartMaxDelay(restartMaxDelay)
                .restartResetAfter(restartResetAfter).restartLimit(restartLimit).restartWindow(restartWindow)
                .unhealthyThreshold(unhealthyThreshold).restartOnUnhealthy(restartOnUnhealthy)
                .successExitCodes(successExitCodes).maxMemory(maxMemory);
    }

    public Restart restart() {
        return restart;
    }

    public Duration restartDelay() {
        return restartDelay;
    }

    public Duration restartMaxDelay() {
        return restartMaxDelay;
    }

    public Duration restartResetAfter() {
        return restartResetAfter;
    }

    public int restartLimit() {
        return restartLimit;
    }

    public Duration restartWindow() {
        return restartWindow;
    }

    public int unhealthyThreshold() {
        return unhealthyThreshold;
    }

    public boolean restartOnUnhealthy() {
        return restartOnUnhealthy;
    }

    /** The exit codes that count as a clean exit, in ascending order (unmodifiable; at least one). */
    public Set<Integer> successExitCodes() {
        return successExitCodes;
    }

    /** The memory limit in bytes of the server's process tree (resident set); 0 when there is none. */
    public long maxMemory() {
        return maxMemory;
    }

    /**
     * Whether anything is ever restarted automatically ({@code restart} is not never, restartOnUnhealthy, or a
     * memory limit).
     */
    public boolean restartsAnything() {
        return restart != Restart.NEVER || restartOnUnhealthy || maxMemory > 0;
    }

    /**
     * Whether an exit with this code is a clean one: the code is known and one of {@code successExitCodes}.
     *
     * @param exitCode empty when unknown
     */
    public boolean isSuccessExit(OptionalInt exitCode) {
        return exitCode.isPresent() && successExitCodes.contains(exitCode.getAsInt());
    }

    /** {@code successExitCodes} as the agent writes it: the codes in ascending order, separated by {@code ;}. */
    public String successExitCodesText() {
        StringBuilder sb = new StringBuilder();
        for (Integer code : successExitCodes) {
            sb.append(sb.length() == 0 ? "" : ";").append(code);
        }
        return sb.toString();
    }

    /**
     * Whether a crash with this exit code is restarted: never for {@code never}; always for {@code always}; for
     * {@code on-failure} unless it is a clean exit ({@link #isSuccessExit}).
     *
     * @param exitCode empty when unknown
     */
    public boolean restartsAfterExit(OptionalInt exitCode) {
        switch (restart) {
            case ALWAYS:
                return true;
            case ON_FAILURE:
                return !isSuccessExit(exitCode);
            case NEVER:
            default:
                return false;
        }
    }

    /**
     * The backoff delay of restart attempt {@code attempt} (1 for the first after a reset): {@code restartDelay}
     * doubled {@code attempt - 1} times, at most {@code restartMaxDelay}.
     */
    public Duration delayOfAttempt(int attempt) {
        long max = restartMaxDelay.toMillis();
        long d = restartDelay.toMillis();
        for (int i = 1; i < attempt && d < max; i++) {
            d *= 2; // both at most MAX_DURATION_MILLIS: no overflow
        }
        return Duration.ofMillis(Math.min(d, max));
    }

    /** The values as {@code key=value} pairs, durations in milliseconds (the agent's text form). */
    @Override
    public String toString() {
        return RESTART + "=" + restart + ", " + RESTART_DELAY + "=" + restartDelay.toMillis() + ", "
                + RESTART_MAX_DELAY + "=" + restartMaxDelay.toMillis() + ", " + RESTART_RESET_AFTER + "="
                + restartResetAfter.toMillis() + ", " + RESTART_LIMIT + "=" + restartLimit + ", " + RESTART_WINDOW
                + "=" + restartWindow.toMillis() + ", " + UNHEALTHY_THRESHOLD + "=" + unhealthyThreshold + ", "
                + RESTART_ON_UNHEALTHY + "=" + restartOnUnhealthy + ", " + SUCCESS_EXIT_CODES + "="
                + successExitCodesText() + ", " + MAX_MEMORY + "=" + maxMemory;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SupervisionPolicy)) {
            return false;
        }
        SupervisionPolicy p = (SupervisionPolicy) o;
        return restart == p.restart && restartDelay.equals(p.restartDelay) && restartMaxDelay.equals(p.restartMaxDelay)
                && restartResetAfter.equals(p.restartResetAfter) && restartLimit == p.restartLimit
                && restartWindow.equals(p.restartWindow) && unhealthyThreshold == p.unhealthyThreshold
                && restartOnUnhealthy == p.restartOnUnhealthy && successExitCodes.equals(p.successExitCodes)
                && maxMemory == p.maxMemory;
    }

    @Override
    public int hashCode() {
        return Objects.hash(restart, restartDelay, restartMaxDelay, restartResetAfter, restartLimit, restartWindow,
                unhealthyThreshold, restartOnUnhealthy, successExitCodes, maxMemory);
    }

    /**
     * Collects values; {@link #build()} validates them. Every value starts at its default. Not thread-safe. No lambdas
     * or streams: the agent may use it in {@code premain}.
     */
    public static final class Builder {
        // package-private: SupervisionPolicyValidation reads them
        Restart restart = DEFAULT_RESTART;
        Duration restartDelay = DEFAULT_RESTART_DELAY;
        Duration restartMaxDelay = DEFAULT_RESTART_MAX_DELAY;
        Duration restartResetAfter = DEFAULT_RESTART_RESET_AFTER;
        int restartLimit = DEFAULT_RESTART_LIMIT;
        Duration restartWindow = DEFAULT_RESTART_WINDOW;
        int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;
        boolean restartOnUnhealthy = DEFAULT_RESTART_ON_UNHEALTHY;
        Collection<Integer> successExitCodes = DEFAULT_SUCCESS_EXIT_CODES;
        long maxMemory = DEFAULT_MAX_MEMORY;

        private Builder() {
        }

        public Builder restart(Restart restart) {
            this.restart = restart;
            return this;
        }

        public Builder restartDelay(Duration delay) {
            this.restartDelay = delay;
            return this;
        }

        public Builder restartMaxDelay(Duration delay) {
            this.restartMaxDelay = delay;
            return this;
        }

        public Builder restartResetAfter(Duration after) {
            this.restartResetAfter = after;
            return this;
        }

        public Builder restartLimit(int limit) {
            this.restartLimit = limit;
            return this;
        }

        public Builder restartWindow(Duration window) {
            this.restartWindow = window;
            return this;
        }

        public Builder unhealthyThreshold(int threshold) {
            this.unhealthyThreshold = threshold;
            return this;
        }

        public Builder restartOnUnhealthy(boolean restart) {
            this.restartOnUnhealthy = restart;
            return this;
        }

        /**
         * The exit codes (each 0..255, at least one) that count as a clean exit; copied. Default: 0 alone.
         */
        public Builder successExitCodes(Collection<Integer> codes) {
            this.successExitCodes = codes == null ? null
                    : new TreeSet<>(SupervisionPolicyValidation.requireNoNull(codes));
            return this;
        }

        /** The exit codes (each 0..255, at least one) that count as a clean exit. Default: 0 alone. */
        public Builder successExitCodes(int... codes) {
            TreeSet<Integer> set = new TreeSet<>();
            for (int c : codes) {
                set.add(c);
            }
            this.successExitCodes = set;
            return this;
        }

        /** The memory limit of the server's process tree in bytes (resident set); 0 turns it off (the default). */
        public Builder maxMemory(long bytes) {
            this.maxMemory = bytes;
            return this;
        }

        /**
         * Validates and freezes the values.
         *
         * @throws InvalidOptionException for the first bad value: its key, the value as quoted (durations as
         *         {@code N ms}) and the reason ({@code invalid <key> '<value>': <reason>})
         */
        public SupervisionPolicy build() {
            SupervisionPolicyValidation.validate(this);
            return new SupervisionPolicy(this);
        }
    }
}
