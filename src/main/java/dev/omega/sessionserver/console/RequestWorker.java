package dev.omega.sessionserver.console;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.swing.SwingWorker;

/**
 * One request to the connected JVM as a {@link SwingWorker}: sent through a {@link JmxChannel} on a worker thread
 * (so bounded by the channel's timeout), its reply handed to the event thread. Never fails: every outcome is a
 * {@link Reply}.
 *
 * @param <T> the answer's type
 */
final class RequestWorker<T> extends SwingWorker<Reply<T>, Void> {

    private final JmxChannel channel;
    private final JmxChannel.Request<T> request;
    private final Consumer<Reply<T>> onReply;
    private final CountDownLatch handled = new CountDownLatch(1);

    /**
     * @param onReply what the event thread does with the reply
     */
    RequestWorker(JmxChannel channel, JmxChannel.Request<T> request, Consumer<Reply<T>> onReply) {
        this.channel = channel;
        this.request = request;
        this.onReply = onReply;
    }

    @Override
    protected Reply<T> doInBackground() {
        return channel.send(request);
    }

    @Override
    protected void done() {
        Reply<T> reply;
        try {
            reply = get();
        } catch (ExecutionException | InterruptedException | CancellationException e) {
            reply = Reply.failure(Reply.Outcome.FAILED, ErrorMessages.of(e));
        }
        try {
            onReply.accept(reply);
        } finally {
            handled.countDown();
        }
    }

    /** Waits until the event thread has handled the reply; {@code false} when that took longer than {@code max}. */
    boolean awaitHandled(Duration max) throws InterruptedException {
        return handled.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }
}
