package dev.omega.sessionserver.jmx;

import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The backoff and crash-loop bookkeeping of one supervised server, with times (milliseconds on a monotonic clock)
 * given by the caller, so that it can be tested without waiting. Not thread-safe: {@link Supervisor} guards it.
 *
 * <ul>
 * <li>Backoff: attempt {@code n} since the last reset waits {@link SupervisionPolicy#delayOfAttempt(int)}.</li>
 * <li>Reset: once the server has been seen healthy without a break for {@code restartResetAfter}, the next failure
 * is attempt 1 again.</li>
 * <li>Crash-loop limit: when the attempt being planned would be the ({@code restartLimit}+1)th within
 * {@code restartWindow} (counted back from the time it would run), the plan is to give up.</li>
 * </ul>
 */
final class RestartBudget {

    /** What to do about one failure. */
    static final class Plan {
        /** True: do not restart (the limit is reached). */
        final boolean giveUp;
        /** The attempt's number since the last reset (1 for the first); for a give-up, the one refused. */
        final int attempt;
        /** How long to wait before the attempt. */
        final long delayMillis;
        /** Attempts already made within the window that ends when this one would run. */
        final int attemptsInWindow;

        Plan(boolean giveUp, int attempt, long delayMillis, int attemptsInWindow) {
            this.giveUp = giveUp;
            this.attempt = attempt;
            this.delayMillis = delayMillis;
            this.attemptsInWindow = attemptsInWindow;
        }

        @Override
        public String toString() {
            return giveUp ? "give up (" + attemptsInWindow + " attempts in the window)"
                    : "attempt " + attempt + " in " + delayMillis + " ms (" + attemptsInWindow + " in the window)";
        }
    }

    private final SupervisionPolicy policy;
    /** When the attempts still inside some future window were made, oldest first. */
    private final ArrayDeque<Long> attempts = new ArrayDeque<>();
    private int consecutive;
    private long healthySince = Long.MIN_VALUE;
    private boolean healthyKnown;

    RestartBudget(SupervisionPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** The plan for a failure at {@code now}: the next attempt with its delay, or a give-up. Changes nothing. */
    Plan plan(long now) {
        int attempt = consecutive + 1;
        long delay = policy.delayOfAttempt(attempt).toMillis();
        long windowStart = now + delay - policy.restartWindow().toMillis();
        while (!attempts.isEmpty() && attempts.peekFirst() <= windowStart) {
            attempts.removeFirst(); // times only grow: what left one window never counts again
        }
        int inWindow = attempts.size();
        if (inWindow >= policy.restartLimit()) {
            return new Plan(true, attempt, 0, inWindow);
        }
        return new Plan(false, attempt, delay, inWindow);
    }

    /** Records that an attempt began at {@code now}. */
    void attempted(long now) {
        consecutive++;
        attempts.addLast(now);
        healthyKnown = false;
    }

    /**
     * Records one health observation of the live server.
     *
     * @return true when this observation reset the backoff (healthy without a break for restartResetAfter)
     */
    boolean observed(boolean healthy, long now) {
        if (!healthy) {
            healthyKnown = false;
            return false;
        }
        if (!healthyKnown) {
            healthyKnown = true;
            healthySince = now;
        }
        if (consecutive > 0 && now - healthySince >= policy.restartResetAfter().toMillis()) {
            consecutive = 0;
            return true;
        }
        return false;
    }

    /** Forgets everything (an operator started or stopped the server). */
    void clear() {
        consecutive = 0;
        attempts.clear();
        healthyKnown = false;
    }

    /** Attempts since the last reset. */
    int consecutiveAttempts() {
        return consecutive;
    }
}
