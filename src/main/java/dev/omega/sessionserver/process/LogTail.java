package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The last lines of a server's log, for an operator ({@code tailLog} over JMX, the {@code logs} command): at most
 * {@value #MAX_LINES} lines and {@value #MAX_BYTES} bytes, the text beginning at a line start.
 *
 * <h2>Lines</h2>
 * A line ends with {@code \n} (a {@code \r} before it is kept). The last line may lack its {@code \n} (the server is
 * writing it, or wrote a prompt): it is returned as it is and counts as a line. When the lines asked for hold more
 * than {@value #MAX_BYTES} bytes, the oldest are left out, so the text still begins at a line start; only a last
 * line longer than {@value #MAX_BYTES} bytes is cut inside (its last {@value #MAX_BYTES} bytes). Bytes that are not
 * UTF-8 are shown as U+FFFD.
 *
 * <h2>Files</h2>
 * Every file is read under the rules of {@link SafeFiles}: never through a symbolic link, only a regular file owned
 * by this user (anything else is refused with an {@link IOException} naming the path and the reason), and never
 * blocking: a FIFO or device is refused before the open, and the open itself is read-write ({@code O_RDWR}, which
 * Linux never blocks on, even for a FIFO that replaced the log after the check); only a log this user may not write
 * is opened read-only. Nothing is ever written. A missing log reads as empty.
 *
 * <h2>Rotation</h2>
 * When the live log holds fewer lines than asked for and was read whole (just after a rotation), the rest comes from
 * the end of {@code <log>.1}, within the same byte limit; a {@code \n} is put between the two when {@code <log>.1}
 * does not end with one. Rotation may run meanwhile, in this JVM or another, as copy-then-truncate
 * ({@link LogRotation}) or rename-and-recreate ({@code logrotate} without {@code copytruncate}). The read starts over
 * (after a few milliseconds) when a rotation may have come between the two reads: the live log was truncated or
 * replaced meanwhile (its file key, a smaller size, or other first bytes: a log truncated and grown again), {@code
 * <log>.1} was replaced meanwhile (its file key), or
 * {@code <log>.1} begins with the same bytes as the live log as read (up to 4 KiB): it is a copy of it, made since
 * it was read or not truncated yet. After {@value #ATTEMPTS} such attempts the live log's lines are returned alone: a
 * line may then be missing, never shown twice (a log whose every generation begins with the same 4 KiB always gets
 * that). A concurrent writer is safe: what it appends after the size was read is left for the next call; a short
 * read (the file truncated under the read) starts over.
 *
 * <p>Immutable and thread-safe; each call opens and closes its files.
 */
public final class LogTail {

    /** The most lines one call returns. */
    public static final int MAX_LINES = 1000;
    /** The most bytes of the log one call returns. */
    public static final int MAX_BYTES = 256 * 1024;
    /** Reads of the live log and its backup before the live log is returned alone. */
    static final int ATTEMPTS = 5;
    /** How much of the backup's start is compared with the live log's, to tell a copy of it. */
    private static final int HEAD_BYTES = 4096;

    private final Path log;
    private final Path backup;

    /** The tail of {@code log}, with {@code <log>.1} as its last rotated copy. */
    public LogTail(Path log) {
        this.log = Objects.requireNonNull(log, "log").toAbsolutePath().normalize();
        this.backup = this.log.resolveSibling(this.log.getFileName() + ".1");
    }

    /** The live log. */
    public Path log() {
        return log;
    }

    /**
     * The last {@code lines} lines (see the class comment), {@code ""} for an empty or missing log.
     *
     * @throws IllegalArgumentException when {@code lines} is not 1 to {@value #MAX_LINES} (the message quotes it)
     * @throws IOException when the log or its backup is refused (a link, not a regular file, another user's) or
     *         cannot be read: the message names the file and the reason
     */
    public String last(int lines) throws IOException {
        checkLines(lines);
        Chunk live = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Object backupBefore = fileKey(backup);
            live = Chunk.read(log, "log file", lines, MAX_BYTES, 0);
            if (live == null) {
                continue; // truncated under the read
            }
            if (live.lines >= lines || !live.whole || live.bytes.length >= MAX_BYTES) {
                return live.text();
            }
            Chunk older = Chunk.read(backup, "rotated log", lines - live.lines, MAX_BYTES - live.bytes.length,
                    (int) Math.min(live.bytes.length, HEAD_BYTES));
            if (older != null && older.size <= 0 && live.unchangedAt(log, "log file")) {
                return live.text(); // no backup, or an empty one
            }
            if (older != null && older.size > 0 && Objects.equals(backupBefore, older.fileKey)
                    && !older.isCopyOf(live) && live.unchangedAt(log, "log file")) {
                return older.text() + (older.endsWithNewline() ? "" : "\n") + live.text();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1L << attempt)); // a rotation under way: 2..32 ms
        }
        return live == null ? "" : live.text();
    }

    /** The file key of {@code path} (device and inode), without following a link; null when missing. */
    private static Object fileKey(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Refuses a line count outside 1 to {@value #MAX_LINES}, quoting it. */
    public static void checkLines(int lines) {
        if (lines < 1 || lines > MAX_LINES) {
            throw new IllegalArgumentException("invalid lines '" + lines + "': must be 1 to " + MAX_LINES);
        }
    }

    /** The end of one file: whole lines (and a last partial one) from a line start, with what was read of it. */
    private static final class Chunk {
        final byte[] bytes; // from a line start (or the file's start) to the size read
        final int lines;
        final boolean whole; // bytes begin at the file's start
        final long size; // the file's size when read; -1: missing
        final Object fileKey;
        byte[] head = new byte[0]; // the file's first bytes, when asked for

        private Chunk(byte[] bytes, int lines, boolean whole, long size, Object fileKey) {
            this.bytes = bytes;
            this.lines = lines;
            this.whole = whole;
            this.size = size;
            this.fileKey = fileKey;
        }

        /**
         * The last {@code maxLines} lines of {@code path} within {@code maxBytes}; an empty chunk for a missing file;
         * null when the file shrank during the read (truncated: read again).
         */
        static Chunk read(Path path, String what, int maxLines, int maxBytes, int headBytes) throws IOException {
            SafeFiles.checkExisting(path, what);
            try (FileChannel ch = openWithoutBlocking(path, what)) {
                BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                long size = ch.size();
                long from = Math.max(0, size - maxBytes - 1); // one byte more: is the first kept byte a line start?
                byte[] data = readFully(ch, from, (int) (size - from));
                byte[] head = readFully(ch, 0, (int) Math.min(headBytes, size));
                if (data == null || head == null) {
                    return null; // truncated under the read
                }
                Chunk c = cut(data, from == 0, maxLines, maxBytes, size, attrs.fileKey());
                c.head = head;
                return c;
            } catch (NoSuchFileException e) {
                return new Chunk(new byte[0], 0, true, -1, null);
            }
        }

        /** {@code length} bytes at {@code position}; null when the file ended first (truncated meanwhile). */
        private static byte[] readFully(FileChannel ch, long position, int length) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(length);
            while (buf.hasRemaining()) {
                if (ch.read(buf, position + buf.position()) < 0) {
                    return null;
                }
            }
            return buf.array();
        }

        /**
         * The tail of {@code data}: the file from its start ({@code fileStart}), else from one byte before the
         * window, that byte only telling whether the window's first byte starts a line.
         */
        private static Chunk cut(byte[] data, boolean fileStart, int maxLines, int maxBytes, long size, Object key) {
            int end = data.length;
            if (end == 0) {
                return new Chunk(data, 0, fileStart, size, key);
            }
            int scanEnd = data[end - 1] == '\n' ? end - 1 : end; // the last line's own \n starts no line
            int start = -1;
            int lines = 0;
            for (int i = scanEnd - 1; i >= -1 && lines < maxLines; i--) {
                if (i >= 0 ? data[i] != '\n' : !fileStart) {
                    continue;
                }
                if (end - (i + 1) > maxBytes) {
                    break; // that line would not fit
                }
                start = i + 1;
                lines++;
            }
            if (start < 0) { // the last line alone is longer than maxBytes: its end
                start = end - maxBytes;
                lines = 1;
            }
            return new Chunk(Arrays.copyOfRange(data, start, end), lines, fileStart && start == 0, size, key);
        }

        /**
         * Whether {@code path} is still this chunk's file (read whole) as it was: the same file key, no shorter, and
         * beginning with the same bytes (up to 4 KiB), so neither replaced nor truncated meanwhile, not even when a
         * truncated log has grown past its old size again. A missing file is unchanged when it was missing.
         */
        boolean unchangedAt(Path path, String what) throws IOException {
            BasicFileAttributes now;
            try {
                now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return size < 0;
            }
            if (size < 0 || !Objects.equals(fileKey, now.fileKey()) || now.size() < size) {
                return false;
            }
            int n = (int) Math.min(bytes.length, HEAD_BYTES);
            try (FileChannel ch = openWithoutBlocking(path, what)) {
                byte[] first = readFully(ch, 0, n);
                return first != null && Arrays.equals(first, 0, n, bytes, 0, n);
            } catch (NoSuchFileException e) {
                return false;
            }
        }

        /**
         * Whether this (the backup, read with its head) is a copy of the live log as {@code live} read it (whole):
         * the backup begins with the same bytes, as far as both go. That is a rotation since the live log was read (renamed, or copied
         * and perhaps truncated since), or under way (copied, not truncated yet): its lines would be shown twice.
         * An empty live log has nothing to show twice.
         */
        boolean isCopyOf(Chunk live) {
            int n = Math.min(head.length, live.bytes.length); // the copy may be shorter: the log grew since
            return n > 0 && Arrays.equals(head, 0, n, live.bytes, 0, n);
        }

        boolean endsWithNewline() {
            return bytes.length > 0 && bytes[bytes.length - 1] == '\n';
        }

        String text() {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new IllegalStateException(e); // REPLACE never throws
            }
        }
    }

    /**
     * Opens {@code path} for reading without blocking, never through a symbolic link ({@code O_NOFOLLOW}):
     * read-write first ({@code O_RDWR} never blocks on Linux, not even on a FIFO), read-only when this user may not
     * write it or the file system is read-only; then checked ({@link SafeFiles#checkExisting}: a regular file of
     * this user). The caller checks before too, so that a FIFO or device is refused without being opened at all.
     *
     * @throws NoSuchFileException when it is missing
     * @throws IOException naming the path and what is wrong, or the system's reason the open failed
     */
    static FileChannel openWithoutBlocking(Path path, String what) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (AccessDeniedException e) {
            ch = openReadOnly(path, what);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (FileSystemException e) {
            if (!String.valueOf(e.getReason()).contains("Read-only file system")) {
                SafeFiles.checkExisting(path, what); // a link placed after the check: O_NOFOLLOW refused it
                throw new IOException("cannot open " + what + " " + path + ": " + SafeFiles.reason(e), e);
            }
            ch = openReadOnly(path, what);
        }
        boolean ok = false;
        try {
            SafeFiles.checkExisting(path, what);
            ok = true;
            return ch;
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    private static FileChannel openReadOnly(Path path, String what) throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (FileSystemException e) {
            SafeFiles.checkExisting(path, what);
            throw new IOException("cannot open " + what + " " + path + ": " + SafeFiles.reason(e), e);
        }
    }
}
