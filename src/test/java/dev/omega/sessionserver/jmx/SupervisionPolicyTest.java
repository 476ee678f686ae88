package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.InvalidOptionException;

/** The policy's defaults, its typed setters and its validation, table-driven (the text form is the agent's). */
class SupervisionPolicyTest {

    @Test
    void defaultsAreTheIssuesAndNeverRestart() {
        SupervisionPolicy p = SupervisionPolicy.DEFAULT;
        assertEquals(Restart.NEVER, p.restart());
        assertEquals(Duration.ofSeconds(1), p.restartDelay());
        assertEquals(Duration.ofSeconds(30), p.restartMaxDelay());
        assertEquals(Duration.ofSeconds(60), p.restartResetAfter());
        assertEquals(5, p.restartLimit());
        assertEquals(Duration.ofSeconds(60), p.restartWindow());
        assertEquals(3, p.unhealthyThreshold());
        assertFalse(p.restartOnUnhealthy());
        assertEquals(Set.of(0), p.successExitCodes());
        assertEquals(0, p.maxMemory());
        assertFalse(p.restartsAnything());
        assertEquals(p, SupervisionPolicy.builder().build());
        assertEquals(p, p.toBuilder().build());
        assertEquals("restart=never, restartDelay=1000, restartMaxDelay=30000, restartResetAfter=60000,"
                + " restartLimit=5, restartWindow=60000, unhealthyThreshold=3, restartOnUnhealthy=false,"
                + " successExitCodes=0, maxMemory=0", p.toString());
        assertTrue(p.isSuccessExit(OptionalInt.of(0)));
        assertFalse(p.isSuccessExit(OptionalInt.of(3)));
        assertFalse(p.isSuccessExit(OptionalInt.empty()), "an unknown exit code is never clean");
    }

    @Test
    void everyValueHasATypedSetter() {
        SupervisionPolicy p = SupervisionPolicy.builder().restart(Restart.ON_FAILURE)
                .restartDelay(Duration.ofMillis(250)).restartMaxDelay(Duration.ofMillis(4000))
                .restartResetAfter(Duration.ofMillis(9000)).restartLimit(7).restartWindow(Duration.ofMillis(120000))
                .unhealthyThreshold(2).restartOnUnhealthy(true).successExitCodes(3, 0, 3).maxMemory(64L << 20).build();
        assertEquals(Restart.ON_FAILURE, p.restart());
        assertEquals(Duration.ofMillis(250), p.restartDelay());
        assertEquals(Duration.ofMillis(4000), p.restartMaxDelay());
        assertEquals(Duration.ofMillis(9000), p.restartResetAfter());
        assertEquals(7, p.restartLimit());
        assertEquals(Duration.ofMillis(120000), p.restartWindow());
        assertEquals(2, p.unhealthyThreshold());
        assertTrue(p.restartOnUnhealthy());
        assertEquals(List.of(0, 3), new ArrayList<>(p.successExitCodes()));
        assertEquals(64L << 20, p.maxMemory());
        assertTrue(p.restartsAnything());
        assertEquals(p, p.toBuilder().build());
        assertEquals("restart=on-failure, restartDelay=250, restartMaxDelay=4000, restartResetAfter=9000,"
                + " restartLimit=7, restartWindow=120000, unhealthyThreshold=2, restartOnUnhealthy=true,"
                + " successExitCodes=0;3, maxMemory=67108864", p.toString());
        // on-failure leaves a success exit code alone, restarts any other and an unknown one
        assertFalse(p.restartsAfterExit(OptionalInt.of(3)));
        assertFalse(p.restartsAfterExit(OptionalInt.of(0)));
        assertTrue(p.restartsAfterExit(OptionalInt.of(4)));
        assertTrue(p.restartsAfterExit(OptionalInt.empty()));
        assertEquals(Set.of(1), SupervisionPolicy.builder().successExitCodes(List.of(1)).build().successExitCodes());
        assertTrue(SupervisionPolicy.builder().maxMemory(1).build().restartsAnything(), "a memory limit restarts");
        assertEquals(Restart.ALWAYS, SupervisionPolicy.builder().restart(Restart.ALWAYS).build().restart());
        assertEquals(List.of("never", "on-failure", "always"),
                Stream.of(Restart.values()).map(Restart::text).toList());
        for (Restart r : Restart.values()) {
            assertEquals(r.text(), r.toString());
        }
    }

