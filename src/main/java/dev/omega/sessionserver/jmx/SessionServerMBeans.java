package dev.omega.sessionserver.jmx;

import java.util.Objects;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@link SessionServerManager}s in an {@link MBeanServer} as Standard MBeans with descriptions and
 * impacts (what JConsole and VisualVM show), under {@link SessionServerManager#objectName()}, and builds those
 * ObjectNames ({@link #objectName(String)}). Thread-safe.
 */
public final class SessionServerMBeans {

    /** The JMX domain of every session server MBean. */
    public static final String DOMAIN = "dev.omega.sessionserver";
    /** The {@code type} key of every session server MBean's ObjectName. */
    public static final String TYPE = "SessionServerManager";

    private static final Logger LOG = LoggerFactory.getLogger(SessionServerMBeans.class);
    /** What an unquoted ObjectName value may not hold. */
    private static final String NEEDS_QUOTES = ",=:\"*?\\\n";

    private SessionServerMBeans() {
    }

    /**
     * {@code dev.omega.sessionserver:type=SessionServerManager,name=<name>}, the name quoted with
     * {@link ObjectName#quote} only when it holds a character that an unquoted value may not ({@code ,=:"*?},
     * backslash, newline) or is empty.
     *
     * @throws IllegalArgumentException when no ObjectName can be made of it
     * @throws NullPointerException     for a null name
     */
    public static ObjectName objectName(String name) {
        Objects.requireNonNull(name, "name");
        String value = needsQuoting(name) ? ObjectName.quote(name) : name;
        try {
            return new ObjectName(DOMAIN + ":type=" + TYPE + ",name=" + value);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("invalid name '" + name + "': " + e.getMessage());
        }
    }

    private static boolean needsQuoting(String value) {
        if (value.isEmpty()) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            if (NEEDS_QUOTES.indexOf(value.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Registers a (not yet registered) manager as its StandardMBean-with-descriptions under its ObjectName.
     *
     * @return true when registered; false (and a log line) when that ObjectName is already registered in
     *         {@code server}, by this manager or another, which is left as it is
     * @throws IllegalStateException when the MBeanServer refuses the MBean for another reason
     */
    public static boolean register(MBeanServer server, SessionServerManager manager) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(manager, "manager");
        try {
            server.registerMBean(new DescribedSessionServerMBean(manager), manager.objectName());
            LOG.info("registered MBean {}", manager.objectName());
            return true;
        } catch (InstanceAlreadyExistsException e) {
            LOG.warn("MBean {} is already registered; not registering it again", manager.objectName());
            return false;
        } catch (JMException | RuntimeException e) {
            throw new IllegalStateException("could not register MBean " + manager.objectName() + ": " + e);
        }
    }

    /**
     * Unregisters the manager's MBean when {@link #register} registered this manager in {@code server}; a no-op
     * otherwise (an MBean of the same name registered by someone else is left alone). Never stops the server and
     * never closes the manager. Failures are logged, not thrown.
     */
    public static void unregister(MBeanServer server, SessionServerManager manager) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(manager, "manager");
        if (!manager.registeredIn.contains(server)) {
            LOG.debug("MBean {} was not registered by this manager; nothing to unregister", manager.objectName());
            return;
        }
        try {
            server.unregisterMBean(manager.objectName());
            LOG.info("unregistered MBean {}", manager.objectName());
        } catch (InstanceNotFoundException e) {
            LOG.debug("MBean {} was already unregistered", manager.objectName());
        } catch (JMException | RuntimeException e) {
            LOG.warn("could not unregister MBean {}: {}", manager.objectName(), e.toString());
        }
    }
}
