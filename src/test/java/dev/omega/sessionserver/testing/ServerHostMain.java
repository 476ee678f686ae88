package dev.omega.sessionserver.testing;

import java.util.Map;

import dev.omega.sessionserver.process.ProcessManager;

/**
 * A host JVM that starts the example server through {@link ProcessManager}, prints {@code PID <pid>}, then waits
 * until its standard input closes (so it never outlives the test that launched it, unless killed first).
 *
 * <p>Arguments ({@code key=value}): pidFile, port, marker, classes (the example server's class directory).
 */
public final class ServerHostMain {

    private ServerHostMain() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = TestJvm.parse(argv);
        ProcessManager manager = new ProcessManager(ExampleServer.options(TestJvm.path(args, "pidFile"),
                Integer.parseInt(TestJvm.require(args, "port")), TestJvm.require(args, "marker"),
                TestJvm.path(args, "classes")).build());
        long pid = manager.startServer();
        System.out.println("PID " + pid);
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for EOF
        }
    }
}
