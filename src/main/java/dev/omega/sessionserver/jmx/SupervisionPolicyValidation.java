package dev.omega.sessionserver.jmx;

import java.time.Duration;
import java.util.Collection;

import dev.omega.sessionserver.process.InvalidOptionException;

/**
 * The range checks of a {@link SupervisionPolicy.Builder}'s values, made by {@link SupervisionPolicy.Builder#build()}
 * before it freezes them: each refusal is an {@link InvalidOptionException} naming the key, quoting the value
 * (durations as {@code N ms}) and giving the reason. Stateless; no lambdas or streams (the agent may build a policy in
 * {@code premain}).
 */
final class SupervisionPolicyValidation {

    private SupervisionPolicyValidation() {
    }

    /**
     * Checks every value of {@code b}, in key order: restart given; durations between 1 ms and
     * {@link SupervisionPolicy#MAX_DURATION_MILLIS} ms with restartMaxDelay at least restartDelay; restartLimit and
     * unhealthyThreshold 1 or more; at least one success exit code, each 0..{@link SupervisionPolicy#MAX_EXIT_CODE};
     * maxMemory 0 or more.
     *
     * @throws InvalidOptionException for the first bad value
     */
    static void validate(SupervisionPolicy.Builder b) {
        if (b.restart == null) {
            throw bad(SupervisionPolicy.RESTART, null, "must be never, on-failure or always");
        }
        requireDuration(SupervisionPolicy.RESTART_DELAY, b.restartDelay);
        requireDuration(SupervisionPolicy.RESTART_MAX_DELAY, b.restartMaxDelay);
        if (b.restartMaxDelay.compareTo(b.restartDelay) < 0) {
            throw bad(SupervisionPolicy.RESTART_MAX_DELAY, b.restartMaxDelay.toMillis() + " ms", "must be at least "
                    + SupervisionPolicy.RESTART_DELAY + " (" + b.restartDelay.toMillis() + " ms)");
        }
        requireDuration(SupervisionPolicy.RESTART_RESET_AFTER, b.restartResetAfter);
        if (b.restartLimit < 1) {
            throw bad(SupervisionPolicy.RESTART_LIMIT, b.restartLimit,
                    "must be 1 or more (restart=never turns restarts off)");
        }
        requireDuration(SupervisionPolicy.RESTART_WINDOW, b.restartWindow);
        if (b.unhealthyThreshold < 1) {
            throw bad(SupervisionPolicy.UNHEALTHY_THRESHOLD, b.unhealthyThreshold, "must be 1 or more");
        }
        if (b.successExitCodes == null || b.successExitCodes.isEmpty()) {
            throw bad(SupervisionPolicy.SUCCESS_EXIT_CODES, b.successExitCodes == null ? null : "",
                    "must name at least one exit code (0.." + SupervisionPolicy.MAX_EXIT_CODE + ")");
        }
        for (Integer c : b.successExitCodes) {
            if (c < 0 || c > SupervisionPolicy.MAX_EXIT_CODE) {
                throw bad(SupervisionPolicy.SUCCESS_EXIT_CODES, c,
                        "an exit code must be between 0 and " + SupervisionPolicy.MAX_EXIT_CODE);
            }
        }
        if (b.maxMemory < 0) {
            throw bad(SupervisionPolicy.MAX_MEMORY, b.maxMemory, "must be 0 (off) or a number of bytes");
        }
    }

    /**
     * {@code codes} itself when none of its elements is null (checked when the builder is given them).
     *
     * @throws InvalidOptionException for {@code successExitCodes} when one is null
     */
    static Collection<Integer> requireNoNull(Collection<Integer> codes) {
        for (Integer c : codes) {
            if (c == null) {
                throw bad(SupervisionPolicy.SUCCESS_EXIT_CODES, codes, "must not contain null");
            }
        }
        return codes;
    }

    private static void requireDuration(String key, Duration d) {
        if (d == null) {
            throw bad(key, null, "must be given");
        }
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            throw bad(key, millisText(d), "must be at least 1 ms");
        }
        if (d.compareTo(Duration.ofMillis(SupervisionPolicy.MAX_DURATION_MILLIS)) > 0) {
            throw bad(key, millisText(d), "must be at most " + SupervisionPolicy.MAX_DURATION_MILLIS + " ms");
        }
    }

    /** A duration as {@code N ms}, or in ISO form when it has too many milliseconds for a long. */
    private static String millisText(Duration d) {
        try {
            return d.toMillis() + " ms";
        } catch (ArithmeticException e) {
            return d.toString();
        }
    }

    private static InvalidOptionException bad(String key, Object value, String why) {
        return new InvalidOptionException(key, value, why);
    }
}
