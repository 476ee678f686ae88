package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The PID file's format: seed-compatible first line, identity after it. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PidFileTest {

    @TempDir
    Path dir;

    @Test
    void firstLineIsThePidAloneThenTheIdentity() throws IOException {
        Path p = dir.resolve("s.pid");
        ProcessIdentity id = new ProcessIdentity(4242, 777, "boot-1", 1_700_000_000_000L);

        new PidFile(p).write(id);

        List<String> lines = Files.readAllLines(p);
        assertEquals("4242", lines.get(0));
        assertTrue(lines.containsAll(List.of("start-ticks=777", "boot-id=boot-1", "start-millis=1700000000000")),
                lines::toString);
        PidFile.Contents c = new PidFile(p).read();
        assertEquals(PidFile.Contents.Kind.IDENTIFIED, c.kind);
        assertEquals(id, c.identity);
    }

    @Test
    void seedFormatIsAPidWithoutIdentity() {
        for (String seed : List.of("4242", "4242\n", "4242\r\n", " 4242 \n")) {
            PidFile.Contents c = PidFile.parse(seed, "test");
            assertEquals(PidFile.Contents.Kind.PID_ONLY, c.kind, seed);
            assertEquals(4242, c.pid);
        }
    }

    @Test
    void garbledIdentityIsInvalidNotTrusted() {
        PidFile.Contents c = PidFile.parse("4242\nstart-ticks=abc\n", "test");
        assertEquals(PidFile.Contents.Kind.INVALID, c.kind);
        assertTrue(c.problem.contains("'abc'"), c.problem);
    }

    @Test
    void oversizedFileIsInvalid() throws IOException {
        Path p = dir.resolve("s.pid");
        Files.writeString(p, "4242\n" + "#".repeat(5000));
        assertEquals(PidFile.Contents.Kind.INVALID, new PidFile(p).read().kind);
    }

    @Test
    void missingFileIsAbsent() throws IOException {
        assertEquals(PidFile.Contents.Kind.ABSENT, new PidFile(dir.resolve("none.pid")).read().kind);
    }

    @Test
    void writeReplacesAGroupWritableFileWithOneThatIsNot() throws IOException {
        Path p = dir.resolve("s.pid");
        Files.writeString(p, "1\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw-rw-"));

        new PidFile(p).write(new ProcessIdentity(4242, 1, "b", 1));

        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.collect(java.util.stream.Collectors.toList()), "no temporary file left");
        }
    }

    @Test
    void symlinkIsNeitherReadNorWrittenThroughNorDeleted() throws IOException {
        Path target = dir.resolve("target");
        Files.writeString(target, "4242\n");
        Path link = Files.createSymbolicLink(dir.resolve("s.pid"), target);
        PidFile f = new PidFile(link);

        assertThrows(IOException.class, f::read);
        assertThrows(IOException.class, () -> f.write(new ProcessIdentity(4243, 1, "b", 1)));
        assertThrows(IOException.class, f::delete);
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("4242\n", Files.readString(target));
        assertFalse(Files.exists(dir.resolve("s.pid.tmp")));
    }
}
