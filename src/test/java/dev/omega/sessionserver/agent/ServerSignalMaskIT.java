package dev.omega.sessionserver.agent;

import static dev.omega.sessionserver.agent.AgentTestHosts.AGENT_JAR;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.omega.sessionserver.agent.AgentTestHosts.Proc;
import dev.omega.sessionserver.testing.Await;
import dev.omega.sessionserver.testing.FreePort;
import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;
import dev.omega.sessionserver.testing.Procs;

/**
 * The signals a server can receive, whatever the host's JDK: a host JVM on this JVM's JDK (17) and on the extra one
 * (25, skipped with the reason when absent) starts a server through the agent; the server's {@code SigBlk} and
 * {@code SigIgn} in {@code /proc/<pid>/status} are both empty. (A Java 17 host's own children inherit SIGQUIT
 * blocked, {@code SigBlk: 0000000000000004}; such a server would never see {@code stopSignal=QUIT} nor
 * {@code kill -3}.) SIGQUIT then reaches the server's trap.
 */
class ServerSignalMaskIT {

    @RegisterExtension
    final ProcessReaper reaper = new ProcessReaper();

    @TempDir
    Path dir;

    static java.util.stream.Stream<HostJdk> hostJdks() {
        return AgentTestHosts.hostJdks();
    }

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

    @ParameterizedTest(name = "{0} host")
    @MethodSource("hostJdks")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aServerStartedThroughTheAgentHasNoSignalBlockedOrIgnored(HostJdk jdk) throws Exception {
        String java = AgentTestHosts.java(jdk); // skips when the JDK is absent
        Path script = dir.resolve("server.sh");
        Path quit = dir.resolve("quit");
        Files.write(script, ("#!/bin/sh\ntrap 'echo quit > " + quit + "; exit 0' QUIT\nwhile :; do sleep 1; done\n")
                .getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path pidFile = dir.resolve("sig.pid");
        int port = FreePort.find();
        String args = "name=sig,serverScript=" + script + ",pidFile=" + pidFile + ",port=" + port
                + ",healthCheckUrl=none,autoStart=true,stopSignal=QUIT,healthInterval=500";
        List<String> argv = new ArrayList<>(List.of(java));
        argv.addAll(AgentTestHosts.fastJvm());
        argv.add("-javaagent:" + AGENT_JAR + "=" + args);
        argv.addAll(List.of("-cp", AgentTestHosts.hostAppClasses().toString(), "HostApp"));
        Proc host = AgentTestHosts.start(reaper, dir, "host", argv);
        host.awaitOut("host-app: running (pid " + host.pid() + ")");
        Await.until("the agent started the server (" + pidFile + ")", Duration.ofSeconds(30),
                () -> Files.exists(pidFile) && !firstLine(pidFile).isEmpty());
        long pid = Long.parseLong(firstLine(pidFile));
        reaper.track(pid);

        Map<String, String> status = status(pid);
        assertEquals("0000000000000000", status.get("SigBlk"), () -> jdk + " host, server " + status);
        assertEquals("0000000000000000", status.get("SigIgn"), () -> jdk + " host, server " + status);
        assertEquals(List.of("/bin/sh", script.toString()), Procs.commandLine(pid));

        // and so SIGQUIT (kill -3, nginx-style graceful stop) reaches the server's trap
        Process quitIt = new ProcessBuilder("/bin/kill", "-s", "QUIT", Long.toString(pid)).start();
        assertEquals(0, quitIt.waitFor());
        Await.until("the server's QUIT trap ran", Duration.ofSeconds(30), () -> Files.exists(quit));
    }

    private static String firstLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.isEmpty() ? "" : lines.get(0).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
