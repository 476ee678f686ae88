package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.omega.sessionserver.testing.Procs;

/** Which PID strings may ever be acted on. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PidValidatorTest {

    static long ownPid() {
        return ProcessHandle.current().pid();
    }

    static long parentPid() {
        return ProcessHandle.current().parent().orElseThrow().pid();
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("empty", "", "empty"),
                Arguments.of("whitespace", " \t ", "empty"),
                Arguments.of("minus one: kill(-1) signals every process of the user", "-1", "-1"),
                Arguments.of("zero: kill(0) signals the caller's process group", "0", "0"),
                Arguments.of("one: init", "1", "1"),
                Arguments.of("explicit sign", "+5", "+5"),
                Arguments.of("negative group", "-4242", "-4242"),
                Arguments.of("hex", "0x10", "0x10"),
                Arguments.of("trailing garbage", "12abc", "12abc"),
                Arguments.of("exponent", "1e3", "1e3"),
                Arguments.of("leading zeros (octal to some readers)", "007", "007"),
                Arguments.of("space inside", "12 34", "12 34"),
                Arguments.of("non-ASCII digits", "\u0661\u0662\u0663", "\u0661\u0662\u0663"),
                Arguments.of("decimal point", "12.0", "12.0"),
                Arguments.of("overflow", "99999999999999999999", "99999999999999999999"),
                Arguments.of("Long.MAX_VALUE", Long.toString(Long.MAX_VALUE), Long.toString(Long.MAX_VALUE)),
                Arguments.of("above pid_max", Long.toString(Procs.pidMax() + 1), Long.toString(Procs.pidMax() + 1)),
                Arguments.of("this JVM", Long.toString(ownPid()), Long.toString(ownPid())),
                Arguments.of("this JVM's parent", Long.toString(parentPid()), Long.toString(parentPid())));
    }

    @ParameterizedTest(name = "{0}: ''{1}''")
    @MethodSource("rejected")
    void rejectsValuesThatMustNeverBeSignalled(String why, String text, String quotedInMessage) {
        PidValidator.InvalidPidException e = assertThrows(PidValidator.InvalidPidException.class,
                () -> PidValidator.parse(text));
        assertTrue(e.getMessage().contains(quotedInMessage), () -> "message should quote the value: " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2", "300", "12345", " 4242 ", "4242\n"})
    void acceptsOrdinaryPids(String text) throws Exception {
        long n = Long.parseLong(text.strip());
        org.junit.jupiter.api.Assumptions.assumeTrue(n != ownPid() && n != parentPid(), "refused on purpose");
        assertEquals(n, PidValidator.parse(text));
    }

    @Test
    void acceptsPidMaxItself() throws Exception {
        long max = Procs.pidMax();
        assertEquals(max, PidValidator.parse(Long.toString(max)));
    }

    @Test
    void pidMaxIsTheKernelsWholeValue() throws Exception {
        Process cat = new ProcessBuilder("cat", "/proc/sys/kernel/pid_max").start();
        String shown = new String(cat.getInputStream().readAllBytes()).trim();
        assertEquals(0, cat.waitFor());
        assertEquals(Long.parseLong(shown), PidValidator.pidMax(), "what `cat /proc/sys/kernel/pid_max` shows");
    }

    @Test
    void rejectsNull() {
        assertThrows(PidValidator.InvalidPidException.class, () -> PidValidator.parse(null));
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1, 0, 1})
    void numericCheckRejectsNonPositiveAndInit(long pid) {
        assertThrows(PidValidator.InvalidPidException.class, () -> PidValidator.check(pid));
    }

    @Test
    void numericCheckRejectsOwnAndParentPid() {
        assertThrows(PidValidator.InvalidPidException.class, () -> PidValidator.check(ownPid()));
        assertThrows(PidValidator.InvalidPidException.class, () -> PidValidator.check(parentPid()));
    }
    @Test
    void eachRefusalSaysWhyForItsOwnCase() {
        assertTrue(message("1234567890123456789").contains("above the system's pid_max"), "19 digits: a number");
        assertTrue(message("12345678901234567890").contains("too long"), "20 digits");
        assertTrue(message("0").contains("must be greater than 1"), "0 is no leading zero");
        assertTrue(message("09").contains("leading zero"));
        assertTrue(message("/9").contains("not a plain positive decimal"), "'/' is just below '0'");
        assertTrue(message(":0").contains("not a plain positive decimal"), "':' is just above '9'");
        String forty = "x".repeat(40);
        assertTrue(message(forty).contains("'" + forty + "'"), "40 characters are quoted whole");
        assertTrue(message(forty + "y").contains("'" + forty + "...'"), "41 are cut");
        assertTrue(message("a\u0000b").contains("'a?b'"), "control characters are shown as '?'");
    }

    @Test
    void digitsAtBothEndsOfTheRangeAreDigits() throws PidValidator.InvalidPidException {
        for (long pid : new long[] {90, 190, 109, 209}) { // '9' and '0'; never this JVM or its parent
            if (pid != ownPid() && pid != parentPid()) {
                assertEquals(pid, PidValidator.parse(Long.toString(pid)));
            }
        }
    }

    private static String message(String text) {
        return assertThrows(PidValidator.InvalidPidException.class, () -> PidValidator.parse(text)).getMessage();
    }
}
