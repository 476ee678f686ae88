package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The executor the script's extension picks (the seed's rule, plus Java), and which live command lines count as the
 * configured server when a PID file has no identity.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerCommandLineTest {

    @TempDir
    Path dir;

    private List<String> launch(String script) throws IOException {
        Path p = dir.resolve(script);
        Files.writeString(p, "");
        return new ProcessManager(ProcessManagerOptions.builder().pidFile(dir.resolve("s.pid")).serverScript(p)
                .build()).launchCommand();
    }

    @Test
    void executorFollowsTheExtension() throws IOException {
        String java = ServerCommandLine.javaExecutable();
        assertEquals(List.of("node", dir.resolve("a.js").toString()), launch("a.js"));
        assertEquals(List.of("tsx", dir.resolve("b.ts").toString()), launch("b.ts"));
        assertEquals(List.of(java, dir.resolve("C.java").toString()), launch("C.java"));
        assertEquals(List.of(java, "-jar", dir.resolve("d.jar").toString()), launch("d.jar"));
        assertEquals(List.of(dir.resolve("e.sh").toString()), launch("e.sh"));
        assertEquals(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), java);
    }

    @Test
    void missingJsScriptFallsBackToItsTsTwin() throws IOException {
        Files.writeString(dir.resolve("session-server.ts"), "");
        ProcessManager pm = new ProcessManager(ProcessManagerOptions.builder().pidFile(dir.resolve("s.pid"))
                .serverScript(dir.resolve("session-server.js")).build());
        assertEquals(List.of("tsx", dir.resolve("session-server.ts").toString()), pm.launchCommand());
    }

    @Test
    void explicitCommandReplacesTheScript() {
        ProcessManager pm = new ProcessManager(ProcessManagerOptions.builder().pidFile(dir.resolve("s.pid"))
                .command(List.of("/opt/server/bin/run", "--port", "3000")).build());
        assertEquals(List.of("/opt/server/bin/run", "--port", "3000"), pm.launchCommand());
    }

    static Stream<Arguments> liveCommandLines() {
        Path js = Paths.get("/srv/app/session-server.js");
        Path ts = Paths.get("/srv/app/session-server.ts");
        Path java = Paths.get("/srv/app/SessionServer.java");
        Path cwd = Paths.get("/srv/app");
        List<String> cmd = List.of("/usr/bin/java", "-Xss512k", "-cp", "/x", "SessionServer");
        return Stream.of(
                // an explicit command: the same arguments, the same program name
                Arguments.of(cmd, null, null, List.of("/usr/bin/java", "-Xss512k", "-cp", "/x", "SessionServer"), true),
                Arguments.of(cmd, null, null, List.of("java", "-Xss512k", "-cp", "/x", "SessionServer"), true),
                Arguments.of(cmd, null, null,
                        List.of("/usr/bin/setsid", "/usr/bin/java", "-Xss512k", "-cp", "/x", "SessionServer"), true),
                Arguments.of(cmd, null, null, List.of("/usr/bin/java", "-cp", "/x", "SessionServer"), false),
                Arguments.of(cmd, null, null, List.of("/usr/bin/java", "-Xss512k", "-cp", "/x", "Other"), false),
                Arguments.of(cmd, null, null, List.of("/usr/bin/jshell", "-Xss512k", "-cp", "/x", "SessionServer"),
                        false),
                Arguments.of(cmd, null, null, List.of("sleep", "300"), false),
                Arguments.of(cmd, null, null, List.of(), false),
                // node: the seed's own server
                Arguments.of(List.of(), js, cwd, List.of("node", js.toString()), true),
                Arguments.of(List.of(), js, cwd, List.of("/usr/bin/node", "--inspect", js.toString()), true),
                Arguments.of(List.of(), js, cwd, List.of("node", "session-server.js"), true),
                Arguments.of(List.of(), js, Paths.get("/elsewhere"), List.of("node", "session-server.js"), false),
                Arguments.of(List.of(), js, null, List.of("node", "session-server.js"), false),
                Arguments.of(List.of(), js, cwd, List.of("node", "/srv/app/other.js"), false),
                Arguments.of(List.of(), js, cwd, List.of("vim", js.toString()), false),
                Arguments.of(List.of(), js, cwd, List.of("tail", "-f", js.toString()), false),
                Arguments.of(List.of(), js, cwd, List.of(js.toString()), false),
                // tsx runs as node executing the tsx CLI
                Arguments.of(List.of(), ts, cwd, List.of("node", "/usr/lib/node_modules/tsx/dist/cli.mjs",
                        ts.toString()), true),
                Arguments.of(List.of(), ts, cwd, List.of("tsx", ts.toString()), true),
                Arguments.of(List.of(), ts, cwd, List.of("less", ts.toString()), false),
                // java single-file source launcher
                Arguments.of(List.of(), java, cwd, List.of("/usr/lib/jvm/17/bin/java", java.toString()), true),
                Arguments.of(List.of(), java, cwd, List.of("javac", java.toString()), false),
                Arguments.of(List.of(), java, cwd, List.of("cat", java.toString()), false));
    }

    @ParameterizedTest(name = "[{index}] {3} -> {4}")
    @MethodSource("liveCommandLines")
    void pidFileWithoutIdentityIsAdoptedOnlyForTheServersCommandLine(List<String> command, Path script, Path cwd,
            List<String> live, boolean adopted) {
        assertEquals(adopted, ServerCommandLine.commandLineIsServer(live, command, script, cwd));
    }

    @Test
    void directlyExecutedScriptMatchesItselfOrItsShebangInterpreter() throws IOException {
        Path sh = dir.resolve("server.sh");
        Files.writeString(sh, "#!/bin/sh\nexec sleep 300\n");
        Path py = dir.resolve("server.py");
        Files.writeString(py, "#!/usr/bin/env -S python3 -u\nprint()\n");
        Path bin = dir.resolve("server");
        Files.writeString(bin, "\u007fELF");

        assertEquals(Optional.of("sh"), ServerCommandLine.shebangInterpreter(sh));
        assertEquals(Optional.of("python3"), ServerCommandLine.shebangInterpreter(py));
        assertEquals(Optional.empty(), ServerCommandLine.shebangInterpreter(bin));
        assertEquals(true, ServerCommandLine.commandLineIsServer(List.of("/bin/sh", sh.toString()), List.of(), sh, dir));
        assertEquals(true, ServerCommandLine.commandLineIsServer(List.of(sh.toString()), List.of(), sh, dir));
        assertEquals(false, ServerCommandLine.commandLineIsServer(List.of("tail", "-f", sh.toString()), List.of(), sh,
                dir));
        assertEquals(true, ServerCommandLine.commandLineIsServer(List.of("python3", py.toString()), List.of(), py, dir));
        assertEquals(false, ServerCommandLine.commandLineIsServer(List.of("vi", py.toString()), List.of(), py, dir));
        assertEquals(true, ServerCommandLine.commandLineIsServer(List.of(bin.toString()), List.of(), bin, dir));
        assertEquals(false, ServerCommandLine.commandLineIsServer(List.of("cat", bin.toString()), List.of(), bin, dir));
    }
}
