package dev.omega.sessionserver.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.management.RuntimeMBeanException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One request at a time, each with a deadline; every outcome a reply, never an exception. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JmxChannelTest {

    private final JmxChannel channel = new JmxChannel("test-channel", ManagementFactory::getPlatformMBeanServer,
            Duration.ofMillis(300));
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        channel.close();
    }

    @Test
    void anAnswerIsOk() {
        Reply<Integer> r = channel.send(c -> c.getMBeanCount());
        assertEquals(Reply.Outcome.OK, r.outcome());
        assertEquals(ManagementFactory.getPlatformMBeanServer().getMBeanCount(), r.value());
    }

    @Test
    void anUnansweredRequestTimesOutAndKeepsTheNextOneFromBeingSent() throws Exception {
        Reply<Object> hung = channel.send(c -> {
            release.await();
            return "late";
        });
        assertEquals(Reply.Outcome.TIMED_OUT, hung.outcome());
        assertEquals("no answer from the JVM within 300 ms: the connection is slow or lost", hung.message());
        boolean[] sent = {false};
        Reply<Object> next = channel.send(c -> sent[0] = true);
        assertEquals(Reply.Outcome.BUSY, next.outcome(), next::toString);
        assertEquals(false, sent[0], "not sent while the first is in flight");

        release.countDown(); // the JVM answers the first at last: the channel takes requests again
        assertEquals(Reply.Outcome.OK, awaitOk(() -> channel.send(c -> "again")).outcome());
    }

    @Test
    void aRequestWaitsForTheOneInFlightWithinItsOwnTimeout() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Reply<String>> first = CompletableFuture.supplyAsync(() -> channel.send(c -> {
            started.countDown();
            release.await();
            return "first";
        }));
        started.await();
        CompletableFuture<Reply<String>> second = CompletableFuture.supplyAsync(() -> channel.send(c -> "second"));
        release.countDown();
        assertEquals("first", first.get().value());
        assertEquals("second", second.get().value());
    }

    @Test
    void aConnectionFailureIsLostAndAnMbeansExceptionIsFailedWithItsMessage() {
        Reply<Object> lost = channel.send(c -> {
            throw new IOException("Connection reset");
        });
        assertEquals(Reply.Outcome.LOST, lost.outcome());
        assertEquals("connection lost: Connection reset", lost.message());
        Reply<Object> failed = channel.send(c -> {
            throw new RuntimeMBeanException(new IllegalStateException("no server runs"));
        });
        assertEquals(Reply.Outcome.FAILED, failed.outcome());
        assertEquals("no server runs", failed.message());
    }

    @Test
    void aClosedChannelSendsNothing() {
        channel.close();
        assertEquals(Reply.Outcome.LOST, channel.send(c -> "x").outcome());
    }

    private static <T> Reply<T> awaitOk(java.util.function.Supplier<Reply<T>> send) {
        Reply<T> r = send.get();
        for (int i = 0; i < 100 && !r.isOk(); i++) {
            r = send.get(); // BUSY waits up to the timeout itself: no sleep needed
        }
        return r;
    }
}
