package dev.omega.sessionserver.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a server wrote to its log since one point (the start of a spawn), for the message of a failed start: the last
 * {@value #LINES} lines, read from at most the last 64 KiB. Lines an earlier run appended before that point are never
 * quoted.
 *
 * <p>Immutable and thread-safe. Reading never throws: a log that was discarded (no log file configured), has
 * vanished or cannot be read gives an empty tail.
 */
final class ServerLogTail {

    static final int LINES = 20;
    private static final int MAX_BYTES = 64 * 1024;

    private final Optional<Path> log;
    private final long offset;

    private ServerLogTail(Optional<Path> log, long offset) {
        this.log = log;
        this.offset = offset;
    }

    /** The tail of {@code log} from its current end on; empty {@code log} means the output is discarded. */
    static ServerLogTail fromEndOf(Optional<Path> log) throws IOException {
        return new ServerLogTail(log, log.isPresent() && Files.exists(log.get()) ? Files.size(log.get()) : 0);
    }

    /** The last lines written since the offset, joined with {@code \n}; empty when none or discarded. */
    String lines() {
        if (log.isEmpty()) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(log.get().toFile(), "r")) {
            long len = f.length();
            long from = Math.max(offset, len - MAX_BYTES);
            if (len <= from) {
                return "";
            }
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            List<String> all = Arrays.asList(new String(buf, StandardCharsets.UTF_8).split("\r?\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - LINES), all.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The end of an error message: {@code "; last lines of <log>:\n<lines>"}, or that the server wrote nothing, or
     * that its output was discarded.
     */
    String messageSuffix() {
        if (log.isEmpty()) {
            return "; its output was discarded (configure a logFile to see it)";
        }
        String lines = lines();
        return lines.isEmpty() ? "; it wrote nothing to " + log.get() : "; last lines of " + log.get() + ":\n" + lines;
    }
}
