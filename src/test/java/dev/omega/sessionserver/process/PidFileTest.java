package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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
    @Test
    void aFileOfExactly4096BytesIsReadAndOneByteMoreIsTooLarge() throws IOException {
        Path p = dir.resolve("s.pid");
        String head = "4242\n#";
        Files.writeString(p, head + "x".repeat(4096 - head.length()));
        assertEquals(PidFile.Contents.Kind.PID_ONLY, new PidFile(p).read().kind);

        Files.writeString(p, head + "x".repeat(4097 - head.length()));
        PidFile.Contents c = new PidFile(p).read();
        assertEquals(PidFile.Contents.Kind.INVALID, c.kind);
        assertTrue(c.problem.contains("4097 bytes, too large"), c.problem);
    }

    @Test
    void aSettledFileIsParsedOnceWhileItsAttributesStayTheSame() throws IOException {
        Path p = dir.resolve("s.pid");
        PidFile f = new PidFile(p);
        f.write(new ProcessIdentity(4242, 1, "b", 1));
        settle(p);

        PidFile.Contents first = f.read();
        assertSame(first, f.read(), "not parsed again");

        f.write(new ProcessIdentity(4243, 1, "b", 1)); // a new inode
        settle(p);
        assertEquals(4243, f.read().pid);
        Files.writeString(p, "4244\nstart-ticks=1\nboot-id=b\nstart-millis=1\n"); // same inode, other size
        settle(p);
        assertEquals(4244, f.read().pid);
        Files.writeString(p, "4245\nstart-ticks=1\nboot-id=b\nstart-millis=1\n"); // same size, other time
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 20_000));
        assertEquals(4245, f.read().pid);
        Files.delete(p);
        assertEquals(PidFile.Contents.Kind.ABSENT, f.read().kind);
    }

    @Test
    void aFileWrittenJustNowIsParsedAtEveryRead() throws IOException {
        Path p = dir.resolve("s.pid");
        PidFile f = new PidFile(p);
        f.write(new ProcessIdentity(4242, 1, "b", 1));

        PidFile.Contents first = f.read();
        assertNotSame(first, f.read(), "a file written within the last two seconds may change unseen");
        assertEquals(first.identity, f.read().identity);
    }

    /** Moves the modification time 10 s back: the file has been left alone long enough to be remembered. */
    private static void settle(Path p) throws IOException {
        Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() - 10_000));
    }

    @Test
    void writeCreatesAMissingDirectory() throws IOException {
        Path p = dir.resolve("a/b/s.pid");
        new PidFile(p).write(new ProcessIdentity(4242, 1, "b", 1));
        assertEquals("4242", Files.readAllLines(p).get(0));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.getParent())));
    }

    @Test
    void anotherUsersFileIsNotTrusted() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a file to another user");
        Path p = dir.resolve("s.pid");
        Files.writeString(p, "4242\n");
        Files.setAttribute(p, "unix:uid", 65534);

        IOException e = assertThrows(IOException.class, () -> new PidFile(p).read());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }
    @Test
    void deleteSaysWhetherThereWasAFile() throws IOException {
        Path p = dir.resolve("s.pid");
        PidFile f = new PidFile(p);
        f.write(new ProcessIdentity(4242, 1, "b", 1));

        assertTrue(f.delete());
        assertFalse(Files.exists(p));
        assertFalse(f.delete(), "nothing left to delete");
    }
    @Test
    void zeroIsARecordedStartTimeNotAMissingOne() {
        assertEquals(PidFile.Contents.Kind.IDENTIFIED, PidFile.parse("4242\nstart-ticks=0\nboot-id=b\n", "t").kind);
        assertEquals(PidFile.Contents.Kind.IDENTIFIED, PidFile.parse("4242\nstart-millis=0\n", "t").kind);
        assertEquals(PidFile.Contents.Kind.PID_ONLY, PidFile.parse("4242\nstart-ticks=-1\n", "t").kind);
        assertTrue(PidFile.format(new ProcessIdentity(4242, 0, null, 0)).contains("start-ticks=0\n"));
        assertTrue(PidFile.format(new ProcessIdentity(4242, 0, null, 0)).contains("start-millis=0\n"));
    }
}
