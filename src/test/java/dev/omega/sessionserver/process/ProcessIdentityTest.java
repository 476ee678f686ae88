package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.testing.Procs;

/** What makes a PID one particular process: exact start ticks and boot id, else start times within a second. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessIdentityTest {

    private static final ProcessIdentity RECORDED = new ProcessIdentity(4242, 777, "boot-1", 1_700_000_000_000L);

    static Stream<Arguments> comparisons() {
        long millis = RECORDED.startEpochMillis();
        return Stream.of(
                Arguments.of("the same ticks and boot", new ProcessIdentity(4242, 777, "boot-1", millis + 5000), true),
                Arguments.of("other ticks", new ProcessIdentity(4242, 778, "boot-1", millis), false),
                Arguments.of("another boot", new ProcessIdentity(4242, 777, "boot-2", millis), false),
                Arguments.of("another PID", new ProcessIdentity(4243, 777, "boot-1", millis), false),
                Arguments.of("no ticks: start times 1000 ms apart", new ProcessIdentity(4242, -1, null, millis + 1000),
                        true),
                Arguments.of("no ticks: 1000 ms before", new ProcessIdentity(4242, -1, null, millis - 1000), true),
                Arguments.of("no ticks: 1001 ms apart", new ProcessIdentity(4242, -1, null, millis + 1001), false),
                Arguments.of("no ticks: 1001 ms before", new ProcessIdentity(4242, -1, null, millis - 1001), false),
                Arguments.of("no boot: start times", new ProcessIdentity(4242, 777, null, millis), true),
                Arguments.of("nothing known", new ProcessIdentity(4242, -1, null, -1), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("comparisons")
    void aLiveProcessIsTheRecordedOneOnlyByItsStartTime(String why, ProcessIdentity live, boolean same) {
        assertEquals(same, RECORDED.sameProcessAs(live));
    }

    @Test
    void zeroTicksAndAZeroStartTimeAreKnownValues() {
        assertTrue(new ProcessIdentity(7, 0, "b", 0).sameProcessAs(new ProcessIdentity(7, 0, "b", 9_000)),
                "start ticks 0 on both sides decide, not the start times");
        assertFalse(new ProcessIdentity(7, 0, "b", 0).sameProcessAs(new ProcessIdentity(7, 1, "b", 0)));
        assertTrue(new ProcessIdentity(7, -1, null, 0).sameProcessAs(new ProcessIdentity(7, -1, null, 0)),
                "start time 0 on both sides is a start time");
    }

    @Test
    void unknownRecordedFieldsNeverMatch() {
        ProcessIdentity nothing = new ProcessIdentity(4242, -1, null, -1);
        assertFalse(nothing.sameProcessAs(RECORDED));
        assertFalse(nothing.sameProcessAs(nothing));
        assertFalse(RECORDED.sameProcessAs(null));
        assertFalse(new ProcessIdentity(4242, 0, "boot-1", -1).sameProcessAs(new ProcessIdentity(4242, 0, null, -1)),
                "ticks without a boot id on one side, no start time: unknown");
    }

    @Test
    void equalOnlyWithEveryFieldEqual() {
        assertEquals(RECORDED, new ProcessIdentity(4242, 777, "boot-1", 1_700_000_000_000L));
        assertEquals(RECORDED.hashCode(), new ProcessIdentity(4242, 777, "boot-1", 1_700_000_000_000L).hashCode());
        assertNotEquals(RECORDED, new ProcessIdentity(4243, 777, "boot-1", 1_700_000_000_000L));
        assertNotEquals(RECORDED, new ProcessIdentity(4242, 778, "boot-1", 1_700_000_000_000L));
        assertNotEquals(RECORDED, new ProcessIdentity(4242, 777, "boot-2", 1_700_000_000_000L));
        assertNotEquals(RECORDED, new ProcessIdentity(4242, 777, "boot-1", 1_700_000_000_001L));
        assertNotEquals(RECORDED, "pid 4242");
        assertEquals("pid 4242 (start ticks 777, boot boot-1)", RECORDED.toString());
        assertEquals(Optional.of("boot-1"), RECORDED.bootId());
        assertEquals(Optional.empty(), new ProcessIdentity(1, -1, null, -1).bootId());
    }

    @Test
    void theKernelsViewOfALiveProcessIsItsStartTicksBootAndStartTime() {
        long self = ProcessHandle.current().pid();
        ProcessIdentity id = ProcessIdentity.of(self).orElseThrow();

        assertEquals(self, id.pid());
        assertEquals(Procs.startTicks(self), id.startTicks());
        assertEquals(Optional.of(Procs.bootId()), id.bootId());
        long jdkStart = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
        assertTrue(Math.abs(jdkStart - id.startEpochMillis()) <= 1000, id.startEpochMillis() + " vs " + jdkStart);
        assertTrue(id.isAlive());
        assertTrue(id.sameProcessAs(ProcessIdentity.of(self).orElseThrow()));
        assertFalse(new ProcessIdentity(self, id.startTicks() + 1, Procs.bootId(), -1).isAlive(), "a reused PID");
    }

    @Test
    void aProcessThatExitedHasNoIdentityAndIsNotAlive() throws Exception {
        Process p = new ProcessBuilder("true").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        long pid = p.pid();
        ProcessIdentity before = new ProcessIdentity(pid, 1, Procs.bootId(), -1);
        assertEquals(0, p.waitFor());

        assertEquals(Optional.empty(), ProcessIdentity.of(pid));
        assertFalse(before.isAlive());
    }
}
