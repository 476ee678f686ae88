package dev.omega.sessionserver.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import dev.omega.sessionserver.process.ProcessManager;

/**
 * One of several JVMs racing to start the same server: {@code threads} threads each call {@code startServer} at the
 * same moment and print {@code PID <pid>}. The moment is shared across JVMs by a file barrier: this JVM creates
 * {@code <barrier>/ready-<id>} when its threads are waiting, then releases them when {@code <barrier>/go} appears.
 *
 * <p>Arguments ({@code key=value}): pidFile, port, marker, classes (the example server's class directory), barrier,
 * id, threads. Exit code 0 when every thread got a PID, 1 otherwise.
 */
public final class ConcurrentStartMain {

    private ConcurrentStartMain() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = TestJvm.parse(argv);
        ProcessManager manager = new ProcessManager(ExampleServer.options(TestJvm.path(args, "pidFile"),
                Integer.parseInt(TestJvm.require(args, "port")), TestJvm.require(args, "marker"),
                TestJvm.path(args, "classes")).build());
        Path barrier = TestJvm.path(args, "barrier");
        int threads = Integer.parseInt(TestJvm.require(args, "threads"));
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        boolean[] failed = new boolean[1];
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    long pid = manager.startServer();
                    synchronized (System.out) {
                        System.out.println("PID " + pid);
                        System.out.flush();
                    }
                } catch (Exception e) {
                    synchronized (System.out) {
                        failed[0] = true;
                        System.out.println("ERROR " + e);
                        e.printStackTrace(System.out);
                    }
                }
            }, "starter-" + i);
            t.start();
            workers.add(t);
        }
        ready.await();
        Files.createFile(barrier.resolve("ready-" + TestJvm.require(args, "id")));
        Path goFile = barrier.resolve("go");
        while (!Files.exists(goFile)) {
            Thread.sleep(1);
        }
        go.countDown();
        for (Thread t : workers) {
            t.join();
        }
        System.out.flush();
        System.exit(failed[0] ? 1 : 0);
    }
}
