package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Backoff, reset and crash-loop limit on a clock the test sets (no processes, no waiting). */
class RestartBudgetTest {

    private static SupervisionPolicy policy(int limit, long windowMillis) {
        return SupervisionPolicy.builder().restart(SupervisionPolicy.Restart.ALWAYS)
                .restartDelay(Duration.ofMillis(100)).restartMaxDelay(Duration.ofMillis(800))
                .restartResetAfter(Duration.ofMillis(5_000)).restartLimit(limit)
                .restartWindow(Duration.ofMillis(windowMillis)).build();
    }

    /** Fails right after each attempt: the delays double up to the maximum, then the limit gives up. */
    @Test
    void aCrashLoopBacksOffThenGivesUpAfterTheLimit() {
        RestartBudget budget = new RestartBudget(policy(5, 60_000));
        long now = 1_000_000;
        List<Long> delays = new ArrayList<>();
        RestartBudget.Plan plan;
        while (!(plan = budget.plan(now)).giveUp) {
            assertEquals(delays.size() + 1, plan.attempt);
            assertEquals(delays.size(), plan.attemptsInWindow);
            delays.add(plan.delayMillis);
            now += plan.delayMillis;
            budget.attempted(now);
            now += 50; // the restarted server fails soon after
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 800L), delays, "five restarts allowed, a sixth is 'more than 5'");
        assertEquals(5, plan.attemptsInWindow);
        assertEquals(6, plan.attempt);
    }

    @Test
    void attemptsOlderThanTheWindowNoLongerCount() {
        RestartBudget budget = new RestartBudget(policy(2, 10_000));
        budget.attempted(0);
        budget.attempted(1_000);
        RestartBudget.Plan plan = budget.plan(2_000);
        assertTrue(plan.giveUp, "two restarts within 10 s: a third is one too many");
        // the window is counted back from when the attempt would run: at 9_700 + 400 ms the first has left it
        plan = budget.plan(9_700);
        assertFalse(plan.giveUp, plan.toString());
        assertEquals(400, plan.delayMillis);
        assertEquals(1, plan.attemptsInWindow);
    }

    @Test
    void stayingHealthyForResetAfterResetsTheBackoffButNotTheWindow() {
        RestartBudget budget = new RestartBudget(policy(5, 60_000));
        budget.attempted(0);
        budget.attempted(200);
        assertEquals(400, budget.plan(300).delayMillis);

        assertFalse(budget.observed(true, 1_000));
        assertFalse(budget.observed(true, 5_999), "healthy for 4999 ms: not yet");
        assertFalse(budget.observed(false, 6_000), "a failed check breaks the streak");
        assertFalse(budget.observed(true, 6_100));
        assertFalse(budget.observed(true, 11_000));
        assertTrue(budget.observed(true, 11_100), "healthy for 5000 ms without a break");
        assertEquals(0, budget.consecutiveAttempts());
        RestartBudget.Plan plan = budget.plan(12_000);
        assertEquals(1, plan.attempt);
        assertEquals(100, plan.delayMillis, "back to restartDelay");
        assertEquals(2, plan.attemptsInWindow, "the crash-loop window still holds both attempts");
        assertFalse(budget.observed(true, 20_000), "nothing left to reset");
    }

    @Test
    void clearForgetsEverything() {
        RestartBudget budget = new RestartBudget(policy(1, 60_000));
        budget.attempted(0);
        assertTrue(budget.plan(10).giveUp);
        budget.clear();
        RestartBudget.Plan plan = budget.plan(20);
        assertFalse(plan.giveUp);
        assertEquals(1, plan.attempt);
        assertEquals(0, plan.attemptsInWindow);
    }
    @Test
    void anAttemptExactlyAWindowBeforeThePlannedOneNoLongerCounts() {
        RestartBudget budget = new RestartBudget(policy(1, 1_000));
        budget.attempted(0);
        assertEquals(1, budget.consecutiveAttempts());

        // the next attempt (delay 200) would run at 1000: the window (0, 1000] no longer holds the one at 0
        RestartBudget.Plan plan = budget.plan(800);
        assertFalse(plan.giveUp, plan.toString());
        assertEquals(0, plan.attemptsInWindow);
        assertEquals("attempt 2 in 200 ms (0 in the window)", plan.toString());

        RestartBudget again = new RestartBudget(policy(1, 1_000));
        again.attempted(0);
        RestartBudget.Plan refused = again.plan(799); // would run at 999: the one at 0 is inside
        assertTrue(refused.giveUp);
        assertEquals("give up (1 attempts in the window)", refused.toString());
    }
}
