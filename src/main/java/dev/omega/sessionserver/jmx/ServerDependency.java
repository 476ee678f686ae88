package dev.omega.sessionserver.jmx;

import java.util.Locale;
import java.util.Objects;

/**
 * One entry of a server's {@code dependsOn}: the name of the server it depends on and what that server must have
 * reached before the dependent is spawned. Immutable.
 */
public final class ServerDependency {

    /** What a dependency must have reached. */
    public enum Condition {
        /** State RUNNING and its last health check passed (the default). */
        HEALTHY,
        /** Its process runs, healthy or not. */
        STARTED;

        /** The condition's text in {@code dependsOn}: {@code healthy}, {@code started}. */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The condition named {@code text} (any case), or null. */
        public static Condition parse(String text) {
            for (Condition c : values()) {
                if (c.text().equalsIgnoreCase(text)) {
                    return c;
                }
            }
            return null;
        }
    }

    private final String name;
    private final Condition condition;

    /**
     * @throws NullPointerException for a null argument
     */
    public ServerDependency(String name, Condition condition) {
        this.name = Objects.requireNonNull(name, "name");
        this.condition = Objects.requireNonNull(condition, "condition");
    }

    /** The name of the server depended on. */
    public String name() {
        return name;
    }

    public Condition condition() {
        return condition;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerDependency && ((ServerDependency) o).name.equals(name)
                && ((ServerDependency) o).condition == condition;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + condition.hashCode();
    }

    /** {@code name:condition}, as in {@code dependsOn}. */
    @Override
    public String toString() {
        return name + ":" + condition.text();
    }
}
