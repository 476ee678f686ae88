package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The PID file: where a server's PID and identity outlive the JVM that started it.
 *
 * <p>Format (UTF-8, one item a line). The first line is the PID alone, so {@code kill $(head -1 FILE)} and the
 * TypeScript tool's reader keep working (its PID file is that line alone); then {@code key=value} lines with the
 * identity:
 * <pre>
 * 12345
 * # session-server-manager: identity of the process above
 * start-ticks=4711
 * boot-id=0f1e...
 * start-millis=1764135000120
 * </pre>
 * A file with only the PID line (as the TypeScript tool writes it) is read as a PID without identity.
 *
 * <p>Writes are atomic (a temporary file beside it, fsync, atomic rename, fsync of the directory) and leave the
 * file {@code rw-r--r--}; a missing directory is created {@code rwxr-xr-x}. A PID file that is a symbolic link, not a
 * regular file, or owned by another user is neither trusted nor written nor removed: reading, writing and deleting
 * it throw, naming the path and the reason (see {@link SafeFiles}); it is opened with {@code O_NOFOLLOW}.
 * Not thread-safe on its own: {@link ProcessManager} serializes access with a {@link PidFileLock}.
 *
 * <p>{@link #read()} keeps what it last read with the file's attributes (file key, i.e. device and inode, size and
 * modification time, read without following links) and returns it again, without opening the file, while they are
 * the same and the file had not been written for two seconds when it was read: a monitor that reads the file every
 * second parses it only when it changes. Every write replaces the
 * inode (atomic rename), and the refusal checks of {@link SafeFiles} still run on every read.
 */
final class PidFile {

    private static final Set<PosixFilePermission> FILE_PERMISSIONS = SafeFiles.FILE_PERMISSIONS;
    private static final boolean POSIX = SafeFiles.POSIX;

    private final Path path;
    /** How long a file must have been left alone before its contents are remembered by its attributes. */
    private static final long SETTLED_MILLIS = 2000;
    /** The last read and the attributes it was read under; replaced as a whole. */
    private volatile Cached cached;

    /** Contents with the attributes of the file they were read from. */
    private static final class Cached {
        final Object fileKey;
        final long size;
        final FileTime modified;
        final Contents contents;

        Cached(BasicFileAttributes attrs, Contents contents) {
            this.fileKey = attrs.fileKey();
            this.size = attrs.size();
            this.modified = attrs.lastModifiedTime();
            this.contents = contents;
        }

        boolean matches(BasicFileAttributes attrs) {
            return fileKey != null && fileKey.equals(attrs.fileKey()) && size == attrs.size()
                    && modified.equals(attrs.lastModifiedTime());
        }
    }

    PidFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** What a PID file holds, as read. */
    static final class Contents {
        enum Kind {
            /** No file. */
            ABSENT,
            /** A file whose PID line this tool refuses (see {@link PidValidator}) or whose identity is garbled. */
            INVALID,
            /** A valid PID without identity lines (the PID line alone, as the TypeScript tool writes it). */
            PID_ONLY,
            /** A valid PID with its recorded identity. */
            IDENTIFIED
        }

        final Kind kind;
        final long pid; // -1 unless PID_ONLY or IDENTIFIED
        final ProcessIdentity identity; // IDENTIFIED only
        final String problem; // INVALID only

        private Contents(Kind kind, long pid, ProcessIdentity identity, String problem) {
            this.kind = kind;
            this.pid = pid;
            this.identity = identity;
            this.problem = problem;
        }

        static final Contents ABSENT_FILE = new Contents(Kind.ABSENT, -1, null, null);

        static Contents invalid(String problem) {
            return new Contents(Kind.INVALID, -1, null, problem);
        }

        boolean hasPid() {
            return pid > 0;
        }
    }

    /**
     * Reads and validates the file. Never throws for bad content: that is {@link Contents.Kind#INVALID}.
     *
     * @throws IOException when the file cannot be read, or is a symbolic link, not a regular file or another user's:
     *         such a file is neither trusted (whoever placed it may point it at any PID) nor removed or replaced
     */
    Contents read() throws IOException {
        SafeFiles.checkExisting(path, "PID file");
        BasicFileAttributes before;
        try {
            before = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            cached = null;
            return Contents.ABSENT_FILE;
        } catch (IOException e) {
            before = null; // read it the long way, which reports the reason
        }
        Cached c = cached;
        if (before != null && c != null && before.isRegularFile() && c.matches(before)) {
            return c.contents;
        }
        Contents contents = readFile();
        // only a file that has not been written for a while is remembered: a file system's clock may be coarse
        // (milliseconds), and a rewrite within one of its ticks that kept the size would otherwise go unseen
        cached = before != null && before.isRegularFile() && before.fileKey() != null
                && System.currentTimeMillis() - before.lastModifiedTime().toMillis() > SETTLED_MILLIS
                        ? new Cached(before, contents) : null;
        return contents;
    }

