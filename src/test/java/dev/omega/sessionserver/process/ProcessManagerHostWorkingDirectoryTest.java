package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.omega.sessionserver.testing.ExampleServer;
import dev.omega.sessionserver.testing.Procs;
import dev.omega.sessionserver.testing.ScriptedHostMain;
import dev.omega.sessionserver.testing.TestJvm;

/**
 * The host's working directory removed while it runs. Paths configured relative are resolved when the options are
 * built (PID file, log) or refused at start with the directory named (a relative server script); an absolute
 * configuration starts and stops normally, the server running in {@code /}.
 */
class ProcessManagerHostWorkingDirectoryTest extends ExampleServerTest {

    private Process host;
    private Writer commands;
    private BufferedReader answers;

    private void startHost(Map<String, String> extra) throws IOException {
        Path cwd = Files.createDirectory(dir.resolve("host-cwd"));
        Map<String, String> args = new HashMap<>(Map.of("pidFile", pidFile.toString(), "port", Integer.toString(port),
                "marker", reaper.marker(), "classes", ExampleServer.classesDir().toString()));
        args.putAll(extra);
        host = reaper.start(new ProcessBuilder(TestJvm.command(ScriptedHostMain.class, args)).directory(cwd.toFile())
                .redirectError(dir.resolve("host-err.txt").toFile()));
        commands = new java.io.OutputStreamWriter(host.getOutputStream(), StandardCharsets.UTF_8);
        answers = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        String ready = answers.readLine();
        assertEquals("READY", ready, () -> "the host died: " + read(dir.resolve("host-err.txt")));
        Files.delete(cwd);
    }

    /** Sends one command and returns the host's one-line answer. */
    private String send(String command) throws IOException {
        commands.write(command + "\n");
        commands.flush();
        String answer = answers.readLine();
        assertTrue(answer != null, () -> "the host died: " + read(dir.resolve("host-err.txt")));
        return answer;
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anAbsoluteConfigurationStartsAndStopsInSlashWhenTheHostsWorkingDirectoryIsGone() throws Exception {
        startHost(Map.of());

        String started = send("start");

        assertTrue(started.startsWith("PID "), started + "\n" + read(dir.resolve("server.log")));
        long server = Long.parseLong(started.substring(4).trim());
        reaper.track(server);
        assertEquals("/", Files.readSymbolicLink(Path.of("/proc", Long.toString(server), "cwd")).toString());
        assertTrue(ExampleServer.healthy(port));
        assertEquals("STOPPED EXITED_ON_SIGTERM", send("stop"));
        assertTrue(!Procs.alive(server));
        host.getOutputStream().close();
        assertTrue(host.waitFor(30, TimeUnit.SECONDS));
        assertTrue(read(dir.resolve("host-err.txt")).contains("no longer exists: starting the session server in /"),
                () -> "logged: " + read(dir.resolve("host-err.txt")));
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRelativeScriptIsRefusedNamingTheGoneDirectory() throws Exception {
        startHost(Map.of("script", "session-server.js"));

        String answer = send("start");

        assertTrue(answer.startsWith("ERROR ") && answer.contains(dir.resolve("host-cwd").toString())
                && answer.contains("no longer exists"), answer);
        assertEquals(List.of(host.pid()), reaper.markedProcesses(), "nothing spawned");
        host.getOutputStream().close();
        assertTrue(host.waitFor(30, TimeUnit.SECONDS));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
