package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.OptionalLong;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import dev.omega.sessionserver.process.PidFileContents.Content;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.SignalSentinel;

/**
 * The PID file for any content: parsing never throws and takes a PID only from a first line that is one, what is
 * written is read back, and the check against the kernel decides exactly what {@link PidFileSpec} says (none, stale,
 * foreign, managed), managed only for the live process whose identity the file records. The live process is a
 * {@link SignalSentinel} (the check never signals; {@link PidFileSentinelPropertiesTest} stops).
 */
class PidFilePropertiesTest {

    private static SentinelTarget live;
    private static Path dir;
    private static SignalSentinel sentinel;
    private static PidFileContents.Target target;

    @BeforeContainer
    static void startSentinel() throws IOException {
        live = SentinelTarget.start("pid-file-properties");
        dir = live.dir;
        sentinel = live.sentinel;
        target = live.target;
    }

    @AfterContainer
    static void stopSentinel() throws Exception {
        if (live != null) {
            live.close();
        }
    }

    @Provide
    Arbitrary<Content> contents() {
        return Arbitraries.oneOf(PidFileContents.around(target, true), PidFileContents.around(target, false));
    }

    @Property
    void aPidComesOnlyFromAFirstLineThatIsOneAndTheIdentityFromTheLinesAfterIt(@ForAll("contents") Content c) {
        Assume.that(c.bytes != null && c.bytes.length <= PidFileSpec.MAX_BYTES);

        PidFile.Contents parsed = PidFile.parse(new String(c.bytes, StandardCharsets.UTF_8), "test.pid");

        String[] lines = PidFileSpec.lines(c.bytes);
        OptionalLong pid = PidFileSpec.acceptedPid(lines[0]);
        PidFileSpec.Recorded recorded = PidFileSpec.recorded(lines);
        if (pid.isEmpty() || recorded.garbled) {
            assertEquals(PidFile.Contents.Kind.INVALID, parsed.kind, c::toString);
            assertFalse(parsed.hasPid(), c::toString);
            assertTrue(parsed.problem.startsWith("PID file test.pid: "), parsed.problem);
            return;
        }
        assertEquals(pid.getAsLong(), parsed.pid, c::toString);
        assertTrue(parsed.hasPid());
        if (recorded.hasIdentity()) {
            assertEquals(PidFile.Contents.Kind.IDENTIFIED, parsed.kind, c::toString);
            assertEquals(new ProcessIdentity(parsed.pid, recorded.ticks, recorded.boot, recorded.millis),
                    parsed.identity, c::toString);
        } else {
            assertEquals(PidFile.Contents.Kind.PID_ONLY, parsed.kind, c::toString);
            assertNull(parsed.identity);
        }
    }

    @Property
    void anIdentityIsReadBackAsWritten(@ForAll("pids") long pid, @ForAll @LongRange(min = -1) long ticks,
            @ForAll("bootIds") String boot, @ForAll @LongRange(min = -1) long millis) {
        ProcessIdentity id = new ProcessIdentity(pid, ticks, boot, millis);
        String text = PidFile.format(id);

        PidFile.Contents read = PidFile.parse(text, "test.pid");

        assertEquals(Long.toString(pid), text.substring(0, text.indexOf('\n')), "the first line is the PID alone");
        assertEquals(pid, read.pid);
        if (ticks < 0 && millis < 0) {
            assertEquals(PidFile.Contents.Kind.PID_ONLY, read.kind);
        } else {
            assertEquals(PidFile.Contents.Kind.IDENTIFIED, read.kind);
            assertEquals(id, read.identity);
        }
    }

    @Property(tries = 50)
    void aWrittenFileIsReadBack(@ForAll("pids") long pid, @ForAll @LongRange(min = 0) long ticks,
            @ForAll("bootIds") String boot) throws IOException {
        ProcessIdentity id = new ProcessIdentity(pid, ticks, boot, -1);
        PidFile file = new PidFile(dir.resolve("written.pid"));

        file.write(id);

        assertEquals(id, file.read().identity);
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
    }

    @Property
    void theCheckDecidesAsTheRulesSayAndManagesOnlyTheLiveProcessItsIdentityNames(@ForAll("contents") Content c)
            throws IOException {
        Path file = dir.resolve("decision.pid");
        write(file, c);
        PidFileCheck check = new PidFileCheck(new PidFile(file), new ServerCommandLine(options(file)));

        PidFileCheck.Result.Kind expected = PidFileSpec.decision(c.bytes);
        PidFileCheck.Result result = check.check();
        // a process named by the file started or ended meanwhile (another build's): no verdict on this one
        Assume.that(expected == PidFileSpec.decision(c.bytes));

        assertEquals(expected, result.kind, c::toString);
        if (result.kind == PidFileCheck.Result.Kind.MANAGED) {
            assertEquals(sentinel.pid(), result.identity.pid(), "only the target has an identity to match");
            assertTrue(result.identity.sameProcessAs(ProcessIdentity.of(sentinel.pid()).orElseThrow()));
        } else {
            assertNull(result.identity, c::toString);
        }
        assertFalse(result.adoptedWithoutIdentity, "no process runs the configured command");
        assertEquals(result.kind == PidFileCheck.Result.Kind.NONE || result.kind == PidFileCheck.Result.Kind.MANAGED,
                result.problem == null, () -> c + ": " + result.problem);
        Statistics.collect(result.kind);
        Statistics.coverage(cover -> {
            for (PidFileCheck.Result.Kind kind : PidFileCheck.Result.Kind.values()) {
                cover.check(kind).percentage(p -> p >= 1.0);
            }
        });
    }

    /** A manager's options whose command no process runs (a file without identity is never adopted). */
    static ProcessManagerOptions options(Path pidFile) {
        return ProcessManagerOptions.builder().pidFile(pidFile).healthCheckUrl("none")
                .command(List.of("/nonexistent/never-started-server", "--pid-file-properties")).build();
    }

    static void write(Path file, Content c) throws IOException {
        if (c.bytes == null) {
            Files.deleteIfExists(file);
        } else {
            Files.write(file, c.bytes);
        }
    }

    @Provide
    Arbitrary<Long> pids() {
        long self = ProcessHandle.current().pid();
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        return Arbitraries.longs().between(2, Procs.pidMax()).filter(p -> p != self && p != parent);
    }

    @Provide
    Arbitrary<String> bootIds() {
        return Arbitraries.oneOf(Arbitraries.just(target.boot),
                Arbitraries.strings().alpha().numeric().withChars('-').ofMinLength(1).ofMaxLength(36))
                .injectNull(0.25);
    }
}
