package dev.omega.sessionserver.testing;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sets the tries of a property from the system property {@value #KEY} when it is given (the profile {@code bench}
 * gives 100,000); without it the property's own {@code tries} count. Use with
 * {@code @AddLifecycleHook(SentinelTries.class)} on the property.
 */
public final class SentinelTries implements AroundPropertyHook {

    /** The system property with the number of tries. */
    public static final String KEY = "sessionserver.sentinel.tries";

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        String tries = System.getProperty(KEY, "").trim();
        if (!tries.isEmpty()) {
            context.attributes().setTries(Integer.valueOf(tries));
        }
        return property.execute();
    }
}
