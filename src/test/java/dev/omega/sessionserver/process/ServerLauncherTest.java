package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.Procs;

/**
 * What the launcher gives the server: default signal dispositions and an empty signal mask (a Java 17 host's children
 * inherit SIGQUIT blocked), its own session, the same PID as the spawned process; and the exit codes 127 and 126 with
 * a message naming the program when it cannot be executed.
 */
class ServerLauncherTest extends ExampleServerTest {

    private static Map<String, String> status(long pid) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return m;
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverStartsWithNoSignalBlockedOrIgnoredInASessionOfItsOwn() throws IOException {
        ProcessManager pm = manager(b -> b.command(List.of("/bin/sleep", "300")).startTimeout(Duration.ZERO));

        long pid = start(pm);

        Map<String, String> status = status(pid);
        assertEquals("0000000000000000", status.get("SigBlk"), () -> "blocked signals of the server: " + status);
        assertEquals("0000000000000000", status.get("SigIgn"), () -> "ignored signals of the server: " + status);
        Procs.Stat st = Procs.stat(pid).orElseThrow();
        assertEquals(pid, st.session, "leads its own session");
        assertEquals(pid, st.pgrp, "leads its own process group");
        assertEquals(List.of("/bin/sleep", "300"), Procs.commandLine(pid), "the launcher exec'd in place");
        assertEquals(dir.resolve("server.log").toString(), Procs.fdTarget(pid, 1));
        assertEquals(dir.resolve("server.log").toString(), Procs.fdTarget(pid, 2));
        assertEquals("/dev/null", Procs.fdTarget(pid, 0));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.log"))));
        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverIsTheShimsChildNotTheJvmsAndTheShimRecordsItsExitBesideThePidFile() throws IOException {
        ProcessManager pm = manager(b -> b.command(List.of("/bin/sleep", "300")).startTimeout(Duration.ZERO));

        long pid = start(pm);

        assertTrue(ProcessHandle.current().children().noneMatch(h -> h.pid() == pid),
                "not this JVM's child: the JDK keeps no reaper thread for it");
        assertTrue(ProcessHandle.current().children().noneMatch(h -> Procs.alive(h.pid())),
                "the launcher, the JVM's child, has exited");
        long shim = Procs.stat(pid).orElseThrow().ppid;
        assertEquals(Procs.SHIM_NAME, Procs.commandLine(shim).get(0));
        Procs.Stat shimStat = Procs.stat(shim).orElseThrow();
        assertEquals(shim, shimStat.session, "the shim leads a session of its own, not the server's");
        assertTrue(Procs.environment(shim).stream().noneMatch(e -> e.contains("=")),
                () -> "/proc shows none of the server's environment for the shim: " + Procs.environment(shim));
        assertEquals("/dev/null", Procs.fdTarget(shim, 0));
        Await.until("the shim's stdout and stderr are /dev/null", Duration.ofSeconds(10), () -> {
            try {
                return "/dev/null".equals(Procs.fdTarget(shim, 1)) && "/dev/null".equals(Procs.fdTarget(shim, 2));
            } catch (AssertionError e) {
                return false;
            }
        });
        assertEquals(List.of(), Procs.openFileDescriptors(shim).stream().filter(fd -> fd > 2)
                .collect(java.util.stream.Collectors.toList()), "the shim holds no other descriptor");
        assertEquals(OptionalInt.empty(), pm.exitCode(pid), "no exit code while it runs");
        long ticks = Procs.startTicks(pid);

        assertEquals(StopResult.EXITED_ON_SIGTERM, pm.stopServer());

        assertEquals(OptionalInt.of(143), pm.exitCode(pid), "SIGTERM: 128 + 15");
        assertEquals(OptionalInt.of(143), pm.lastExitCode());
        Path exitFile = dir.resolve("server.pid.exit");
        List<String> lines = Files.readAllLines(exitFile);
        assertEquals(List.of("pid=" + pid, "start-ticks=" + ticks, "wait-status=15"),
                lines, "what the shim wrote");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(exitFile)));
        Await.until("the shim exits after writing", Duration.ofSeconds(10), () -> !Procs.alive(shim));
        assertEquals(List.of(), reaper.markedProcesses(), "nothing left running");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void missingExecutableGives127AndAMessageNamingIt() {
        Path program = dir.resolve("no-such-server");
        ProcessManager pm = manager(b -> b.command(List.of(program.toString())));

        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

        assertEquals(ServerStartException.Reason.EXITED_DURING_START, e.reason());
        assertEquals(OptionalInt.of(127), e.exitCode());
        assertTrue(e.getMessage().contains("could not be run"), e::getMessage);
        assertTrue(e.getMessage().contains("cannot execute " + program + ": No such file or directory"), e::getMessage);
        assertFalse(Files.exists(pidFile));
        assertEquals(List.of(), reaper.markedProcesses());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void executableWithoutExecutePermissionGives126AndAMessageNamingIt() throws IOException {
        Path program = dir.resolve("not-executable.sh");
        Files.writeString(program, "#!/bin/sh\nexec sleep 300\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rw-r--r--"));
        ProcessManager pm = manager(b -> b.command(List.of(program.toString())));

        ServerStartException e = assertThrows(ServerStartException.class, pm::startServer);

        assertEquals(ServerStartException.Reason.EXITED_DURING_START, e.reason());
        assertEquals(OptionalInt.of(126), e.exitCode());
        assertTrue(e.getMessage().contains("could not be run"), e::getMessage);
        assertTrue(e.getMessage().contains("cannot execute " + program + ": Permission denied"), e::getMessage);
        assertFalse(Files.exists(pidFile));
        assertEquals(List.of(), reaper.markedProcesses());
    }
}
