package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.ConcurrentStartMain;
import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.ServerHostMain;
import dev.omega.sessionserver.testing.TestJvm;

/** Several JVMs sharing one PID file, and a host JVM that dies while its server runs. */
class ProcessManagerMultiJvmTest extends ExampleServerTest {

    private static final int JVMS = 4;
    private static final int THREADS = 5;

    private Map<String, String> hostArgs() {
        return Map.of("pidFile", pidFile.toString(), "port", Integer.toString(port), "marker", reaper.marker(),
                "classes", ExampleServer.classesDir().toString());
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void twentyConcurrentStartsFromFourJvmsGiveExactlyOneServer() throws Exception {
        Path barrier = Files.createDirectory(dir.resolve("barrier"));
        List<Process> jvms = new ArrayList<>();
        for (int i = 0; i < JVMS; i++) {
            Map<String, String> args = new java.util.HashMap<>(hostArgs());
            args.put("barrier", barrier.toString());
            args.put("id", Integer.toString(i));
            args.put("threads", Integer.toString(THREADS));
            jvms.add(reaper.start(new ProcessBuilder(TestJvm.command(ConcurrentStartMain.class, args))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(dir.resolve("out-" + i + ".txt").toFile())
                    .redirectError(dir.resolve("err-" + i + ".txt").toFile())));
        }
        Await.until("all " + JVMS + " JVMs have their " + THREADS + " threads waiting", Duration.ofSeconds(60),
                () -> {
                    for (int i = 0; i < JVMS; i++) {
                        if (!Files.exists(barrier.resolve("ready-" + i))) {
                            int jvm = i;
                            assertTrue(jvms.get(jvm).isAlive(), () -> "JVM " + jvm + " died early (exit "
                                    + jvms.get(jvm).exitValue() + "); err-" + jvm + ".txt:\n"
                                    + read(dir.resolve("err-" + jvm + ".txt")) + "\nout-" + jvm + ".txt:\n"
                                    + read(dir.resolve("out-" + jvm + ".txt")));
                            return false;
                        }
                    }
                    return true;
                });
        Files.createFile(barrier.resolve("go"));

        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < JVMS; i++) {
            assertTrue(jvms.get(i).waitFor(60, TimeUnit.SECONDS), "JVM " + i + " finished");
            String out = read(dir.resolve("out-" + i + ".txt"));
            assertEquals(0, jvms.get(i).exitValue(), "JVM " + i + ":\n" + out + read(dir.resolve("err-" + i + ".txt")));
            for (String line : out.split("\n")) {
                if (line.startsWith("PID ")) {
                    pids.add(Long.parseLong(line.substring(4).trim()));
                }
            }
        }
        pids.forEach(reaper::track);

        assertEquals(JVMS * THREADS, pids.size(), () -> "every caller got a PID: " + pids);
        assertEquals(1, pids.stream().distinct().count(), () -> "all callers got the same PID: " + pids);
        long server = pids.get(0);
        assertEquals(List.of(server), ExampleServer.serversOf(reaper), "exactly one server process");
        assertEquals(Long.toString(server), Files.readAllLines(pidFile).get(0));
        assertEquals(1, read(dir.resolve("server.log")).split("listening on", -1).length - 1,
                "one server ever listened");
        assertEquals(StopResult.EXITED_ON_SIGTERM, manager().stopServer());
        assertFalse(Procs.alive(server));
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverOutlivesAHostKilledWithSigkillAndANewManagerAdoptsAndStopsIt() throws Exception {
        Path out = dir.resolve("host-out.txt");
        Process host = reaper.start(new ProcessBuilder(TestJvm.command(ServerHostMain.class, hostArgs()))
                .redirectOutput(out.toFile()).redirectError(dir.resolve("host-err.txt").toFile()));
        long server = awaitServerPid(host, out);
        long parent = Procs.stat(server).orElseThrow().ppid;
        // the host's process layer: its own child through the pidfd layer (Java 22+ with native access), else the
        // Perl launcher's shim
        boolean pidfdHost = parent == host.pid();
        if (!pidfdHost) {
            assertEquals(Procs.SHIM_NAME, Procs.commandLine(parent).get(0), "the host spawned it through its shim");
            assertNotEquals(host.pid(), Procs.stat(parent).orElseThrow().ppid,
                    "neither the server nor its shim is the host's child: the host holds no reaper thread for it");
            assertNotEquals(Procs.stat(server).orElseThrow().session, Procs.stat(parent).orElseThrow().session,
                    "the shim is outside the server's session and group: a stop never signals it");
        }
        assertEquals(server, Procs.stat(server).orElseThrow().session, "the server leads its own session");

        host.destroyForcibly(); // kill -9
        assertTrue(host.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, host.exitValue(), "the host died of SIGKILL");

        assertTrue(Procs.alive(server), "the server outlived its host");
        assertNotEquals(host.pid(), Procs.stat(server).orElseThrow().ppid, "reparented");
        assertTrue(ExampleServer.healthy(port), "and still answers");

        ProcessManager adopter = manager();
        assertTrue(adopter.isServerRunning());
        assertEquals(OptionalLong.of(server), adopter.getServerPid());
        assertEquals(server, adopter.managedProcess().orElseThrow().pid());
        assertEquals(server, adopter.startServer(), "start adopts it rather than spawning another");
        assertEquals(List.of(server), ExampleServer.serversOf(reaper));

        assertEquals(StopResult.EXITED_ON_SIGTERM, adopter.stopServer());
        assertFalse(Procs.alive(server), "gone (or a zombie waiting for init) when stop returns");
        assertFalse(Files.exists(pidFile));
        assertFalse(ExampleServer.healthy(port));
        assertEquals(pidfdHost ? OptionalInt.empty() : OptionalInt.of(143), adopter.exitCode(server),
                "an adopted server's exit code (SIGTERM): from the exit file its shim wrote; unknown when its host"
                        + " spawned it through the pidfd layer (only its parent could read it)");
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverSurvivesCtrlCAndHangupSentToTheHostsProcessGroup() throws Exception {
        // the host leads a session and group of its own (so the test can signal that group without hitting itself),
        // with SIGINT and SIGHUP at their defaults (a job started with '&' inherits SIGINT ignored)
        List<String> argv = new ArrayList<>(List.of("/usr/bin/perl", "-MPOSIX", "-e",
                "POSIX::setsid(); $SIG{INT} = 'DEFAULT'; $SIG{HUP} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die $!"));
        argv.addAll(TestJvm.command(ServerHostMain.class, hostArgs()));
        Path out = dir.resolve("host-out.txt");
        Process host = reaper.start(new ProcessBuilder(argv).redirectOutput(out.toFile())
                .redirectError(dir.resolve("host-err.txt").toFile()));
        long server = awaitServerPid(host, out);
        long hostGroup = Procs.stat(host.pid()).orElseThrow().pgrp;
        assertEquals(host.pid(), hostGroup, "the host leads its group");
        assertNotEquals(Procs.stat(ProcessHandle.current().pid()).orElseThrow().pgrp, hostGroup);

        assertEquals(0, new ProcessBuilder("kill", "-INT", "--", "-" + hostGroup).start().waitFor(),
                "Ctrl-C in the host's terminal");
        new ProcessBuilder("kill", "-HUP", "--", "-" + hostGroup).start().waitFor(); // the host may be gone already
        assertTrue(host.waitFor(30, TimeUnit.SECONDS), "the host died of the signal");

        assertTrue(Procs.alive(server), "the server did not get the host's terminal signals");
        assertTrue(ExampleServer.healthy(port));
        assertEquals(StopResult.EXITED_ON_SIGTERM, manager().stopServer());
    }

    private long awaitServerPid(Process host, Path out) {
        Await.until("the host prints its server's PID", Duration.ofSeconds(60), () -> {
            assertTrue(host.isAlive() || read(out).contains("PID "), () -> "host died: " + read(dir.resolve("host-err.txt")));
            return read(out).contains("PID ");
        });
        long server = Long.parseLong(read(out).lines().filter(l -> l.startsWith("PID ")).findFirst().orElseThrow()
                .substring(4).trim());
        reaper.track(server);
        return server;
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void pidLockAndLogFilesAreNotGroupOrWorldWritableEvenUnderUmask000() throws Exception {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "umask 000 && exec \"$@\"", "sh"));
        argv.addAll(TestJvm.command(ServerHostMain.class, hostArgs()));
        Path out = dir.resolve("host-out.txt");
        Process host = reaper.start(new ProcessBuilder(argv).redirectOutput(out.toFile())
                .redirectError(dir.resolve("host-err.txt").toFile()));
        long server = awaitServerPid(host, out);
        host.getOutputStream().close(); // the host exits on EOF
        assertTrue(host.waitFor(30, TimeUnit.SECONDS));

        for (String name : List.of("server.pid", "server.pid.lock", "server.log")) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir.resolve(name));
            assertFalse(perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE),
                    () -> name + " is " + PosixFilePermissions.toString(perms));
        }
        try (var files = Files.list(dir)) {
            Set<String> names = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            assertEquals(Set.of("server.pid", "server.pid.lock", "server.log", "host-out.txt", "host-err.txt"), names,
                    "no temporary PID files left");
        }
        assertEquals(StopResult.EXITED_ON_SIGTERM, manager().stopServer());
    }
}