    /** Range checks of build(): the text form's syntax is the agent's (AgentValueParserTest). */
    static Stream<Arguments> badRanges() {
        return Stream.of(
                range(b -> b.restartDelay(Duration.ZERO), "restartDelay", "0 ms", "must be at least 1 ms"),
                range(b -> b.restartDelay(Duration.ofMillis(-5)), "restartDelay", "-5 ms", "must be at least 1 ms"),
                range(b -> b.restartDelay(Duration.ofMillis(2147483648L)), "restartDelay", "2147483648 ms",
                        "must be at most 2147483647 ms"),
                range(b -> b.restartMaxDelay(Duration.ofMillis(500)), "restartMaxDelay", "500 ms",
                        "must be at least restartDelay (1000 ms)"),
                range(b -> b.restartResetAfter(Duration.ZERO), "restartResetAfter", "0 ms", "must be at least 1 ms"),
                range(b -> b.restartLimit(0), "restartLimit", "0",
                        "must be 1 or more (restart=never turns restarts off)"),
                range(b -> b.restartWindow(Duration.ofMillis(-1)), "restartWindow", "-1 ms", "must be at least 1 ms"),
                range(b -> b.unhealthyThreshold(0), "unhealthyThreshold", "0", "must be 1 or more"),
                range(b -> b.successExitCodes(0, 256), "successExitCodes", "256",
                        "an exit code must be between 0 and 255"),
                range(b -> b.successExitCodes(-1), "successExitCodes", "-1", "an exit code must be between 0 and 255"),
                range(b -> b.successExitCodes(), "successExitCodes", "",
                        "must name at least one exit code (0..255)"),
                range(b -> b.maxMemory(-1), "maxMemory", "-1", "must be 0 (off) or a number of bytes"));
    }

    private static Arguments range(UnaryOperator<SupervisionPolicy.Builder> set, String key, String value,
            String reason) {
        return Arguments.of(set, key, value, reason);
    }

    /** Each bad value is refused by build() with its key, its value as quoted and the reason, in one line. */
    @ParameterizedTest(name = "{1} {2}")
    @MethodSource("badRanges")
    void badValuesCarryTheKeyTheValueAndTheReason(UnaryOperator<SupervisionPolicy.Builder> set, String key,
            String value, String reason) {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> set.apply(SupervisionPolicy.builder()).build());
        assertEquals(key, e.key());
        assertEquals(value, e.value());
        assertEquals(reason, e.reason());
        assertEquals("invalid " + key + " '" + value + "': " + reason, e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    static Stream<Arguments> badBuilderValues() {
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of((UnaryOperator<SupervisionPolicy.Builder>) b -> b.restart(null),
                "invalid restart 'null': must be never, on-failure or always"));
        cases.add(Arguments.of((UnaryOperator<SupervisionPolicy.Builder>) b -> b.restartDelay(null),
                "invalid restartDelay 'null': must be given"));
        cases.add(Arguments.of(
                (UnaryOperator<SupervisionPolicy.Builder>) b -> b.restartDelay(Duration.ofNanos(999_999)),
                "invalid restartDelay '0 ms': must be at least 1 ms"));
        cases.add(Arguments.of((UnaryOperator<SupervisionPolicy.Builder>) b -> b.restartWindow(Duration.ofDays(30)),
                "invalid restartWindow '2592000000 ms': must be at most 2147483647 ms"));
        cases.add(Arguments.of((UnaryOperator<SupervisionPolicy.Builder>) b -> b.restartDelay(Duration.ofSeconds(40)),
                "invalid restartMaxDelay '30000 ms': must be at least restartDelay (40000 ms)"));
        cases.add(Arguments.of((UnaryOperator<SupervisionPolicy.Builder>) b -> b.restartResetAfter(Duration.ZERO),
                "invalid restartResetAfter '0 ms': must be at least 1 ms"));
        cases.add(Arguments.of((UnaryOperator<SupervisionPolicy.Builder>) b -> b.restartLimit(-1),
                "invalid restartLimit '-1': must be 1 or more (restart=never turns restarts off)"));
        cases.add(Arguments.of((UnaryOperator<SupervisionPolicy.Builder>) b -> b.unhealthyThreshold(-3),
                "invalid unhealthyThreshold '-3': must be 1 or more"));
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("badBuilderValues")
    void badBuilderValuesNameTheKey(UnaryOperator<SupervisionPolicy.Builder> tweak, String message) {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> tweak.apply(SupervisionPolicy.builder()).build());
        assertEquals(message, e.getMessage());
        assertEquals(message, "invalid " + e.key() + " '" + e.value() + "': " + e.reason());
    }

