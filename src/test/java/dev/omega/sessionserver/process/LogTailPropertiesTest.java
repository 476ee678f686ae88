package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import dev.omega.sessionserver.testing.TempDirs;

/**
 * The log tail, for any log content and any rotation point: what the server wrote is split at any byte into the
 * rotated copy ({@code <log>.1}) and the live log (or not rotated at all), and {@code last(n)} returns the last
 * {@code n} lines of it, from a line start: the live log's own when it holds enough, else the end of the copy, a
 * {@code \n} where the copy's last line was cut by the rotation, and the live log. (A copy that begins like the live
 * log is taken for a rotation under way, as the class comment says: then the live log alone.)
 */
class LogTailPropertiesTest {

    private static Path dir;

    @BeforeContainer
    static void makeDirectory() throws IOException {
        dir = TempDirs.create("log-tail-properties");
    }

    @AfterContainer
    static void removeDirectory() throws IOException {
        TempDirs.delete(dir);
    }

    /** Numbered lines ({@code 7: ...}, so that no generation begins like another), some without their newline. */
    @Provide
    Arbitrary<byte[]> written() {
        Arbitrary<String> text = Arbitraries.strings().withChars("abc xyz\té\r€").ofMaxLength(30);
        return text.list().ofMaxSize(40).flatMap(lines -> Arbitraries.of(true, false).map(lastEnded -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                sb.append(i).append(": ").append(lines.get(i));
                if (i < lines.size() - 1 || lastEnded) {
                    sb.append('\n');
                }
            }
            return sb.toString().getBytes(StandardCharsets.UTF_8);
        }));
    }

    @Property(tries = 300)
    void theLastLinesOfWhatTheServerWroteCutAtLineStarts(@ForAll("written") byte[] written,
            @ForAll @IntRange(min = 0, max = 1000) int rotationPerMille, @ForAll boolean rotated,
            @ForAll @IntRange(min = 1, max = 50) int n) throws IOException {
        int k = rotated ? (int) ((long) written.length * rotationPerMille / 1000) : 0;
        byte[] backup = Arrays.copyOfRange(written, 0, k);
        byte[] live = Arrays.copyOfRange(written, k, written.length);
        Path log = dir.resolve("server-" + System.nanoTime() + ".log");
        Files.write(log, live);
        if (rotated) {
            Files.write(log.resolveSibling(log.getFileName() + ".1"), backup);
        }

        String tail = new LogTail(log).last(n);

        assertEquals(expected(rotated ? backup : null, live, n), tail);
        Statistics.collect(lines(live) >= n ? "live log alone" : rotated && backup.length > 0 ? "with the copy"
                : "all of a short log");
    }

    /** What the class comment of {@link LogTail} says, for logs far below its byte limit. */
    static String expected(byte[] backup, byte[] live, int n) {
        int liveLines = lines(live);
        if (liveLines >= n || backup == null || backup.length == 0) {
            return text(lastLines(live, n));
        }
        int head = Math.min(Math.min(live.length, backup.length), 4096);
        if (head > 0 && Arrays.equals(backup, 0, head, live, 0, head)) {
            return text(live); // the copy begins like the live log: a rotation under way, the live log alone
        }
        byte[] older = lastLines(backup, n - liveLines);
        boolean ended = older.length > 0 && older[older.length - 1] == '\n';
        return text(older) + (ended ? "" : "\n") + text(live);
    }

    /** Lines end with {@code \n}; a last line without one counts. */
    static int lines(byte[] b) {
        int count = 0;
        for (byte x : b) {
            count += x == '\n' ? 1 : 0;
        }
        return count + (b.length > 0 && b[b.length - 1] != '\n' ? 1 : 0);
    }

    static byte[] lastLines(byte[] b, int n) {
        int total = lines(b);
        int skip = Math.max(0, total - n);
        int at = 0;
        for (int seen = 0; seen < skip; at++) {
            if (b[at] == '\n') {
                seen++;
            }
        }
        return Arrays.copyOfRange(b, at, b.length);
    }

    static String text(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new AssertionError(e);
        }
    }
}
