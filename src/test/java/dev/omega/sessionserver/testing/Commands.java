package dev.omega.sessionserver.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Short system commands a test runs itself ({@code mount}, {@code chown}, {@code mkfifo}, {@code kill -STOP}). */
public final class Commands {

    private Commands() {
    }

    /** Runs {@code argv} (at most 30 s) and fails with its output unless it exits 0. */
    public static void run(String... argv) throws IOException, InterruptedException {
        Path out = Files.createTempFile("command-", ".txt");
        try {
            int rc = exec(out, argv);
            if (rc != 0) {
                throw new AssertionError(String.join(" ", argv) + " failed (exit " + rc + "): " + Files.readString(out));
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Runs {@code argv} (at most 30 s) and returns its exit code (-1 when it did not finish). */
    public static int exitCode(String... argv) throws IOException, InterruptedException {
        Path out = Files.createTempFile("command-", ".txt");
        try {
            return exec(out, argv);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int exec(Path out, String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(argv)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            return -1;
        }
        return p.exitValue();
    }
}
