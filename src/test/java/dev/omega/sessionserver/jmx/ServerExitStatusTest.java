package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which exit code belongs to a server that died, and how long finding out may take: no processes involved. */
@Timeout(30)
class ServerExitStatusTest {

    @Test
    void aServerThatIsNotOurChildHasNoExitCodeAndCostsNoLookUp() {
        AtomicInteger lookUps = new AtomicInteger();
        ServerExitStatus status = new ServerExitStatus(pid -> {
            lookUps.incrementAndGet();
            return OptionalInt.of(1);
        });
        status.started(42, false);

        assertEquals(OptionalInt.empty(), status.awaitExitCode(42));
        assertEquals(OptionalInt.empty(), status.awaitExitCode(7), "nor does any other PID");
        assertEquals(0, lookUps.get());
    }

    @Test
    void ourChildsExitCodeIsFoundOnceTheLookUpKnowsIt() {
        AtomicInteger lookUps = new AtomicInteger();
        ServerExitStatus status = new ServerExitStatus(pid -> lookUps.incrementAndGet() < 3 ? OptionalInt.empty()
                : OptionalInt.of(pid == 42 ? 137 : -2));
        status.started(42, true);

        assertEquals(OptionalInt.of(137), status.awaitExitCode(42));
        assertEquals(3, lookUps.get(), "looked again until the code was known");
    }

    @Test
    void oneDeadlineForTheWholeWaitEvenWhenALookUpBlocks() {
        // a look-up that blocks far longer than the promised wait (as ProcessManager#exitCode may, up to 1 s)
        CountDownLatch never = new CountDownLatch(1);
        ServerExitStatus status = new ServerExitStatus(pid -> {
            try {
                never.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return OptionalInt.of(1);
        });
        status.started(42, true);
        try {
            OptionalInt code = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> status.awaitExitCode(42),
                    "awaitExitCode must give up at its own deadline, not wait for the blocked look-up");
            assertEquals(OptionalInt.empty(), code);
        } finally {
            never.countDown();
        }
    }

    @Test
    void forgettingACrashedChildKeepsANewerOne() {
        ServerExitStatus status = new ServerExitStatus(pid -> OptionalInt.of(3));
        status.started(42, true);
        status.started(43, true); // restarted before the crash of 42 was handled

        status.forget(42);
        assertEquals(OptionalInt.of(3), status.awaitExitCode(43));

        status.forget(43);
        assertEquals(OptionalInt.empty(), status.awaitExitCode(43));
    }

    @Test
    void exitCodesAboveOneHundredTwentyEightAreSignals() {
        assertEquals("signal 9 (exit code 137)", ServerExitStatus.describe(OptionalInt.of(137)));
        assertEquals("exit code 3", ServerExitStatus.describe(OptionalInt.of(3)));
        assertEquals("exit code unknown", ServerExitStatus.describe(OptionalInt.empty()));
        assertEquals(64, ServerExitStatus.signal(192));
        assertEquals(-1, ServerExitStatus.signal(193));
    }
}
