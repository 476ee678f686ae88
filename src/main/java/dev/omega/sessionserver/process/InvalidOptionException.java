package dev.omega.sessionserver.process;

/**
 * A value that an options or policy builder refuses: carries the key, the value as quoted and the reason, so that a
 * caller (the agent's argument parser) can re-word it without reading the message. The message is one line,
 * {@code invalid <key> '<value>': <reason>}.
 *
 * <p>Thrown by {@link ProcessManagerOptions.Builder#build()} and by the supervision policy's builder in
 * {@code dev.omega.sessionserver.jmx}. Immutable.
 */
public final class InvalidOptionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String value;
    private final String reason;

    /**
     * @param key    the option's key as the agent's arguments name it ({@code port}, {@code env.NAME},
     *               {@code restartDelay})
     * @param value  the refused value; its {@link String#valueOf(Object) text} is quoted (durations are passed as
     *               {@code "N ms"}); {@code null} is quoted as {@code null}
     * @param reason what is wrong, e.g. {@code must be between 1 and 65535}
     */
    public InvalidOptionException(String key, Object value, String reason) {
        super("invalid " + key + " '" + value + "': " + reason);
        this.key = key;
        this.value = String.valueOf(value);
        this.reason = reason;
    }

    /** The key of the refused option. */
    public String key() {
        return key;
    }

    /** The refused value as the message quotes it ({@code "null"} when none was given). */
    public String value() {
        return value;
    }

    /** Why it was refused, without the key and the value. */
    public String reason() {
        return reason;
    }
}
