package dev.omega.sessionserver.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.omega.sessionserver.testing.HostJdk;
import dev.omega.sessionserver.testing.ProcessReaper;

/**
 * The figure {@code premain}: what loading the agent with {@code -javaagent} costs the host, measured from outside
 * the agent (its own debug line is an inside figure: it cannot see the JVM opening its jar and loading its classes).
 *
 * <ul>
 * <li>premain blocks the host: {@link TimerAgent} is put just before and just after the agent on the
 * {@code -javaagent} list ({@code -javaagent:timer.jar=before -javaagent:ours.jar=... -javaagent:timer.jar=after});
 * the JVM runs the agents one after the other on its start-up thread, so {@code after - before} is what the agent in
 * the middle kept the host waiting: opening its jar, loading and initializing its premain class, premain itself.
 * Median over fresh hosts, beside the same with {@link EmptyAgent} (a no-op agent, in a one-class jar) in its
 * place.</li>
 * <li>time to main over a no-op agent: the bench's clock ({@code System.nanoTime()}, CLOCK_MONOTONIC) just before
 * spawning the host, to the {@code main <nanoTime>} that {@link TimedHost} prints first thing in main; this agent
 * minus the no-op agent, both from the same run (any {@code -javaagent} turns off part of class-data sharing).</li>
 * </ul>
 * The variants run interleaved, round by round, the first round dropped (page cache); on this JVM's JDK and on the
 * extra host JDK of {@link HostJdk#extra()} (skipped with a message when there is none). Every host is started
 * through the {@link ProcessReaper} and waited for with a deadline.
 */
final class PremainBenchmark {

    private static final long HOST_DEADLINE_SECONDS = 60;

    private final Path work;
    private final int runs;
    private final ProcessReaper reaper;
    private final Path agentJar;

    PremainBenchmark(Path work, int runs, ProcessReaper reaper) {
        this.work = work;
        this.runs = runs;
        this.reaper = reaper;
        this.agentJar = Paths.get(System.getProperty("sessionserver.agent.jar", "target/session-server-manager-agent.jar"))
                .toAbsolutePath();
    }

    void run(Report report) throws Exception {
        ProcessBenchmarks.check(Files.isRegularFile(agentJar), "no agent jar at " + agentJar);
        Path dir = Files.createTempDirectory(work, "premain");
        Path classes = Paths.get(TimedHost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path host = StartupBench.jar(classes, dir.resolve("host.jar"), TimedHost.class, null);
        Path timer = StartupBench.jar(classes, dir.resolve("timer.jar"), TimerAgent.class, TimerAgent.class.getName());
        Path noop = StartupBench.jar(classes, dir.resolve("noop-agent.jar"), EmptyAgent.class, EmptyAgent.class.getName());
        Path bigNoop = noopWithEntriesOf(agentJar, classes, dir.resolve("noop-agent-big.jar"));
        String ours = "-javaagent:" + agentJar + "=name=bench,pidFile=" + dir.resolve("bench.pid") + ",serverScript="
                + dir.resolve("none.js");
        for (HostJdk jdk : StartupBench.jdks()) {
            String java = jdk.java().toString();
            // every variant of a Java 22+ host runs with native access on: the pidfd layer's set-up is ours to count
            nativeAccess = jdk.feature() >= 22;
            Stats blockOurs = new Stats();
            Stats blockNoop = new Stats();
            Stats blockBigNoop = new Stats();
            Stats mainOurs = new Stats();
            Stats mainNoop = new Stats();
            for (int i = 0; i <= runs; i++) { // round 0 warms the page cache and is dropped
                double bn = blocked(java, dir, host, timer, "-javaagent:" + noop);
                double bo = blocked(java, dir, host, timer, ours);
                double bb = blocked(java, dir, host, timer, "-javaagent:" + bigNoop);
                double mn = timeToMain(java, dir, host, "-javaagent:" + noop);
                double mo = timeToMain(java, dir, host, ours);
                if (i > 0) {
                    blockNoop.add(bn);
                    blockOurs.add(bo);
                    blockBigNoop.add(bb);
                    mainNoop.add(mn);
                    mainOurs.add(mo);
                }
            }
            double blocked = blockOurs.median();
            report.row("premain blocks the host, from outside: timer agent after ours - timer agent before (" + jdk
                    + ")", "≤ 3 ms", blocked, "no-op agent in its place: " + ProcessBenchmarks.fmt(blockNoop.median())
                    + " ms; a no-op agent in a jar with all of this jar's entries: "
                    + ProcessBenchmarks.fmt(blockBigNoop.median()) + " ms (what the jar's size costs); this agent p90 "
                    + ProcessBenchmarks.fmt(blockOurs.percentile(90)) + " ms, over the no-op "
                    + ProcessBenchmarks.fmt(blocked - blockNoop.median()) + " ms", blocked <= 3, runs);
            double over = mainOurs.median() - mainNoop.median();
            report.row("time to main over a no-op -javaagent, from outside (" + jdk + ")", "≤ 5 ms", over,
                    "spawn to the host's first line of main: no-op agent " + ProcessBenchmarks.fmt(mainNoop.median())
                            + " ms, this agent " + ProcessBenchmarks.fmt(mainOurs.median()) + " ms (same run)",
                    over <= 5, runs);
        }
    }

    /**
     * A jar with every entry of {@code agentJar} (not its manifest) plus {@link EmptyAgent} as its Premain-Class: what
     * opening a jar of that many entries costs, apart from what the agent's code does.
     */
    private static Path noopWithEntriesOf(Path agentJar, Path classes, Path jar) throws java.io.IOException {
        java.util.jar.Manifest mf = new java.util.jar.Manifest();
        mf.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(new java.util.jar.Attributes.Name("Premain-Class"), EmptyAgent.class.getName());
        String empty = EmptyAgent.class.getName().replace('.', '/') + ".class";
        try (java.util.jar.JarFile in = new java.util.jar.JarFile(agentJar.toFile());
                java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), mf)) {
            for (java.util.jar.JarEntry e : java.util.Collections.list(in.entries())) {
                if (e.getName().equalsIgnoreCase("META-INF/MANIFEST.MF") || e.getName().equals("META-INF/")) {
                    continue;
                }
                out.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                try (java.io.InputStream data = in.getInputStream(e)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new java.util.jar.JarEntry(empty));
            out.write(Files.readAllBytes(classes.resolve(empty)));
            out.closeEntry();
        }
        return jar;
    }

