package dev.omega.sessionserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JDK that runs host JVMs in the end-to-end tests and the benchmarks: its home, its {@code bin/java} and its
 * feature version (read from the JDK's {@code release} file).
 * <ul>
 * <li>{@link #current()}: the JDK of this JVM ({@code java.home}), always available.</li>
 * <li>{@link #extra()}: a second JDK to host the agent on, from the system property {@value #EXTRA_PROPERTY}, else
 * the environment variable {@value #EXTRA_ENV}, else {@value #DEFAULT_EXTRA_HOME} when that directory exists. When
 * none is configured or found (or it is this JVM's own), it is {@linkplain #available() unavailable} and says why,
 * so that the tests needing it can be skipped with that message. A configured path that is not a JDK is an error,
 * not a skip.</li>
 * </ul>
 * Immutable.
 */
public final class HostJdk {

    /** The system property naming the extra host JDK's home. */
    public static final String EXTRA_PROPERTY = "extra.host.java.home";
    /** The environment variable naming the extra host JDK's home (when the property is not set). */
    public static final String EXTRA_ENV = "EXTRA_HOST_JAVA_HOME";
    /** The extra host JDK's home when neither the property nor the variable is set, used when it exists. */
    public static final String DEFAULT_EXTRA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64";

    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(?:1\\.)?(\\d+)");

    private final Path home;
    private final int feature;
    private final String unavailable;

    private HostJdk(Path home, int feature, String unavailable) {
        this.home = home;
        this.feature = feature;
        this.unavailable = unavailable;
    }

    /** This JVM's own JDK ({@code java.home}). */
    public static HostJdk current() {
        Path home = Paths.get(System.getProperty("java.home")).toAbsolutePath().normalize();
        return new HostJdk(home, featureOf(home, "java.home"), null);
    }

    /**
     * The extra host JDK (see the class comment); unavailable, with the reason, when there is none.
     *
     * @throws IllegalStateException when the property or the variable names a directory that is not a JDK
     */
    public static HostJdk extra() {
        String configured = System.getProperty(EXTRA_PROPERTY);
        String source = "-D" + EXTRA_PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(EXTRA_ENV);
            source = EXTRA_ENV;
        }
        Path home;
        if (configured == null || configured.isBlank()) {
            home = Paths.get(DEFAULT_EXTRA_HOME);
            source = "the default " + DEFAULT_EXTRA_HOME;
            if (!Files.isExecutable(home.resolve("bin").resolve("java"))) {
                return new HostJdk(null, 0, "no extra host JDK: " + DEFAULT_EXTRA_HOME + " does not exist; set -D"
                        + EXTRA_PROPERTY + "=<JDK home> or " + EXTRA_ENV + "=<JDK home> to test a second Java version");
            }
        } else {
            home = Paths.get(configured);
        }
        home = home.toAbsolutePath().normalize();
        if (!Files.isExecutable(home.resolve("bin").resolve("java"))) {
            throw new IllegalStateException("invalid " + source + " '" + configured + "': no bin/java in " + home);
        }
        if (home.equals(current().home)) {
            return new HostJdk(null, 0, "no extra host JDK: " + source + " is this JVM's own JDK (" + home + ")");
        }
        return new HostJdk(home, featureOf(home, source), null);
    }

    /** Whether this JDK can be used; an unavailable one says why in {@link #unavailableReason()}. */
    public boolean available() {
        return unavailable == null;
    }

    /** Why this JDK is unavailable; null when it is available. */
    public String unavailableReason() {
        return unavailable;
    }

    /** The JDK's home directory. */
    public Path home() {
        requireAvailable();
        return home;
    }

    /** The JDK's {@code bin/java}. */
    public Path java() {
        requireAvailable();
        return home.resolve("bin").resolve("java");
    }

    /** The JDK's feature version (17, 21, 25, ...), from its {@code release} file. */
    public int feature() {
        requireAvailable();
        return feature;
    }

    private void requireAvailable() {
        if (unavailable != null) {
            throw new IllegalStateException(unavailable);
        }
    }

    /** {@code Java <feature>}, or {@code no extra JDK} (what a parameterized test shows). */
    @Override
    public String toString() {
        return available() ? "Java " + feature : "no extra JDK";
    }

    private static int featureOf(Path home, String source) {
        Path release = home.resolve("release");
        try {
            Matcher m = JAVA_VERSION.matcher(new String(Files.readAllBytes(release), StandardCharsets.UTF_8));
            if (!m.find()) {
                throw new IllegalStateException("invalid " + source + " '" + home + "': no JAVA_VERSION in " + release);
            }
            return Integer.parseInt(m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException("invalid " + source + " '" + home + "': cannot read " + release, e);
        }
    }
}
