package dev.omega.sessionserver.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.process.StopResult;

/**
 * Not a unit test: measures the example server's start-to-healthy time ({@code startServer()} until it returns,
 * which is when {@code GET /api/health} first answered 2xx) and stop time ({@code stopServer()} until it returns,
 * which is when the process and its group are gone), through {@link ProcessManager}, for a few ways to run it.
 * Each run has its own PID file and port. One unmeasured warm-up run per variant.
 *
 * <pre>java -cp target/classes:target/test-classes:SLF4J_API_JAR dev.omega.sessionserver.testing.StartStopTimings [runs]</pre>
 */
public final class StartStopTimings {

    private StartStopTimings() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path classes = ExampleServer.classesDir();
        String java = ExampleServer.java();
        Map<String, Function<ProcessManagerOptions.Builder, ProcessManagerOptions.Builder>> variants =
                new LinkedHashMap<>();
        variants.put("class file, fast JVM flags (what the tests run)",
                b -> b.command(ExampleServer.command(classes)));
        variants.put("class file, default JVM flags (java -cp DIR SessionServer)",
                b -> b.command(List.of(java, "-cp", classes.toString(), ExampleServer.MAIN_CLASS)));
        variants.put("source launcher (serverScript SessionServer.java)",
                b -> b.command(null).serverScript(ExampleServer.source()));
        System.out.printf("%d runs per variant (+1 warm-up), %d CPUs, %s %s%n", runs,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        Path dir = Files.createTempDirectory("start-stop-timings-");
        for (Map.Entry<String, Function<ProcessManagerOptions.Builder, ProcessManagerOptions.Builder>> v
                : variants.entrySet()) {
            List<Double> start = new ArrayList<>();
            List<Double> stop = new ArrayList<>();
            for (int i = -1; i < runs; i++) {
                int port = FreePort.find();
                Path runDir = Files.createDirectory(dir.resolve(UUID.randomUUID().toString()));
                ProcessManager pm = new ProcessManager(v.getValue().apply(ProcessManagerOptions.builder()
                        .pidFile(runDir.resolve("server.pid")).port(port).healthCheckUrl(ExampleServer.healthUrl(port))
                        .startTimeout(Duration.ofSeconds(60))).build());
                long t0 = System.nanoTime();
                long pid = pm.startServer();
                long t1 = System.nanoTime();
                if (!ExampleServer.healthy(port)) {
                    throw new IllegalStateException("pid " + pid + " not healthy after start");
                }
                long t2 = System.nanoTime();
                StopResult r = pm.stopServer();
                long t3 = System.nanoTime();
                if (r != StopResult.EXITED_ON_SIGTERM) {
                    throw new IllegalStateException("pid " + pid + ": " + r);
                }
                if (i >= 0) {
                    start.add((t1 - t0) / 1e6);
                    stop.add((t3 - t2) / 1e6);
                }
            }
            System.out.printf("%s%n  start-to-healthy ms: %s%n  stop ms:             %s%n", v.getKey(), summary(start),
                    summary(stop));
        }
    }

    private static String summary(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        double median = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        return String.format("median %.0f (min %.0f, p90 %.0f, max %.0f, n=%d)", median, s.get(0),
                s.get((int) Math.ceil(0.9 * n) - 1), s.get(n - 1), n);
    }
}
