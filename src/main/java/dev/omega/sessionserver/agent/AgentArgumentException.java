package dev.omega.sessionserver.agent;

/**
 * A bad agent argument (or config file entry): an unknown key, an unparsable or invalid value, a key given twice, an
 * unreadable config file. The message is one line that names the key and quotes the value, e.g.
 * {@code invalid agent argument port='abc': not a number}; callers print it after
 * {@value AgentArguments#MESSAGE_PREFIX}.
 */
public final class AgentArgumentException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String value;

    AgentArgumentException(String key, String value, String reason, String origin) {
        super(format(key, value, reason, origin));
        this.key = key;
        this.value = value;
    }

    AgentArgumentException(String message) {
        super(oneLine(message));
        this.key = null;
        this.value = null;
    }

    /** The offending key as written ({@code null} when the problem is not one key's). */
    public String key() {
        return key;
    }

    /** The offending value as written ({@code null} when there is none). */
    public String value() {
        return value;
    }

    private static String format(String key, String value, String reason, String origin) {
        StringBuilder sb = new StringBuilder("invalid agent argument ");
        sb.append(oneLine(key));
        if (value != null) {
            sb.append("='").append(oneLine(value)).append('\'');
        }
        sb.append(": ").append(oneLine(reason));
        if (origin != null) {
            sb.append(" (in config file ").append(oneLine(origin)).append(')');
        }
        return sb.toString();
    }

    /** Escapes line breaks and other control characters so the message stays on one line. */
    static String oneLine(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                if (c == '\n') {
                    sb.append("\\n");
                } else if (c == '\r') {
                    sb.append("\\r");
                } else if (c == '\t') {
                    sb.append("\\t");
                } else {
                    sb.append(String.format("\\u%04x", (int) c));
                }
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