    private Contents readFile() throws IOException {
        String text;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.allocate(4097);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read at most one byte past the limit
            }
            if (buf.position() > 4096) {
                return Contents.invalid("PID file " + path + " is " + ch.size() + " bytes, too large to be a PID file");
            }
            text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Contents.ABSENT_FILE;
        } catch (FileSystemException e) {
            SafeFiles.checkExisting(path, "PID file"); // a link placed since the check: O_NOFOLLOW refused it
            throw new IOException("cannot read PID file " + path + ": " + SafeFiles.reason(e), e);
        }
        return parse(text, path.toString());
    }

    static Contents parse(String text, String source) {
        String[] lines = text.split("\r?\n", -1);
        long pid;
        try {
            pid = PidValidator.parse(lines[0]);
        } catch (PidValidator.InvalidPidException e) {
            return Contents.invalid("PID file " + source + ": " + e.getMessage());
        }
        long ticks = -1;
        long millis = -1;
        String boot = null;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).trim();
            String value = line.substring(eq + 1).trim();
            try {
                switch (key) {
                    case "start-ticks":
                        ticks = Long.parseLong(value);
                        break;
                    case "start-millis":
                        millis = Long.parseLong(value);
                        break;
                    case "boot-id":
                        boot = value;
                        break;
                    default:
                        break;
                }
            } catch (NumberFormatException e) {
                return Contents.invalid("PID file " + source + ": '" + key + "' is not a number: '" + value + "'");
            }
        }
        if (ticks < 0 && millis < 0) {
            return new Contents(Contents.Kind.PID_ONLY, pid, null, null);
        }
        return new Contents(Contents.Kind.IDENTIFIED, pid, new ProcessIdentity(pid, ticks, boot, millis), null);
    }

    static String format(ProcessIdentity id) {
        StringBuilder sb = new StringBuilder();
        sb.append(id.pid()).append('\n');
        sb.append("# session-server-manager: identity of the process above; the first line alone is the PID\n");
        if (id.startTicks() >= 0) {
            sb.append("start-ticks=").append(id.startTicks()).append('\n');
        }
        id.bootId().ifPresent(b -> sb.append("boot-id=").append(b).append('\n'));
        if (id.startEpochMillis() >= 0) {
            sb.append("start-millis=").append(id.startEpochMillis()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Atomically replaces the file with {@code identity}. Creates missing parent directories.
     *
     * @throws IOException if the PID file is refused (see {@link SafeFiles#checkExisting}), or the write fails (then
     *         the old file is untouched); the message names the PID file and the system's reason
     */
    void write(ProcessIdentity identity) throws IOException {
        cached = null;
        SafeFiles.checkExisting(path, "PID file");
        Path dir = path.toAbsolutePath().getParent();
        SafeFiles.createDirectories(dir, "PID file " + path);
        try {
            Path tmp = writeTemporary(dir, format(identity), true);
            try {
                try {
                    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) { // FileSystemException, or a plain one from write or force ("No space left...")
            throw new IOException("cannot write PID file " + path + ": " + SafeFiles.reason(e), e);
        }
        syncDirectory(dir);
    }

    /**
     * Proves, before a spawn, that the PID file can be written: the existing file (if any) is acceptable (see
     * {@link SafeFiles#checkExisting}), its directory exists (created {@code rwxr-xr-x} when missing), and a
     * temporary file beside it can be written with a PID file's content (not synced: a full or read-only file
     * system refuses the write itself); the temporary file is removed.
     *
     * @throws IOException naming the PID file and the system's reason ({@code No space left on device},
     *         {@code Read-only file system}, ...)
     */
    void proveWritable() throws IOException {
        SafeFiles.checkExisting(path, "PID file");
        Path dir = path.toAbsolutePath().getParent();
        SafeFiles.createDirectories(dir, "PID file " + path);
        try {
            // not synced: the file system refuses a full disk or a read-only mount at the write; the PID file written
            // after the spawn is synced (an fsync here cost 3-4 ms before every spawn)
            Files.delete(writeTemporary(dir, format(new ProcessIdentity(Long.MAX_VALUE, Long.MAX_VALUE,
                    "00000000-0000-0000-0000-000000000000", Long.MAX_VALUE)), false));
        } catch (IOException e) { // FileSystemException, or a plain one from write or force ("No space left...")
            throw new IOException("cannot write PID file " + path + ": " + SafeFiles.reason(e), e);
        }
    }

    /**
     * A new {@code rw-r--r--} temporary file in {@code dir} holding {@code text}, synced when {@code sync}; removed
     * when that fails.
     */
    private Path writeTemporary(Path dir, String text, boolean sync) throws IOException {
        Path tmp = POSIX
                ? Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp",
                        PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS))
                : Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
        boolean ok = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                    LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (sync) {
                    ch.force(true);
                }
            }
            ok = true;
            return tmp;
        } finally {
            if (!ok) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Removes the file; a missing file is fine. A symbolic link, a file that is not regular or another user's file is
     * refused (read would have refused it first).
     */
    boolean delete() throws IOException {
        cached = null;
        SafeFiles.checkExisting(path, "PID file");
        return Files.deleteIfExists(path);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some platforms cannot open a directory; the rename is still atomic
        }
    }
}
