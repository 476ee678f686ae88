package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * The Perl programs shipped as resources: each compiles ({@code perl -c} on a copy of the resource, also under
 * {@code strict}), the launcher writes out the same prefixes, shim name and exit codes as {@link LauncherScript}, and
 * a missing resource is a clear {@link IllegalStateException}.
 */
class PerlProgramTest {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    /**
     * Runs {@code perl <options> -c} on a copy of the resource as shipped, and on the text as run (without its
     * comments); returns the exit code and output (stdout and stderr) of the first that fails, else of the second.
     */
    private String[] perlCheck(PerlProgram program, String... options) throws IOException, InterruptedException {
        String[] shipped = perlCheck(program.resource(), PerlProgram.read(program.resource()), options);
        return !"0".equals(shipped[0]) ? shipped : perlCheck(program.resource() + ".run", program.text(), options);
    }

    private String[] perlCheck(String file, String text, String... options) throws IOException, InterruptedException {
        assumeTrue(ServerLauncher.perl().isPresent(),
                "no perl at /usr/bin/perl, /bin/perl or /usr/local/bin/perl: the Perl programs cannot be checked");
        Path copy = dir.resolve(file);
        Files.write(copy, text.getBytes(StandardCharsets.UTF_8));
        List<String> argv = new ArrayList<>(List.of(ServerLauncher.perl().get().toString()));
        argv.addAll(List.of(options));
        argv.addAll(List.of("-c", copy.toString()));
        Process p = reaper.start(new ProcessBuilder(argv).redirectErrorStream(true));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), () -> "perl -c did not finish: " + out);
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    private static PerlProgram program(String resource) {
        return resource.equals(PerlProgram.LAUNCHER.resource()) ? PerlProgram.LAUNCHER
                : resource.equals(PerlProgram.HOST_WATCH.resource()) ? PerlProgram.HOST_WATCH : PerlProgram.SIGNAL;
    }

    @ParameterizedTest
    @ValueSource(strings = {"launcher.pl", "signal.pl", "host-watch.pl"})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void eachProgramCompiles(String resource) throws Exception {
        String[] result = perlCheck(program(resource));

        assertEquals("0", result[0], () -> "perl -c " + resource + ": " + result[1]);
        assertTrue(result[1].contains("syntax OK"), () -> "perl -c " + resource + ": " + result[1]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"launcher.pl", "signal.pl", "host-watch.pl"})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void eachProgramCompilesUnderStrictSoNoVariableIsMisspelt(String resource) throws Exception {
        String[] result = perlCheck(program(resource), "-Mstrict");

        assertEquals("0", result[0], () -> "perl -Mstrict -c " + resource + ": " + result[1]);
        assertTrue(result[1].contains("syntax OK"), () -> "perl -Mstrict -c " + resource + ": " + result[1]);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theLauncherSaysWhatJavaReads() {
        String text = PerlProgram.LAUNCHER.text();

        assertTrue(text.contains("'" + LauncherScript.PID_PREFIX + "'"), "the PID line's prefix");
        assertTrue(text.contains("'" + LauncherScript.ERROR_PREFIX + "'"), "the error line's prefix");
        assertTrue(text.contains("$0 = '" + LauncherScript.SHIM_NAME + "';"), "the shim's name");
        assertTrue(text.contains("fail(" + LauncherScript.LOG_REFUSED + ","), "the refused log's exit code");
        assertTrue(text.contains("fail(" + LauncherScript.LAUNCHER_FAILED + ","), "the launcher's failure code");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theTextIsReadOnceAndAMissingProgramIsAClearError() {
        assertSame(PerlProgram.SIGNAL.text(), PerlProgram.SIGNAL.text(), "read once, then kept");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PerlProgram.read("no-such.pl"));
        assertTrue(e.getMessage().contains("no-such.pl") && e.getMessage().contains("missing"), e.getMessage());
    }
}
