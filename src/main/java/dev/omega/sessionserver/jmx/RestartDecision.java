package dev.omega.sessionserver.jmx;

/**
 * What a {@link Supervisor} decided about one failure (a crash, failed health checks, a memory limit, a failed
 * restart attempt): the decision in words (what notifications and log lines end with, e.g.
 * {@code restarting in 400 ms (attempt 2)}), whether a restart was scheduled, and, when it gave up, the crash-loop
 * plan that made it and the failure's cause (for the {@code gave-up} notification). Immutable.
 */
final class RestartDecision {
    /** The decision in words. */
    final String text;
    /** The plan that reached the crash-loop limit; null unless it gave up. */
    final RestartBudget.Plan gaveUp;
    /** The failure that made it give up; null unless it gave up. */
    final String cause;
    /** Whether a restart was scheduled. */
    final boolean scheduled;

    /** Nothing scheduled and no give-up: {@code text} says why. */
    RestartDecision(String text) {
        this(text, null, null, false);
    }

    RestartDecision(String text, RestartBudget.Plan gaveUp, String cause, boolean scheduled) {
        this.text = text;
        this.gaveUp = gaveUp;
        this.cause = cause;
        this.scheduled = scheduled;
    }
}
