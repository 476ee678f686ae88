package dev.omega.sessionserver.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A small tmpfs mounted on a directory of a test's own, for faults of the file system itself (full, read-only). Needs
 * root: {@link #assumeRoot(String)} skips the test with a message otherwise (CI runs the tests as root).
 * {@link #close()} always unmounts, falling back to a lazy unmount ({@code umount -l}), and fails when the mount is
 * still there afterwards. Use in try-with-resources, or close in teardown.
 */
public final class TmpfsMount implements AutoCloseable {

    private final Path dir;
    private boolean mounted;

    private TmpfsMount(Path dir) {
        this.dir = dir;
    }

    /** Whether this JVM runs as root (effective uid 0). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            // below
        }
        return "root".equals(System.getProperty("user.name"));
    }

    /** Skips the calling test, saying why, unless it runs as root. */
    public static void assumeRoot(String what) {
        assumeTrue(isRoot(), () -> "skipped: " + what + " needs root (as CI runs the tests); running as "
                + System.getProperty("user.name"));
    }

    /**
     * Creates {@code dir} and mounts a tmpfs on it with these mount options (e.g. {@code size=64k} or {@code ro}).
     */
    public static TmpfsMount mount(Path dir, String options) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TmpfsMount m = new TmpfsMount(dir);
        Commands.run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
        m.mounted = true;
        if (!m.isMounted()) {
            throw new AssertionError("mount reported success but " + dir + " is not in /proc/self/mounts");
        }
        return m;
    }

    /** Writes zeros to {@code file} until the file system is full (the write fails); returns the bytes written. */
    public static long fill(Path file) {
        byte[] chunk = new byte[4096];
        long written = 0;
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException expected) {
            return written; // "No space left on device"
        }
    }

    public Path dir() {
        return dir;
    }

    /** Whether {@code /proc/self/mounts} lists a mount on the directory. */
    public boolean isMounted() throws IOException {
        String target = dir.toRealPath().toString();
        return Files.readAllLines(Paths.get("/proc/self/mounts")).stream().map(l -> l.split(" "))
                .anyMatch(f -> f.length > 1 && f[1].equals(target));
    }

    /** Unmounts (lazily when a plain unmount fails) and asserts the mount is gone. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (!mounted) {
            return;
        }
        mounted = false;
        if (Commands.exitCode("umount", dir.toString()) != 0) {
            Commands.exitCode("umount", "-l", dir.toString());
        }
        if (isMounted()) {
            throw new AssertionError("tmpfs on " + dir + " is still mounted after umount and umount -l");
        }
    }
}
