package dev.omega.sessionserver.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.Map;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;

/**
 * A host JVM that manages the example server on command. It prints {@code READY} once its manager is built, then
 * reads one command a line on its standard input: {@code start}
 * prints {@code PID <pid>}, {@code stop} prints {@code STOPPED <result>}; a failure prints {@code ERROR <message>}
 * on one line. It exits when its standard input closes. So a test can change the host's world (delete its working
 * directory, fill a disk) between the host's start and the operation under test.
 *
 * <p>Arguments ({@code key=value}): pidFile, port, marker, classes (as {@link ServerHostMain}), and optionally
 * script: a server script used instead of the example's command (may be relative).
 */
public final class ScriptedHostMain {

    private ScriptedHostMain() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = TestJvm.parse(argv);
        ProcessManagerOptions.Builder b = ExampleServer.options(TestJvm.path(args, "pidFile"),
                Integer.parseInt(TestJvm.require(args, "port")), TestJvm.require(args, "marker"),
                TestJvm.path(args, "classes"));
        if (args.containsKey("script")) {
            b.command(null).serverScript(Paths.get(args.get("script")));
        }
        ProcessManager manager = new ProcessManager(b.build());
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            try {
                switch (line.trim()) {
                    case "start":
                        System.out.println("PID " + manager.startServer());
                        break;
                    case "stop":
                        System.out.println("STOPPED " + manager.stopServer());
                        break;
                    default:
                        System.out.println("ERROR unknown command '" + line + "'");
                }
            } catch (Exception e) {
                System.out.println("ERROR " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
            System.out.flush();
        }
    }
}
