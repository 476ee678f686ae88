package dev.omega.sessionserver.console;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import javax.management.MBeanServerConnection;

/**
 * Sends requests to the connected JVM one at a time, each with a deadline, so that a slow or lost connection costs the
 * caller at most that deadline and never piles requests up.
 *
 * <p>A request runs on this channel's own daemon thread; the caller (a background thread, never the event thread)
 * waits for it up to the timeout. At most one request is in flight: a request whose predecessor is still unanswered
 * waits for it within its own timeout and is then not sent ({@link Reply.Outcome#BUSY}). A request that outlives its
 * timeout returns {@link Reply.Outcome#TIMED_OUT} to its caller and keeps the channel busy until the JVM answers or
 * the connection fails (a JMX call cannot be cancelled). A failure of the connection gives
 * {@link Reply.Outcome#LOST}; an exception of the MBean {@link Reply.Outcome#FAILED} with its message
 * ({@link ErrorMessages}). Thread-safe.
 */
final class JmxChannel implements AutoCloseable {

    /** One request: JMX calls on the connection. */
    interface Request<T> {
        T send(MBeanServerConnection connection) throws Exception;
    }

    private final Supplier<MBeanServerConnection> connection;
    private final Duration timeout;
    private final Semaphore inFlight = new Semaphore(1);
    private final ExecutorService thread;

    /**
     * @param name       the channel's thread's name
     * @param connection where requests go; asked for at each request ({@code null}: not connected)
     * @param timeout    how long a caller waits for its request, admission included
     */
    JmxChannel(String name, Supplier<MBeanServerConnection> connection, Duration timeout) {
        this.connection = connection;
        this.timeout = timeout;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    Duration timeout() {
        return timeout;
    }

    /** Sends {@code request} and waits for its answer up to the timeout; never throws. */
    <T> Reply<T> send(Request<T> request) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!inFlight.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                return Reply.failure(Reply.Outcome.BUSY, "the JVM has not answered the previous request for "
                        + seconds(timeout) + ": the connection is slow or lost");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.failure(Reply.Outcome.BUSY, "interrupted");
        }
        Future<T> answer;
        try {
            answer = thread.submit(() -> {
                try {
                    MBeanServerConnection c = connection.get();
                    if (c == null) {
                        throw new java.io.IOException("not connected");
                    }
                    return request.send(c);
                } finally {
                    inFlight.release();
                }
            });
        } catch (RejectedExecutionException closed) {
            inFlight.release();
            return Reply.failure(Reply.Outcome.LOST, "the console is closed");
        }
        return await(answer, deadline);
    }

    private <T> Reply<T> await(Future<T> answer, long deadline) {
        try {
            return Reply.ok(answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Reply.failure(Reply.Outcome.TIMED_OUT, "no answer from the JVM within " + seconds(timeout)
                    + ": the connection is slow or lost");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (ErrorMessages.isConnectionFailure(cause)) {
                return Reply.failure(Reply.Outcome.LOST, "connection lost: " + ErrorMessages.of(cause));
            }
            return Reply.failure(Reply.Outcome.FAILED, ErrorMessages.of(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.failure(Reply.Outcome.TIMED_OUT, "interrupted while waiting for the JVM");
        }
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /** Stops the channel's thread (a request in flight is abandoned); later requests get {@code LOST}. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
