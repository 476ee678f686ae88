package dev.omega.sessionserver.jmx;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the free space of the file system that holds a managed server's log, once per monitor pass, so that a
 * disk filling up while the server runs is reported rather than silently losing the server's output.
 *
 * <p>The log's file system counts as <em>full</em> when the space usable by this JVM's user
 * ({@link FileStore#getUsableSpace()}, one {@code statvfs} call: {@code f_bavail} blocks, which leaves out blocks
 * reserved for root) is below {@value #FULL_BELOW_BYTES} bytes (64 KiB): by then a server's writes fail or are about
 * to. The server is never touched for it: it keeps running (its writes fail, its output is lost). On the change to
 * full, {@link #check()} returns the note for {@code LastError} ("log file F: its file system is full (N bytes
 * usable, below 65536); the server's output is being lost until space is freed") and one WARN line is logged; while
 * it stays full nothing more is logged; when space returns the note is cleared and one INFO line is logged.
 *
 * <p>The {@link FileStore} of the log's directory is looked up once (on the first pass where the directory exists)
 * and cached; each pass then costs one {@code statvfs} of that directory, never the network (unless the directory
 * itself is on a network file system, where the call may block that pass; attribute reads never wait for it). When
 * the directory cannot be looked at (missing, unreadable), the last verdict stands and the store is looked up again
 * on the next pass; that is logged at DEBUG only.
 *
 * <p>Not thread-safe: called by the monitor only, whose passes never overlap.
 */
final class LogSpaceWatch {

    /** Usable bytes below which the log's file system counts as full: 64 KiB. */
    static final long FULL_BELOW_BYTES = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(SessionServerManager.class);

    private final String name;
    private final Path log;
    private final Path directory;
    private FileStore store; // null until looked up
    private String note = ""; // what check() returned last: "" when not full

    /**
     * @param name the server's name, for log lines
     * @param log  the server's log file (it need not exist yet)
     */
    LogSpaceWatch(String name, Path log) {
        this.name = Objects.requireNonNull(name, "name");
        this.log = Objects.requireNonNull(log, "log").toAbsolutePath();
        Path parent = this.log.getParent();
        this.directory = parent == null ? this.log : parent;
    }

    /** The log file watched. */
    Path log() {
        return log;
    }

    /**
     * Looks at the usable space once.
     *
     * @return the note for {@code LastError}: "" when there is space, else the message that says the log's file
     *         system is full (unchanged when the space cannot be read now)
     */
    String check() {
        long usable;
        try {
            if (store == null) {
                store = Files.getFileStore(directory);
            }
            usable = store.getUsableSpace();
        } catch (IOException | RuntimeException e) {
            store = null;
            LOG.debug("session server '{}': cannot read the free space of {}: {}", name, directory, e.toString());
            return note;
        }
        boolean full = usable < FULL_BELOW_BYTES;
        if (full && note.isEmpty()) {
            note = "log file " + log + ": its file system is full (" + usable + " bytes usable, below "
                    + FULL_BELOW_BYTES + "); the server's output is being lost until space is freed";
            LOG.warn("session server '{}': {} (the server keeps running)", name, note);
        } else if (!full && !note.isEmpty()) {
            note = "";
            LOG.info("session server '{}': log file {}: its file system has space again ({} bytes usable)", name,
                    log, usable);
        }
        return note;
    }
}
