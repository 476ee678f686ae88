package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copy-then-truncate rotation of a server's log. The server writes its log itself, through a descriptor opened for
 * append ({@link ServerLauncher}), and outlives the host, so the log cannot be renamed away under it: once the log is
 * larger than {@code logMaxBytes}, {@link #rotateIfDue()}
 * <ol>
 * <li>copies the live log to {@code <log>.rotating} (created {@code rw-r--r--} at most, never through a link);</li>
 * <li>shifts the backups: {@code <log>.N-1} becomes {@code <log>.N} (the old {@code <log>.N} is replaced, so
 * deleted), ..., {@code <log>.1} becomes {@code <log>.2}, then the copy becomes {@code <log>.1} (renames: a link is
 * never followed);</li>
 * <li>copies what the server appended meanwhile to the end of {@code <log>.1}, then truncates the live log in place
 * to 0 bytes; the server's next write lands at the new end, offset 0, since its descriptor appends.</li>
 * </ol>
 * What the server writes between the last copy and the truncation is lost; the window is one size check and one
 * {@code ftruncate}. The server's writes and the truncation are serialized by the kernel, so a line written in one
 * {@code write} call is either copied, lost whole, or in the live log.
 *
 * <p>Files follow {@link SafeFiles}: the live log, every backup path {@code <log>.1} .. {@code <log>.N} and
 * {@code <log>.rotating} must each be missing or a regular file of this user, never a symbolic link; otherwise the
 * rotation is refused (nothing is touched, a link's target least of all) and the problem is the {@link #note()}. A
 * leftover {@code <log>.rotating} (a host that died mid-rotation) is removed. Files beyond {@code <log>.N} (after
 * {@code logBackups} was lowered) are left alone. With {@code logBackups=0} the log is only truncated.
 *
 * <p>A failed rotation (a full disk: {@code No space left on device}, a read-only file system) removes its partial
 * copy, leaves the live log as it was, and is retried by the next call; {@link #note()} says what failed until a
 * rotation succeeds or the log is no longer due. Each new problem is logged once at WARN, the recovery once at INFO;
 * each rotation at DEBUG.
 *
 * <p>Thread-safe: calls are serialized on this object. Rotating against a concurrent start (whose log tail must not
 * be truncated under it) and across JVMs is the caller's to exclude: {@link ProcessManager} rotates under the PID
 * file's lock.
 */
public final class LogRotation {

    private static final Logger LOG = LoggerFactory.getLogger(LogRotation.class);
    /** Rounds of copying what the server appended after the first copy, before the truncation. */
    private static final int CATCH_UP_ROUNDS = 4;

    /** What one call did. */
    public enum Outcome {
        /** The log is not larger than {@code logMaxBytes} (or missing, or rotation is off): nothing to do. */
        NOT_DUE,
        /** The log was copied (unless {@code logBackups=0}) and truncated. */
        ROTATED,
        /** A start or stop holds the PID file's lock: the next call rotates. */
        BUSY,
        /** A file is refused (a symbolic link, not a regular file, another user's): nothing was touched. */
        REFUSED,
        /** The copy, a rename or the truncation failed (e.g. a full disk): the next call tries again. */
        FAILED
    }

    private final Path log;
    private final long maxBytes;
    private final int backups;
    private final Path rotating;
    private volatile String note = ""; // the last problem; "" when none

    /**
     * @param log      the live log, absolute
     * @param maxBytes rotate once the log is larger than this; {@code 0}: never
     * @param backups  copies kept, {@code <log>.1} .. {@code <log>.backups}; {@code 0}: truncate only
     */
    LogRotation(Path log, long maxBytes, int backups) {
        this.log = Objects.requireNonNull(log, "log").toAbsolutePath().normalize();
        if (maxBytes < 0 || backups < 0) {
            throw new IllegalArgumentException("logMaxBytes " + maxBytes + " and logBackups " + backups
                    + " must be 0 or more");
        }
        this.maxBytes = maxBytes;
        this.backups = backups;
        this.rotating = this.log.resolveSibling(this.log.getFileName() + ".rotating");
    }

    /** The rotation of {@code options}' log; empty when the output is discarded or {@code logMaxBytes} is 0. */
    static Optional<LogRotation> of(ProcessManagerOptions options) {
        if (options.logFile().isEmpty() || options.logMaxBytes() == 0) {
            return Optional.empty();
        }
        return Optional.of(new LogRotation(options.logFile().get(), options.logMaxBytes(), options.logBackups()));
    }

    /** The live log. */
    public Path log() {
        return log;
    }

    /** Backup {@code n} ({@code 1} is the newest): {@code <log>.n}. */
    public Path backup(int n) {
        return log.resolveSibling(log.getFileName() + "." + n);
    }

    /**
     * What the last rotation that did not succeed found wrong, for {@code LastError} ({@code "log file F: not
     * rotated: ..."}); {@code ""} after a rotation succeeded or found nothing to do. No I/O.
     */
    public String note() {
        return note;
    }

    /**
     * Whether the log is larger than {@code logMaxBytes}: one {@code lstat}, no lock. A missing log, a link or an
     * unreadable one is not due.
     */
    boolean isDue() {
        if (maxBytes == 0) {
            return false;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(log, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.size() > maxBytes;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Rotates when the log is larger than {@code logMaxBytes}; never throws for a file problem: the outcome says
     * what happened and {@link #note()} why it failed.
     */
    synchronized Outcome rotateIfDue() {
        if (!isDue()) {
            recovered(null);
            return Outcome.NOT_DUE;
        }
        try {
            Optional<String> refused = refusal();
            if (refused.isPresent()) {
                return problem(Outcome.REFUSED, "not rotated: " + refused.get());
            }
            long copied = rotate();
            recovered(copied);
            return Outcome.ROTATED;
        } catch (IOException e) {
            deleteQuietly(rotating);
            String reason = SafeFiles.reason(e);
            boolean full = reason.contains("No space left on device") || reason.contains("Disk quota exceeded");
            return problem(Outcome.FAILED, "rotation failed" + (full ? ": its file system is full (" + reason + ")"
                    : ": " + (e instanceof FileSystemException || e.getMessage() == null ? reason : e.getMessage()))
                    + "; the log keeps growing, the next monitor pass tries again");
        }
    }

    /** A rotation was due but the log could not be rotated without a lock: the note says why. */
    synchronized Outcome lockUnavailable(IOException e) {
        return problem(Outcome.REFUSED, "not rotated: " + e.getMessage());
    }

    /** A rotation is not due: a problem noted earlier is gone. */
    synchronized void notDue() {
        recovered(null);
    }

    /** The first file of the rotation that is refused, as the message says it; empty when none is. */
    private Optional<String> refusal() throws IOException {
        Optional<String> p = SafeFiles.problem(log);
        if (p.isPresent()) {
            return Optional.of("log file '" + log + "': " + p.get());
        }
        for (int n = 1; n <= backups; n++) {
            p = SafeFiles.problem(backup(n));
            if (p.isPresent()) {
                return Optional.of("backup '" + backup(n) + "': " + p.get());
            }
        }
        p = SafeFiles.problem(rotating);
        if (p.isPresent()) {
            return Optional.of("'" + rotating + "': " + p.get());
        }
        return Optional.empty();
    }

    /** Copy, shift, catch up, truncate; returns the bytes copied. */
    private long rotate() throws IOException {
        try (FileChannel live = SafeFiles.open(log, "log file", false, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            if (backups == 0) {
                long size = live.size();
                live.truncate(0);
                LOG.debug("log {} truncated at {} bytes (logBackups=0: no copy kept)", log, size);
                return 0;
            }
            deleteQuietly(rotating); // a leftover of a host that died mid-rotation (a regular file: checked)
            long copied;
            try (FileChannel copy = SafeFiles.open(rotating, "rotated log", true, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                copied = copy(live, 0, live.size(), copy);
                shiftBackups();
                move(rotating, backup(1));
                for (int round = 0; round < CATCH_UP_ROUNDS; round++) {
                    long size = live.size();
                    if (size <= copied) {
                        break;
                    }
                    copied = copy(live, copied, size, copy);
                }
                live.truncate(0);
            }
            LOG.debug("log {} rotated: {} bytes copied to {}", log, copied, backup(1));
            return copied;
        }
    }

    private static long copy(FileChannel from, long position, long end, FileChannel to) throws IOException {
        long p = position;
        while (p < end) {
            long n = from.transferTo(p, end - p, to);
            if (n <= 0) {
                break; // the file shrank under us (truncated by somebody else): copy what there was
            }
            p += n;
        }
        return p;
    }

    /** {@code <log>.N-1} to {@code <log>.N}, ..., {@code <log>.1} to {@code <log>.2}; the old {@code <log>.N} goes. */
    private void shiftBackups() throws IOException {
        for (int n = backups; n >= 2; n--) {
            Path from = backup(n - 1);
            if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                move(from, backup(n));
            }
        }
    }

    /** A rename that replaces {@code to} (a link there is replaced, never followed). */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot rename " + from + " to " + to + ": " + SafeFiles.reason(e), e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // the next rotation's check reports what is wrong with it
        }
    }

    private Outcome problem(Outcome outcome, String what) {
        String text = "log file " + log + ": " + what;
        if (!text.equals(note)) {
            LOG.warn("{}", text);
        }
        note = text;
        return outcome;
    }

    /** A rotation succeeded ({@code copied} bytes) or was not due ({@code null}): the note goes, with one INFO line. */
    private void recovered(Long copied) {
        if (!note.isEmpty()) {
            LOG.info("log file {}: {}", log, copied == null ? "no longer due for rotation"
                    : "rotated again (" + copied + " bytes copied to " + backup(1) + ")");
            note = "";
        }
    }

    @Override
    public String toString() {
        return "LogRotation{" + log + ", logMaxBytes=" + maxBytes + ", logBackups=" + backups + "}";
    }
}
