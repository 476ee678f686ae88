package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a directory of a test's own, to fill a file system for real. Needs root (as CI runs the
 * tests): {@link #mount} aborts the test (skipped, with the reason) when the process is not root or mount(8) is
 * refused (a container without CAP_SYS_ADMIN). {@link #close()} always unmounts: {@code umount}, then
 * {@code umount -l} as a last resort (a process still holding a file there), and fails when the mount is still
 * listed afterwards. Callers kill what writes there before closing.
 */
final class SmallTmpfs implements AutoCloseable {

    private final Path mountPoint;
    private boolean mounted;

    private SmallTmpfs(Path mountPoint) {
        this.mountPoint = mountPoint;
        this.mounted = true;
    }

    /** This JVM's real uid, from {@code /proc/self/status}; -1 when unknown. */
    static long uid() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Whether this JVM runs as root. */
    static boolean root() {
        return uid() == 0;
    }

    /** Creates {@code mountPoint} and mounts a tmpfs of {@code bytes} there, or aborts the test with the reason. */
    static SmallTmpfs mount(Path mountPoint, long bytes) throws Exception {
        if (!root()) {
            abort("skipped: filling a file system needs a tmpfs mount, and that needs root (CI runs as root); this"
                    + " JVM runs as uid " + uid());
        }
        Files.createDirectories(mountPoint);
        Result r = run("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0755", "tmpfs", mountPoint.toString());
        if (r.exitCode != 0) {
            abort("skipped: mount -t tmpfs on " + mountPoint + " was refused (exit " + r.exitCode + "): " + r.output);
        }
        return new SmallTmpfs(mountPoint);
    }

    /** Whether {@code path} is a mount point now, from {@code /proc/self/mountinfo} (field 5). */
    static boolean mounted(Path path) throws IOException {
        String p = path.toAbsolutePath().toString();
        for (String line : Files.readAllLines(Paths.get("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].replace("\\040", " ").equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** Writes zeros to {@code file} until the file system is full (the write fails); returns the bytes written. */
    static long fill(Path file) {
        byte[] chunk = new byte[4096];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException expected) {
            return written; // "No space left on device"
        }
    }

    @Override
    public void close() throws Exception {
        if (!mounted) {
            return;
        }
        Result r = run("umount", mountPoint.toString());
        if (r.exitCode != 0) {
            System.err.println("[tmpfs] umount " + mountPoint + " failed (" + r.output.trim() + "): umount -l");
            run("umount", "-l", mountPoint.toString());
        }
        mounted = false;
        if (mounted(mountPoint)) {
            throw new AssertionError("the tmpfs on " + mountPoint + " is still mounted after umount and umount -l");
        }
    }

    private static final class Result {
        final int exitCode;
        final String output;

        Result(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    private static Result run(String... argv) throws Exception {
        Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, String.join(" ", argv) + ": no answer within 30 s");
        }
        return new Result(p.exitValue(), out);
    }
}
