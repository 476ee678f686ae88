package dev.omega.sessionserver.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numbered lines of the example server's flood ({@code SESSION_SERVER_FLOOD=true}): {@code session-server: flood
 * line <n>.<i> pid=<pid>}, {@value #PER_WRITE} lines ({@code i} = 0..511) per {@code write} call, {@code n} from 1.
 * Line {@code (n, i)} has the number {@code n * 512 + i}, so the lines a log rotation lost are the numbers missing
 * between the last line of {@code <log>.1} and the first line of the live log.
 */
public final class FloodLines {

    public static final int PER_WRITE = 512;
    private static final Pattern LINE = Pattern.compile("session-server: flood line (\\d+)\\.(\\d+) pid=(\\d+)");
    private static final int EDGE_BYTES = 256 * 1024;

    private FloodLines() {
    }

    /** The number of a complete flood line; -1 for any other text (another line, a partial one). */
    public static long number(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return -1;
        }
        return Long.parseLong(m.group(1)) * PER_WRITE + Long.parseLong(m.group(2));
    }

    /** The bytes of line {@code number} of server {@code pid}, its newline included. */
    public static long lineBytes(long number, long pid) {
        long n = number / PER_WRITE;
        long i = number % PER_WRITE;
        return ("session-server: flood line " + n + "." + i + " pid=" + pid + "\n").length();
    }

    /** The bytes of the lines numbered after {@code last} and before {@code first}: what is missing between them. */
    public static long bytesBetween(long last, long first, long pid) {
        long sum = 0;
        for (long k = last + 1; k < first; k++) {
            sum += lineBytes(k, pid);
        }
        return sum;
    }

    /** What one file holds: its first and last complete flood lines, gaps inside it, and a partial last line. */
    public static final class Scan {
        /** Number of the first and the last complete flood line; -1 when none. */
        public long first = -1;
        public long last = -1;
        /** Complete flood lines. */
        public long lines;
        /** Numbers missing between consecutive complete lines of this file. */
        public long missingInside;
        /** Lines whose number is not greater than the one before. */
        public long outOfOrder;
        /** Lines that are neither flood lines nor the server's other lines (listening, SIGTERM, exited), a partial last
         * one apart: a broken flood line inside a file counts here. */
        public long foreign;
        /** The first such line (at most 200 characters); null when none. */
        public String firstForeign;
        /** Bytes after the last newline: the start of a line the copy caught in the middle of its write. */
        public long partialTailBytes;

        @Override
        public String toString() {
            return "Scan{first=" + first + ", last=" + last + ", lines=" + lines + ", missingInside=" + missingInside
                    + ", outOfOrder=" + outOfOrder + ", foreign=" + foreign + (firstForeign == null ? "" : " ('" + firstForeign + "')") + ", partialTailBytes="
                    + partialTailBytes + "}";
        }
    }

    /** Reads the whole file (ISO-8859-1: a byte a char). */
    public static Scan scan(Path file) throws IOException {
        Scan s = new Scan();
        long size = Files.size(file);
        long consumed = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.ISO_8859_1), 1 << 16)) {
            String line;
            while ((line = r.readLine()) != null) {
                consumed += line.length() + 1;
                boolean lastLineWithoutNewline = consumed > size;
                if (lastLineWithoutNewline) {
                    s.partialTailBytes = line.length();
                    break;
                }
                long k = number(line);
                if (k < 0) {
                    if (!line.startsWith("session-server: ") || line.startsWith("session-server: flood")) {
                        s.foreign++;
                        if (s.firstForeign == null) {
                            s.firstForeign = line.substring(0, Math.min(200, line.length()));
                        }
                    }
                    continue;
                }
                if (s.first < 0) {
                    s.first = k;
                } else if (k <= s.last) {
                    s.outOfOrder++;
                } else {
                    s.missingInside += k - s.last - 1;
                }
                s.last = Math.max(s.last, k);
                s.lines++;
            }
        }
        return s;
    }

    /** The first complete flood line in the first 256 KiB of {@code file}; -1 when none. */
    public static long first(Path file) throws IOException {
        byte[] head;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            head = new byte[(int) Math.min(f.length(), EDGE_BYTES)];
            f.readFully(head);
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        int end;
        int from = 0;
        while ((end = text.indexOf('\n', from)) >= 0) {
            long k = number(text.substring(from, end));
            if (k >= 0) {
                return k;
            }
            from = end + 1;
        }
        return -1;
    }

    /** The last complete flood line of {@code file} (in its last 256 KiB) and the bytes after its last newline. */
    public static long[] lastAndPartialTail(Path file) throws IOException {
        byte[] tail;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(0, f.length() - EDGE_BYTES);
            tail = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(tail);
        }
        String text = new String(tail, StandardCharsets.ISO_8859_1);
        int lastNewline = text.lastIndexOf('\n');
        long partial = text.length() - lastNewline - 1;
        int end = lastNewline;
        while (end > 0) {
            int start = text.lastIndexOf('\n', end - 1) + 1;
            long k = number(text.substring(start, end));
            if (k >= 0) {
                return new long[] {k, partial};
            }
            end = start - 1;
        }
        return new long[] {-1, partial};
    }
}
