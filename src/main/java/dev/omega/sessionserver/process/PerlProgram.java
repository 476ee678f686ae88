package dev.omega.sessionserver.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A Perl program shipped as a resource of this package ({@code launcher.pl}, {@code signal.pl}, {@code host-watch.pl}), and its text, read
 * from the class path on first use and kept. The text is passed to {@code perl -e} as one argument, never written to
 * a file; each resource says at its top how it is run, with which arguments, and what it reports. What is passed is
 * the program without its comment lines and blank lines (a line whose first non-blank character is {@code #}; the
 * programs have no here-documents or multi-line strings), so that {@code ps} and {@code /proc/<pid>/cmdline} show the
 * program, not its commentary. Thread-safe.
 */
final class PerlProgram {

    /** {@code launcher.pl}: starts the server detached (see {@link LauncherScript}). */
    static final PerlProgram LAUNCHER = new PerlProgram("launcher.pl");
    /** {@code signal.pl}: signals each {@code pid:startTicks} pair only while its start ticks still match. */
    static final PerlProgram SIGNAL = new PerlProgram("signal.pl");
    /** {@code host-watch.pl}: stops a server when the host JVM that spawned it dies (see {@link HostWatcher}). */
    static final PerlProgram HOST_WATCH = new PerlProgram("host-watch.pl");

    private final String resource;
    private volatile String text;

    private PerlProgram(String resource) {
        this.resource = resource;
    }

    /** The resource's name, relative to this package. */
    String resource() {
        return resource;
    }

    /**
     * The program's text as run (UTF-8, without comment and blank lines), read once.
     *
     * @throws IllegalStateException when the resource is missing from the class path or cannot be read (a broken
     *         build or jar: nothing can be launched without it)
     */
    String text() {
        String t = text;
        if (t == null) {
            t = withoutComments(read(resource));
            text = t; // a race reads the same resource twice and keeps equal strings
        }
        return t;
    }

    /** {@code text} without the lines that hold only a comment or nothing. */
    static String withoutComments(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (String line : text.split("\n", -1)) {
            String t = line.trim();
            if (!t.isEmpty() && !t.startsWith("#")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    /** The resource {@code name} of this package, as UTF-8 text. */
    static String read(String name) {
        try (InputStream in = PerlProgram.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the program " + name + " is missing from the class path"
                        + " (expected beside " + PerlProgram.class.getName() + "): the jar is incomplete");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("could not read the program " + name + ": " + e.getMessage(),
                    new UncheckedIOException(e));
        }
    }
}
