package dev.omega.sessionserver.console;

/**
 * The outcome of one request to the connected JVM: a value, or why there is none, in words. Immutable.
 *
 * @param <T> the value's type
 */
final class Reply<T> {

    /** What became of a request. */
    enum Outcome {
        /** The JVM answered; {@link #value()} holds the answer. */
        OK,
        /** The JVM answered with an error (the operation failed): {@link #message()} is the MBean's message. */
        FAILED,
        /** The connection failed (closed, reset, refused): the JVM is gone or unreachable. */
        LOST,
        /** No answer within the request's timeout; the request still waits for one in the background. */
        TIMED_OUT,
        /** Not sent: an earlier request to the JVM has not been answered yet. */
        BUSY
    }

    private final Outcome outcome;
    private final T value;
    private final String message;

    private Reply(Outcome outcome, T value, String message) {
        this.outcome = outcome;
        this.value = value;
        this.message = message;
    }

    static <T> Reply<T> ok(T value) {
        return new Reply<>(Outcome.OK, value, "");
    }

    static <T> Reply<T> failure(Outcome outcome, String message) {
        if (outcome == Outcome.OK) {
            throw new IllegalArgumentException("a failure needs an outcome other than OK");
        }
        return new Reply<>(outcome, null, message);
    }

    Outcome outcome() {
        return outcome;
    }

    boolean isOk() {
        return outcome == Outcome.OK;
    }

    /** The answer; {@code null} unless {@link #isOk()}. */
    T value() {
        return value;
    }

    /** Why there is no value, in words; "" when {@link #isOk()}. */
    String message() {
        return message;
    }

    /** The same failure for another value type. */
    <U> Reply<U> failureAs() {
        if (isOk()) {
            throw new IllegalStateException("not a failure");
        }
        return new Reply<>(outcome, null, message);
    }

    @Override
    public String toString() {
        return isOk() ? "OK " + value : outcome + ": " + message;
    }
}
