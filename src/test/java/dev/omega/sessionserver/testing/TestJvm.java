package dev.omega.sessionserver.testing;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Launching a small main of this package in a JVM of its own, and reading its {@code key=value} arguments. */
public final class TestJvm {

    private TestJvm() {
    }

    /**
     * The class path a child JVM needs: the library's classes, the test classes and slf4j (api and, when present,
     * the simple provider), found from where this JVM loaded them (surefire's own class path may be a manifest jar).
     */
    public static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        entries.add(location(dev.omega.sessionserver.process.ProcessManager.class));
        entries.add(location(TestJvm.class));
        entries.add(location(org.slf4j.LoggerFactory.class));
        try {
            entries.add(location(Class.forName("org.slf4j.simple.SimpleLogger")));
        } catch (ClassNotFoundException e) {
            // no provider: slf4j falls back to no-op logging
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static String location(Class<?> c) {
        try {
            return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code java -cp <classPath> <main> key=value...}, with a JVM tuned for a fast start, on Java 22+ with native
     * access (so that a test of the pidfd path gets it in its other JVMs too).
     */
    public static List<String> command(Class<?> main, Map<String, String> args) {
        List<String> argv = new ArrayList<>(List.of(ExampleServer.java(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xshare:auto"));
        if (Runtime.version().feature() >= 22) { // the same process layer as this JVM's: the pidfd one where it has it
            argv.add("--enable-native-access=ALL-UNNAMED");
        }
        argv.addAll(List.of("-cp", classPath(), main.getName()));
        new TreeMap<>(args).forEach((k, v) -> argv.add(k + "=" + v));
        return argv;
    }

    /** Parses {@code key=value} arguments. */
    public static Map<String, String> parse(String[] args) {
        Map<String, String> m = new TreeMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + a + "'");
            }
            m.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return m;
    }

    /** The value of a required argument. */
    public static String require(Map<String, String> args, String key) {
        String v = args.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing argument " + key + "=...");
        }
        return v;
    }

    static Path path(Map<String, String> args, String key) {
        return Paths.get(require(args, key));
    }
}
