package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The rules for every file this tool creates or opens (the PID file, its lock file, the server's log, and their
 * directories), in one place:
 * <ul>
 * <li>never opened through a symbolic link: opens use {@link LinkOption#NOFOLLOW_LINKS} ({@code O_NOFOLLOW} on
 * Linux and macOS), so a link placed between a check and the open makes the open fail rather than follow it;</li>
 * <li>an existing file must be a regular file owned by this process's effective user: anything else is refused with
 * an {@link IOException} whose message names the path and what is wrong;</li>
 * <li>created {@code rw-r--r--} (files) and {@code rwxr-xr-x} (directories) at most: the umask can only remove
 * bits, so nothing this tool creates is group- or world-writable.</li>
 * </ul>
 * Stateless and thread-safe. Without POSIX attributes (Windows) the owner and mode rules do not apply.
 */
final class SafeFiles {

    static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-r--r--");
    static final Set<PosixFilePermission> DIRECTORY_PERMISSIONS = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final OptionalLong EFFECTIVE_UID = effectiveUid();

    private SafeFiles() {
    }

    /**
     * Refuses an existing {@code path} that is a symbolic link, not a regular file, or owned by another user; a
     * missing path is fine. Never follows a link.
     *
     * @param what how the message names the file ({@code "PID file"}, {@code "log file"}, ...)
     * @throws IOException naming the path and what is wrong with it
     */
    static void checkExisting(Path path, String what) throws IOException {
        Optional<String> problem = problem(path);
        if (problem.isPresent()) {
            throw new IOException("refusing to use " + what + " '" + path + "': " + problem.get());
        }
    }

    /** What is wrong with existing {@code path} (see {@link #checkExisting}); empty when nothing is, or it is missing. */
    static Optional<String> problem(Path path) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (FileSystemException e) {
            throw new IOException("cannot examine " + path + ": " + reason(e), e);
        }
        if (attrs.isSymbolicLink()) {
            String target;
            try {
                target = Files.readSymbolicLink(path).toString();
            } catch (IOException e) {
                target = "?";
            }
            return Optional.of("it is a symbolic link (to '" + target + "'), which is neither trusted nor written"
                    + " through; remove it or configure another path");
        }
        if (!attrs.isRegularFile()) {
            return Optional.of("it is " + kind(attrs) + ", not a regular file");
        }
        OptionalLong owner = owner(path);
        if (owner.isPresent() && EFFECTIVE_UID.isPresent() && owner.getAsLong() != EFFECTIVE_UID.getAsLong()) {
            return Optional.of("it belongs to uid " + owner.getAsLong() + ", not to uid " + EFFECTIVE_UID.getAsLong()
                    + " (this process's user); another user could have placed it, so it is neither trusted nor"
                    + " written");
        }
        return Optional.empty();
    }

    /**
     * Opens {@code path}, never through a symbolic link, creating it {@code rw-r--r--} (at most) when
     * {@code create}; checked before and after the open (see {@link #checkExisting}).
     *
     * @throws IOException naming the path and what is wrong, or the system's reason the open failed
     */
    static FileChannel open(Path path, String what, boolean create, OpenOption... options) throws IOException {
        checkExisting(path, what);
        List<OpenOption> all = new ArrayList<>(Arrays.asList(options));
        all.add(LinkOption.NOFOLLOW_LINKS);
        if (create) {
            all.add(StandardOpenOption.CREATE);
        }
        FileChannel ch;
        try {
            ch = create && POSIX
                    ? FileChannel.open(path, Set.copyOf(all), PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS))
                    : FileChannel.open(path, Set.copyOf(all));
        } catch (FileSystemException e) {
            if (Files.isSymbolicLink(path)) { // appeared between the check and the open: O_NOFOLLOW refused it
                checkExisting(path, what);
            }
            throw new IOException("cannot open " + what + " " + path + ": " + reason(e), e);
        }
        boolean ok = false;
        try {
            checkExisting(path, what); // replaced between the first check and the open
            ok = true;
            return ch;
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    /**
     * Creates the missing directories of {@code dir}, each {@code rwxr-xr-x} at most; existing ones are left as
     * they are.
     *
     * @throws IOException naming the directory and the system's reason
     */
    static void createDirectories(Path dir, String what) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            if (POSIX) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY_PERMISSIONS));
            } else {
                Files.createDirectories(dir);
            }
        } catch (FileSystemException e) {
            throw new IOException("cannot create the directory " + dir + " of " + what + ": " + reason(e), e);
        }
    }

    /** The file attribute that creates a file {@code rw-r--r--} (at most); empty without POSIX attributes. */
    static Optional<FileAttribute<Set<PosixFilePermission>>> fileAttributes() {
        return POSIX ? Optional.of(PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS)) : Optional.empty();
    }

    /**
     * The system's reason for a failed file operation, without the path the JDK prefixes ({@code "No space left on
     * device"}, {@code "Read-only file system"}, {@code "Permission denied"}).
     */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            return ((FileSystemException) e).getReason();
        }
        return String.valueOf(e.getMessage());
    }

    private static String kind(BasicFileAttributes attrs) {
        if (attrs.isDirectory()) {
            return "a directory";
        }
        if (attrs.isOther()) {
            return "a special file (FIFO, socket or device)";
        }
        return "not a regular file";
    }

    private static OptionalLong owner(Path path) {
        if (!POSIX) {
            return OptionalLong.empty();
        }
        try {
            Object uid = Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            return uid instanceof Number ? OptionalLong.of(((Number) uid).longValue()) : OptionalLong.empty();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return OptionalLong.empty();
        }
    }

    /** The effective uid, from {@code /proc/self/status} (Linux), else from the owner of a file this JVM creates. */
    private static OptionalLong effectiveUid() {
        if (!POSIX) {
            return OptionalLong.empty();
        }
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    return OptionalLong.of(Long.parseLong(line.substring(4).trim().split("\\s+")[1]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: below
        }
        try {
            Path probe = Files.createTempFile("omega-uid-", ".tmp");
            try {
                return owner(probe);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
