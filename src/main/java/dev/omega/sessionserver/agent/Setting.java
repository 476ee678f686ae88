package dev.omega.sessionserver.agent;

import java.nio.file.Path;

/**
 * One raw {@code key=value} of the agent's text, with where it came from ({@code origin} {@code null}: the
 * arguments; else the config file). {@code key} is what the converter sees (a server's prefix taken off),
 * {@code fullKey} what was written (messages use it). Immutable.
 */
final class Setting {
    final String key;
    final String fullKey;
    final String value;
    final Path origin;

    Setting(String key, String value, Path origin) {
        this(key, key, value, origin);
    }

    private Setting(String key, String fullKey, String value, Path origin) {
        this.key = key;
        this.fullKey = fullKey;
        this.value = value;
        this.origin = origin;
    }

    /** This setting as one server sees it: {@code a.port} as {@code port}. */
    Setting local(String localKey) {
        return new Setting(localKey, fullKey, value, origin);
    }

    Setting withValue(String newValue) {
        return new Setting(key, fullKey, newValue, origin);
    }

    /** The error for this setting: its key as written, its value, {@code reason}, and the config file it came from. */
    AgentArgumentException invalid(String reason) {
        return new AgentArgumentException(fullKey, value, reason, origin == null ? null : origin.toString());
    }
}
