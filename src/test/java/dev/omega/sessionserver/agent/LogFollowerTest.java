package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@code logs -f} finds new in each window of the log's end ({@link LogFollower}). */
class LogFollowerTest {

    private static String lines(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "l" + i + "\n").collect(Collectors.joining());
    }

    private static List<String> names(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "l" + i).collect(Collectors.toList());
    }

    @Test
    @Timeout(10)
    void onlyTheLinesAfterThoseAlreadyPrinted() {
        LogFollower f = new LogFollower();
        assertEquals(names(1, 5), f.first(lines(1, 5)));
        LogFollower.Update u = f.next(lines(3, 8), false);
        assertEquals(names(6, 8), u.lines);
        assertFalse(u.gap || u.restarted);
        assertEquals(List.of(), f.next(lines(3, 8), false).lines, "nothing new");
    }

    @Test
    @Timeout(10)
    void aLineBeingWrittenIsPrintedOnceComplete() {
        LogFollower f = new LogFollower();
        assertEquals(names(1, 2), f.first(lines(1, 2) + "l3 part"));
        assertEquals(List.of(), f.next(lines(1, 2) + "l3 partial", false).lines);
        assertEquals(List.of("l3 partial done"), f.next(lines(1, 2) + "l3 partial done\n", false).lines);
    }

    @Test
    @Timeout(10)
    void aWindowThatBeginsInsideTheAnchorStillFindsItsPlace() {
        LogFollower f = new LogFollower();
        f.first(lines(1, 50));
        assertEquals(names(51, 140), f.next(lines(41, 140), true).lines, "the window holds only l41..l50 of it");
    }

    @Test
    @Timeout(10)
    void aFullWindowWithoutTheAnchorIsAGapAndChangesNothing() {
        LogFollower f = new LogFollower();
        f.first(lines(1, 10));
        LogFollower.Update u = f.next(lines(200, 299), true);
        assertTrue(u.gap);
        assertEquals(names(11, 12), f.next(lines(1, 12), false).lines, "the anchor is still l1..l10");
    }

    @Test
    @Timeout(10)
    void aTruncatedLogStartsAgainWithoutAGap() {
        LogFollower f = new LogFollower();
        f.first(lines(1, 10));
        assertEquals(List.of(), f.next("", false).lines, "truncated to nothing: wait");
        LogFollower.Update u = f.next("fresh\n", false);
        assertEquals(List.of("fresh"), u.lines);
        assertTrue(u.restarted);
        assertFalse(u.gap);
    }

    @Test
    @Timeout(10)
    void theLatestMatchWinsForRepeatedLines() {
        LogFollower f = new LogFollower();
        f.first("a\nb\na\nb\n");
        assertEquals(List.of("c"), f.next("a\nb\na\nb\nc\n", false).lines);
    }

    @Test
    @Timeout(10)
    void aWindowIsFullAtItsLineCountOrNearTheByteLimit() {
        assertTrue(LogFollower.isFull(lines(1, 100), 100));
        assertTrue(LogFollower.isFull(lines(1, 99) + "partial", 100));
        assertFalse(LogFollower.isFull(lines(1, 99), 100));
        assertTrue(LogFollower.isFull("x".repeat(200_000) + "\n", 100));
    }
}