    /** One fresh host with the timer agent before and after {@code agentFlag}: after - before, in ms. */
    /** Whether the hosts of the JDK under way get {@code --enable-native-access=ALL-UNNAMED}. */
    private boolean nativeAccess;

    private double blocked(String java, Path dir, Path host, Path timer, String agentFlag) throws Exception {
        List<String> out = runHost(dir, List.of(java, "-javaagent:" + timer + "=before", agentFlag,
                "-javaagent:" + timer + "=after", "-cp", host.toString(), TimedHost.class.getName()));
        long before = stamp(out, "timer before ");
        long after = stamp(out, "timer after ");
        ProcessBenchmarks.check(after > before, "timer stamps out of order: " + out);
        return (after - before) / 1e6;
    }

    /** One fresh host with {@code agentFlag}: from just before spawning it to the stamp of its main, in ms. */
    private double timeToMain(String java, Path dir, Path host, String agentFlag) throws Exception {
        long t0 = System.nanoTime();
        List<String> out = runHost(dir, List.of(java, agentFlag, "-cp", host.toString(), TimedHost.class.getName()));
        return (stamp(out, "main ") - t0) / 1e6;
    }

    private List<String> runHost(Path dir, List<String> argv) throws Exception {
        if (nativeAccess) {
            argv = new ArrayList<>(argv);
            argv.add(1, "--enable-native-access=ALL-UNNAMED");
        }
        Path stdout = dir.resolve("host.out");
        Path stderr = dir.resolve("host.err");
        Process p = reaper.start(new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()));
        if (!p.waitFor(HOST_DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("host did not exit within " + HOST_DEADLINE_SECONDS + " s: " + argv);
        }
        List<String> lines = Files.readAllLines(stdout, StandardCharsets.UTF_8);
        ProcessBenchmarks.check(p.exitValue() == 0, "host exited with " + p.exitValue() + ": " + argv + "\n"
                + Files.readString(stderr));
        return lines;
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }

    private static long stamp(List<String> lines, String prefix) {
        for (String line : lines) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length()).trim());
            }
        }
        throw new IllegalStateException("no line '" + prefix + "...' in the host's stdout: " + lines);
    }
}