    @Test
    void backoffDoublesUpToTheMaximum() {
        SupervisionPolicy p = SupervisionPolicy.DEFAULT;
        List<Long> delays = new ArrayList<>();
        for (int attempt = 1; attempt <= 8; attempt++) {
            delays.add(p.delayOfAttempt(attempt).toMillis());
        }
        assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L), delays);
        SupervisionPolicy huge = SupervisionPolicy.builder().restartDelay(Duration.ofMillis(Integer.MAX_VALUE))
                .restartMaxDelay(Duration.ofMillis(Integer.MAX_VALUE)).build();
        assertEquals(Integer.MAX_VALUE, huge.delayOfAttempt(Integer.MAX_VALUE).toMillis(), "no overflow");
        SupervisionPolicy same = SupervisionPolicy.builder().restartDelay(Duration.ofMillis(300))
                .restartMaxDelay(Duration.ofMillis(300)).build();
        assertEquals(300, same.delayOfAttempt(5).toMillis());
    }

    static Stream<Arguments> whatIsRestarted() {
        OptionalInt unknown = OptionalInt.empty();
        OptionalInt clean = OptionalInt.of(0);
        OptionalInt failure = OptionalInt.of(3);
        OptionalInt killed = OptionalInt.of(137);
        return Stream.of(
                Arguments.of(Restart.NEVER, unknown, false), Arguments.of(Restart.NEVER, clean, false),
                Arguments.of(Restart.NEVER, failure, false), Arguments.of(Restart.NEVER, killed, false),
                Arguments.of(Restart.ON_FAILURE, unknown, true), Arguments.of(Restart.ON_FAILURE, clean, false),
                Arguments.of(Restart.ON_FAILURE, failure, true), Arguments.of(Restart.ON_FAILURE, killed, true),
                Arguments.of(Restart.ALWAYS, unknown, true), Arguments.of(Restart.ALWAYS, clean, true),
                Arguments.of(Restart.ALWAYS, failure, true), Arguments.of(Restart.ALWAYS, killed, true));
    }

    @ParameterizedTest(name = "restart={0}, exit {1}: {2}")
    @MethodSource("whatIsRestarted")
    void onFailureRestartsNonZeroSignalAndUnknownExitsAlwaysAlsoCleanOnes(Restart restart, OptionalInt exitCode,
            boolean restarted) {
        assertEquals(restarted, SupervisionPolicy.builder().restart(restart).build().restartsAfterExit(exitCode));
    }

    @Test
    void exitCodesAbove128AreSignals() {
        assertEquals("exit code unknown", ServerExitStatus.describe(OptionalInt.empty()));
        assertEquals("exit code 0", ServerExitStatus.describe(OptionalInt.of(0)));
        assertEquals("exit code 128", ServerExitStatus.describe(OptionalInt.of(128)));
        assertEquals("signal 9 (exit code 137)", ServerExitStatus.describe(OptionalInt.of(137)));
        assertEquals("signal 15 (exit code 143)", ServerExitStatus.describe(OptionalInt.of(143)));
        assertEquals("exit code 255", ServerExitStatus.describe(OptionalInt.of(255)));
        assertEquals(-1, ServerExitStatus.signal(1));
        assertEquals(6, ServerExitStatus.signal(134));
    }
    @Test
    void theEdgesOfEveryRangeAreAccepted() {
        Duration max = Duration.ofMillis(SupervisionPolicy.MAX_DURATION_MILLIS);
        SupervisionPolicy p = SupervisionPolicy.builder().restartDelay(Duration.ofMillis(1)).restartMaxDelay(max)
                .restartResetAfter(Duration.ofMillis(1)).restartLimit(1).restartWindow(max).unhealthyThreshold(1)
                .successExitCodes(0, SupervisionPolicy.MAX_EXIT_CODE).maxMemory(0).build();
        assertEquals(Set.of(0, SupervisionPolicy.MAX_EXIT_CODE), p.successExitCodes());
        assertEquals(max, p.restartMaxDelay());
        InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> SupervisionPolicy.builder()
                .restartMaxDelay(max.plusMillis(1)).build());
        assertEquals("restartMaxDelay", e.key(), "checked on its own, not only against restartDelay");
    }

    @Test
    void policiesDifferingInOneValueAreNotEqual() {
        SupervisionPolicy base = SupervisionPolicy.builder().restart(Restart.ALWAYS).build();
        List<SupervisionPolicy> others = List.of(base.toBuilder().restart(Restart.ON_FAILURE).build(),
                base.toBuilder().restartDelay(Duration.ofMillis(999)).build(),
                base.toBuilder().restartMaxDelay(Duration.ofMillis(30_001)).build(),
                base.toBuilder().restartResetAfter(Duration.ofMillis(59_999)).build(),
                base.toBuilder().restartLimit(6).build(), base.toBuilder().restartWindow(Duration.ofMillis(1)).build(),
                base.toBuilder().unhealthyThreshold(4).build(), base.toBuilder().restartOnUnhealthy(true).build(),
                base.toBuilder().successExitCodes(0, 3).build(), base.toBuilder().maxMemory(1).build());
        for (SupervisionPolicy other : others) {
            assertFalse(base.equals(other), other::toString);
        }
        assertEquals(base, base.toBuilder().build());
        assertEquals(base.hashCode(), base.toBuilder().build().hashCode());
        assertFalse(base.equals("restart=always"));
    }
}
