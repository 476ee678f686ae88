package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LogTail}: the last lines of a log, from a line start, within the limits, under the file rules, and across a
 * rotation, also while one runs and a writer appends.
 */
class LogTailTest {

    @TempDir
    Path dir;

    private Path log() {
        return dir.resolve("server.log");
    }

    private static String lines(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining());
    }

    private void write(Path p, String text) throws IOException {
        Files.write(p, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(10)
    void theLastLinesAsked() throws IOException {
        write(log(), lines(1, 50));
        assertEquals(lines(48, 50), new LogTail(log()).last(3));
        assertEquals(lines(1, 50), new LogTail(log()).last(1000), "fewer lines than asked: all of them");
    }

    @Test
    @Timeout(10)
    void aPartialLastLineIsALineAsItIs() throws IOException {
        write(log(), lines(1, 5) + "prompt> ");
        assertEquals("line 5\nprompt> ", new LogTail(log()).last(2));
        assertEquals("prompt> ", new LogTail(log()).last(1));
    }

    @Test
    @Timeout(10)
    void anEmptyOrMissingLogIsEmpty() throws IOException {
        assertEquals("", new LogTail(log()).last(20), "missing");
        write(log(), "");
        assertEquals("", new LogTail(log()).last(20), "empty");
    }

    @Test
    @Timeout(10)
    void aBadLineCountIsRefusedQuotingIt() {
        for (int bad : new int[] {0, -1, 1001, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new LogTail(log()).last(bad));
            assertEquals("invalid lines '" + bad + "': must be 1 to 1000", e.getMessage());
        }
    }

    @Test
    @Timeout(20)
    void moreThan256KiBIsCutAtALineStart() throws IOException {
        String line = "x".repeat(999) + "\n"; // 1000 bytes a line: 1000 lines are 1,000,000 bytes
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            all.append(String.format("%06d", i)).append(line);
        }
        write(log(), all.toString());

        String tail = new LogTail(log()).last(1000);

        int bytes = tail.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(bytes <= LogTail.MAX_BYTES, bytes + " bytes");
        assertTrue(bytes > LogTail.MAX_BYTES - 1006, "as many whole lines as fit: " + bytes);
        assertEquals(0, bytes % 1006, "whole lines only");
        assertTrue(tail.startsWith(String.format("%06d", 1000 - bytes / 1006)), "begins at a line start");
        assertTrue(tail.endsWith("000999" + line));
    }

    @Test
    @Timeout(20)
    void aLastLineLongerThan256KiBIsItsEnd() throws IOException {
        write(log(), "short\n" + "y".repeat(300_000) + "z");
        String tail = new LogTail(log()).last(5);
        assertEquals(LogTail.MAX_BYTES, tail.length());
        assertTrue(tail.endsWith("yz"));
    }

    @Test
    @Timeout(10)
    void justAfterARotationTheRestComesFromTheBackup() throws IOException {
        write(dir.resolve("server.log.1"), lines(1, 30));
        write(log(), lines(31, 32));
        assertEquals(lines(26, 32), new LogTail(log()).last(7));
        assertEquals(lines(31, 32), new LogTail(log()).last(2), "the live log suffices");
    }

    @Test
    @Timeout(10)
    void aBackupWithoutItsLastNewlineIsNotJoinedToTheLiveLog() throws IOException {
        write(dir.resolve("server.log.1"), "a\nb");
        write(log(), "c\n");
        assertEquals("a\nb\nc\n", new LogTail(log()).last(5));
    }

    @Test
    @Timeout(20)
    void aRealRotationLosesNoLineAndRepeatsNone() throws IOException {
        LogRotation rotation = new LogRotation(log(), 100, 2);
        write(log(), lines(1, 40));
        assertEquals(LogRotation.Outcome.ROTATED, rotation.rotateIfDue());
        Files.write(log(), lines(41, 43).getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);

        assertEquals(lines(34, 43), new LogTail(log()).last(10));
    }

    @Test
    @Timeout(10)
    void aSymbolicLinkIsRefusedAndNotFollowed() throws IOException {
        Path secret = dir.resolve("secret");
        write(secret, "secret\n");
        Files.createSymbolicLink(log(), secret);
        IOException e = assertThrows(IOException.class, () -> new LogTail(log()).last(5));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertFalse(e.getMessage().contains("secret\n"));
    }

    @Test
    @Timeout(10)
    void aSymbolicLinkAsTheBackupIsRefusedToo() throws IOException {
        Path secret = dir.resolve("secret");
        write(secret, "secret\n");
        Files.createSymbolicLink(dir.resolve("server.log.1"), secret);
        write(log(), "live\n");
        IOException e = assertThrows(IOException.class, () -> new LogTail(log()).last(5));
        assertTrue(e.getMessage().contains("server.log.1") && e.getMessage().contains("symbolic link"),
                e.getMessage());
    }

    /** No writer ever opens the FIFO: an open that blocked would hang here until the timeout. */
    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", log().toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        IOException e = assertThrows(IOException.class, () -> new LogTail(log()).last(5));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        // the open itself cannot block either (a FIFO put in the log's place after the check): it opens, and the
        // check after the open refuses it
        IOException afterOpen = assertThrows(IOException.class, () -> LogTail.openWithoutBlocking(log(), "log file"));
        assertTrue(afterOpen.getMessage().contains("not a regular file"), afterOpen.getMessage());
    }

    @Test
    @Timeout(10)
    void aReadOnlyLogIsStillRead() throws IOException {
        write(log(), lines(1, 3));
        assertTrue(log().toFile().setWritable(false, false));
        assertEquals(lines(3, 3), new LogTail(log()).last(1));
    }

    /**
     * A writer appends numbered lines while rotations run over and over: every tail (mostly from the live log and
     * {@code <log>.1} together) holds strictly increasing numbers: no line twice, none out of order, whatever instant
     * it was read at. (A hole is possible: a copy-then-truncate rotation loses what is written between its last copy
     * and the truncation, see {@link LogRotation}, and so is one fragment of a line at the join.)
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tailsDuringRotationsAndWritesNeverRepeatALine() throws Exception {
        LogRotation rotation = new LogRotation(log(), 2_000, 2);
        write(log(), "");
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> writer = pool.submit(() -> {
                int n = 0;
                try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(log(),
                        StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                    while (!stop.get()) {
                        out.write(java.nio.ByteBuffer.wrap(String.format("n %08d\n", ++n)
                                .getBytes(StandardCharsets.UTF_8)));
                    }
                }
                return n;
            });
            Future<Integer> rotator = pool.submit(() -> {
                int rotated = 0;
                while (!stop.get()) {
                    if (rotation.rotateIfDue() == LogRotation.Outcome.ROTATED) {
                        rotated++;
                    }
                }
                return rotated;
            });
            LogTail tail = new LogTail(log());
            int checked = 0;
            int combined = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline || checked < 200) {
                String text = tail.last(1000);
                List<String> ls = new ArrayList<>(List.of(text.split("\n")));
                if (!text.endsWith("\n")) {
                    ls.remove(ls.size() - 1); // being written
                }
                // a rotation's copy may end inside a line being written (a write that crosses a page is seen in
                // parts), whose rest the truncation then drops: that fragment, at the join of <log>.1 and the live
                // log, is the rotation's loss and is left out here; every whole line must come after the one before
                int before = -1;
                int fragments = 0;
                for (String l : ls) {
                    if (!l.matches("n \\d{8}")) {
                        fragments++;
                        continue;
                    }
                    int n = Integer.parseInt(l.substring(2));
                    assertTrue(n > before, "line " + before + " then " + n + " in a tail of " + ls.size() + " lines, at "
                            + ls.indexOf(l) + ": " + ls.subList(Math.max(0, ls.indexOf(l) - 3), Math.min(ls.size(),
                                    ls.indexOf(l) + 3)) + " first " + ls.get(0) + " last " + ls.get(ls.size() - 1));
                    before = n;
                }
                assertTrue(fragments <= 1, fragments + " fragments in one tail: " + ls);
                if (text.getBytes(StandardCharsets.UTF_8).length > 2_000) {
                    combined++; // more than the live log can hold: <log>.1 was read too
                }
                checked++;
            }
            stop.set(true);
            assertTrue(writer.get(10, TimeUnit.SECONDS) > 0);
            assertTrue(rotator.get(10, TimeUnit.SECONDS) > 10, "rotations ran");
            assertTrue(combined > 0, "tails that took lines from <log>.1: " + combined + " of " + checked);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }
}
