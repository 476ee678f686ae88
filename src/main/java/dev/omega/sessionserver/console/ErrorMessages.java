package dev.omega.sessionserver.console;

import java.io.IOException;
import java.lang.reflect.UndeclaredThrowableException;

import javax.management.MBeanException;
import javax.management.ReflectionException;
import javax.management.RuntimeErrorException;
import javax.management.RuntimeMBeanException;
import javax.management.RuntimeOperationsException;

/**
 * The words to show for a failed JMX call: the message of the exception the MBean threw, not the JMX wrappers around
 * it and never a stack trace. An operation's {@code IllegalStateException} reaches a remote client as a
 * {@link RuntimeMBeanException} around it; a checked one as an {@link MBeanException}; both are unwrapped.
 */
final class ErrorMessages {

    private ErrorMessages() {
    }

    /** The innermost meaningful exception's message, or its simple class name when it has none. */
    static String of(Throwable t) {
        Throwable cause = unwrap(t);
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message.trim();
    }

    /** Whether {@code t} (unwrapped) is a failure of the connection rather than of the MBean. */
    static boolean isConnectionFailure(Throwable t) {
        return unwrap(t) instanceof IOException;
    }

    /** {@code t} without the JMX and proxy wrappers that only carry another exception. */
    static Throwable unwrap(Throwable t) {
        Throwable current = t;
        for (int depth = 0; depth < 10; depth++) {
            Throwable inner = wrapped(current);
            if (inner == null || inner == current) {
                return current;
            }
            current = inner;
        }
        return current;
    }

    private static Throwable wrapped(Throwable t) {
        if (t instanceof RuntimeMBeanException) {
            return ((RuntimeMBeanException) t).getTargetException();
        }
        if (t instanceof MBeanException) {
            return ((MBeanException) t).getTargetException();
        }
        if (t instanceof RuntimeErrorException) {
            return ((RuntimeErrorException) t).getTargetError();
        }
        if (t instanceof ReflectionException) {
            // "No such operation: tailLog" (an older agent) says more than its NoSuchMethodException "tailLog(int)"
            Exception target = ((ReflectionException) t).getTargetException();
            return target instanceof NoSuchMethodException ? null : target;
        }
        if (t instanceof RuntimeOperationsException) {
            return ((RuntimeOperationsException) t).getTargetException();
        }
        if (t instanceof UndeclaredThrowableException) {
            return ((UndeclaredThrowableException) t).getUndeclaredThrowable();
        }
        if (t instanceof java.util.concurrent.ExecutionException) {
            return t.getCause();
        }
        return null;
    }
}
