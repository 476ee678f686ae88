package dev.omega.sessionserver.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.omega.sessionserver.testing.HostJdk;

/**
 * Measures what the agent costs a host at start-up (not a test): for each host JDK (this JVM's own and, where one is
 * configured or installed, the extra one of {@link HostJdk#extra()}) the time from spawning {@code java} to the first line of {@code main} with no agent, with an
 * empty agent (any {@code -javaagent} turns off part of class-data sharing) and with this agent, runs interleaved,
 * median of N; and how long {@code premain} blocks the host, from the agent's own debug line.
 *
 * <pre>
 * mvn -B -o package -DskipTests   # builds the agent jar and the test classes
 * java -cp target/classes:target/test-classes dev.omega.sessionserver.bench.StartupBench [runs] [agent jar]
 * </pre>
 */
public final class StartupBench {

    private static final Pattern PREMAIN = Pattern.compile("premain blocked the host for ([0-9.]+) ms");

    private StartupBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path agent = Paths.get(args.length > 1 ? args[1] : "target/session-server-manager-agent.jar").toAbsolutePath();
        System.out.printf("agent jar %s: %d bytes (%.2f MB)%n", agent, Files.size(agent), Files.size(agent) / 1048576.0);
        System.out.printf("%d runs each, interleaved; %d cores%n", runs, Runtime.getRuntime().availableProcessors());
        for (HostJdk jdk : jdks()) {
            String java = jdk.java().toString();
            Result r = measure(java, runs, agent);
            System.out.printf("%s%n  time to main, median ms: no agent %.1f | empty agent %.1f | this agent %.1f"
                    + "  (this agent - empty agent: %+.1f ms)%n  premain blocks the host, median %.2f ms%n", java,
                    r.noAgent, r.emptyAgent, r.thisAgent, r.thisAgent - r.emptyAgent, r.premain);
        }
    }

    /** This JVM's own JDK and, when there is one, the extra host JDK (see {@link HostJdk#extra()}). */
    public static List<HostJdk> jdks() {
        List<HostJdk> jdks = new ArrayList<>();
        jdks.add(HostJdk.current());
        HostJdk extra = HostJdk.extra();
        if (extra.available()) {
            jdks.add(extra);
        } else {
            System.out.println(extra.unavailableReason());
        }
        return jdks;
    }

    /** Medians in milliseconds, for one JDK. */
    public static final class Result {
        public final double noAgent;
        public final double emptyAgent;
        public final double thisAgent;
        public final double premain;

        Result(double noAgent, double emptyAgent, double thisAgent, double premain) {
            this.noAgent = noAgent;
            this.emptyAgent = emptyAgent;
            this.thisAgent = thisAgent;
            this.premain = premain;
        }
    }

    /** Time to main three ways (interleaved, the first round dropped) and premain's blocking time, median of runs. */
    public static Result measure(String java, int runs, Path agent) throws Exception {
        Path classes = Paths.get(TimedHost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path work = Files.createTempDirectory("startup-bench-");
        try {
            // the host runs from a jar, as most do, and the empty agent's class is only in its own jar: both variants
            // then pay for Java's zip machinery alike (a host on a class directory would charge it to the agent)
            Path host = jar(classes, work.resolve("host.jar"), TimedHost.class, null);
            Path empty = jar(classes, work.resolve("empty-agent.jar"), EmptyAgent.class, EmptyAgent.class.getName());
            String ours = "name=bench,pidFile=" + work.resolve("bench.pid") + ",serverScript=" + work.resolve("none.js");
            List<Double> none = new ArrayList<>();
            List<Double> emptyAgent = new ArrayList<>();
            List<Double> ourAgent = new ArrayList<>();
            for (int i = 0; i < runs + 1; i++) { // the first round warms the page cache and is dropped
                double a = timeToMain(java, host, List.of());
                double b = timeToMain(java, host, List.of("-javaagent:" + empty));
                double c = timeToMain(java, host, List.of("-javaagent:" + agent + "=" + ours));
                if (i > 0) {
                    none.add(a);
                    emptyAgent.add(b);
                    ourAgent.add(c);
                }
            }
            List<Double> premain = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                premain.add(premainMillis(java, host, agent, ours));
            }
            return new Result(median(none), median(emptyAgent), median(ourAgent), median(premain));
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double timeToMain(String java, Path classPath, List<String> flags) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(java);
        argv.addAll(flags);
        argv.addAll(List.of("-cp", classPath.toString(), TimedHost.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        Process p = pb.start();
        String line;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = r.readLine();
        }
        p.waitFor();
        if (line == null || !line.startsWith("main ")) {
            throw new IllegalStateException("host printed " + line);
        }
        return (Long.parseLong(line.substring(5)) - t0) / 1e6;
    }

    private static double premainMillis(String java, Path classPath, Path agent, String ours) throws Exception {
        List<String> argv = List.of(java, "-Ddev.omega.sessionserver.logLevel=debug",
                "-javaagent:" + agent + "=" + ours, "-cp", classPath.toString(), TimedHost.class.getName(),
                "dev.omega.sessionserver:type=SessionServerManager,name=bench");
        Process p = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = PREMAIN.matcher(err);
        if (!m.find()) {
            throw new IllegalStateException("no premain timing in the host's stderr:\n" + err);
        }
        return Double.parseDouble(m.group(1));
    }

    static Path jar(Path classes, Path jar, Class<?> c, String premainClass) throws IOException {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (premainClass != null) {
            mf.getMainAttributes().put(new Attributes.Name("Premain-Class"), premainClass);
        }
        String entry = c.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(classes.resolve(entry)));
            out.closeEntry();
        }
        return jar;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
