package dev.omega.sessionserver.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A Perl program shipped as a resource of this package ({@code launcher.pl}, {@code signal.pl}), and its text, read
 * from the class path on first use and kept. The text is passed to {@code perl -e} as one argument, never written to
 * a file; each resource says at its top how it is run, with which arguments, and what it reports. Thread-safe.
 */
final class PerlProgram {

    /** {@code launcher.pl}: starts the server detached (see {@link LauncherScript}). */
    static final PerlProgram LAUNCHER = new PerlProgram("launcher.pl");
    /** {@code signal.pl}: signals each {@code pid:startTicks} pair only while its start ticks still match. */
    static final PerlProgram SIGNAL = new PerlProgram("signal.pl");

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
     * The program's text (UTF-8), read once.
     *
     * @throws IllegalStateException when the resource is missing from the class path or cannot be read (a broken
     *         build or jar: nothing can be launched without it)
     */
    String text() {
        String t = text;
        if (t == null) {
            t = read(resource);
            text = t; // a race reads the same resource twice and keeps equal strings
        }
        return t;
    }

    /** The resource {@code name} of this package, as UTF-8 text. */
    static String read(String name) {
        try (InputStream in = PerlProgram.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the Perl program " + name + " is missing from the class path"
                        + " (expected beside " + PerlProgram.class.getName() + "): the jar is incomplete");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("could not read the Perl program " + name + ": " + e.getMessage(),
                    new UncheckedIOException(e));
        }
    }
}
