package dev.omega.sessionserver.agent;

/**
 * Sets up the agent's logging before its first logger is made: slf4j-simple (relocated in the agent jar, so a host's
 * own slf4j and its settings are untouched) writing to stderr, each line marked {@code [session-server-manager]}:
 * <pre>
 * 2025-01-31 12:00:00.123 [session-server-manager] INFO AgentRuntime - registered dev.omega.sessionserver:...
 * </pre>
 *
 * <p>The level: {@code -D}{@value #LEVEL_PROPERTY}{@code =debug} (trace, debug, info, warn, error, off; default
 * info). Every slf4j-simple setting can also be given under the relocated prefix that {@link #simpleLoggerPrefix()}
 * returns ({@code dev.omega.sessionserver.shaded.org.slf4j.simpleLogger.} in the agent jar, e.g.
 * {@code ...simpleLogger.log.dev.omega.sessionserver.process=debug}); a value set there wins: this class only fills
 * in settings that are not set yet.
 */
public final class AgentLogging {

    /** The system property that sets the agent's log level. */
    public static final String LEVEL_PROPERTY = "dev.omega.sessionserver.logLevel";
    /** Marks every line as the agent's (part of the date format, so it needs {@code showDateTime=true}). */
    public static final String MARKER = "[session-server-manager]";

    private static volatile boolean configured;

    private AgentLogging() {
    }

    /**
     * The prefix of slf4j-simple's system properties as this copy of slf4j sees them: computed from the (possibly
     * relocated) name of {@code org.slf4j.LoggerFactory}, so it is right both in the shaded jar and unshaded.
     */
    public static String simpleLoggerPrefix() {
        String factory = org.slf4j.LoggerFactory.class.getName(); // a class literal: loads, does not initialize
        String pkg = factory.substring(0, factory.length() - "LoggerFactory".length());
        return pkg + "simpleLogger.";
    }

    /** Fills in the logger settings that are not set; idempotent. Call before the first logger is made. */
    public static void configure() {
        if (configured) {
            return;
        }
        synchronized (AgentLogging.class) {
            if (configured) {
                return;
            }
            try {
                String p = simpleLoggerPrefix();
                String level = System.getProperty(LEVEL_PROPERTY);
                setIfAbsent(p + "defaultLogLevel", level == null || level.trim().isEmpty() ? "info"
                        : level.trim().toLowerCase(java.util.Locale.ROOT));
                setIfAbsent(p + "logFile", "System.err");
                setIfAbsent(p + "showDateTime", "true");
                setIfAbsent(p + "dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS '" + MARKER + "'");
                setIfAbsent(p + "showThreadName", "false");
                setIfAbsent(p + "showLogName", "true");
                setIfAbsent(p + "showShortLogName", "true");
                setIfAbsent(p + "levelInBrackets", "false");
            } catch (SecurityException e) {
                // a host with a security manager: slf4j-simple's own defaults then apply
            }
            configured = true;
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
