package dev.omega.sessionserver.process;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes start and stop for one PID file, across the threads of this JVM and across JVMs: an in-JVM lock
 * per PID file path, then an OS file lock on {@code <pidFile>.lock} (the lock file is left in place: deleting a
 * lock file races with the next locker). Reentrant within a thread.
 *
 * <p>The lock file follows {@link SafeFiles}: opened with {@code O_NOFOLLOW}, created {@code rw-r--r--} at most, and
 * refused (with its path and the reason) when it is a symbolic link, not a regular file or another user's.
 */
final class PidFileLock {

    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path lockPath;
    private final ReentrantLock jvmLock;
    private FileChannel channel; // guarded by jvmLock
    private FileLock fileLock; // guarded by jvmLock

    PidFileLock(Path pidFile) {
        Path abs = pidFile.toAbsolutePath().normalize();
        this.lockPath = abs.resolveSibling(abs.getFileName() + ".lock");
        this.jvmLock = JVM_LOCKS.computeIfAbsent(abs, p -> new ReentrantLock());
    }

    Path path() {
        return lockPath;
    }

    /** A held lock; closing it releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes the lock, waiting at most {@code timeoutMillis}.
     *
     * @throws IOException if the lock cannot be had in time, or the lock file cannot be opened or is refused (the
     *         message names the lock file and the reason)
     */
    Held acquire(long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            if (!jvmLock.tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new IOException("timed out after " + timeoutMillis + " ms waiting for another start or stop"
                        + " of the same PID file in this JVM (" + lockPath + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + lockPath, e);
        }
        boolean ok = false;
        try {
            if (jvmLock.getHoldCount() == 1) {
                lockFile(deadline, timeoutMillis);
            }
            ok = true;
        } finally {
            if (!ok) {
                jvmLock.unlock();
            }
        }
        return this::release;
    }

    /** Takes the lock only if it is free right now; empty when another holder has it. */
    java.util.Optional<Held> tryAcquire() throws IOException {
        if (!jvmLock.tryLock()) {
            return java.util.Optional.empty();
        }
        if (jvmLock.getHoldCount() > 1) {
            return java.util.Optional.of(this::release);
        }
        boolean ok = false;
        try {
            openChannel();
            fileLock = channel.tryLock();
            ok = fileLock != null;
        } finally {
            if (!ok) {
                closeChannel();
                jvmLock.unlock();
            }
        }
        return ok ? java.util.Optional.of(this::release) : java.util.Optional.empty();
    }

    private void lockFile(long deadline, long timeoutMillis) throws IOException {
        openChannel();
        long pause = 1;
        while (true) {
            fileLock = channel.tryLock();
            if (fileLock != null) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                closeChannel();
                throw new IOException("timed out after " + timeoutMillis + " ms waiting for another process's start"
                        + " or stop of the same PID file (lock " + lockPath + ")");
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                closeChannel();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + lockPath, e);
            }
            pause = Math.min(pause * 2, 20);
        }
    }

    private void openChannel() throws IOException {
        SafeFiles.createDirectories(lockPath.getParent(), "lock file " + lockPath);
        channel = SafeFiles.open(lockPath, "lock file", true, StandardOpenOption.WRITE);
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close(); // releases fileLock too
            } catch (IOException e) {
                // nothing to do
            }
            channel = null;
            fileLock = null;
        }
    }

    private void release() {
        if (jvmLock.getHoldCount() == 1) {
            closeChannel();
        }
        jvmLock.unlock();
    }
}
