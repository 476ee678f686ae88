package dev.omega.sessionserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Tees {@code System.err} (where slf4j-simple writes, looking the stream up at each line) into a buffer, so that a test
 * can count the log lines the code under test wrote; {@link #close()} puts the original stream back. Thread-safe.
 * {@link #withoutEcho()} keeps the lines from the original stream (a property's thousands of tries would flood the
 * build's output with the same log line).
 */
public final class CapturedStderr implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private CapturedStderr(boolean echo) {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                if (echo) {
                    original.write(b);
                }
                synchronized (captured) {
                    captured.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (echo) {
                    original.write(b, off, len);
                }
                synchronized (captured) {
                    captured.write(b, off, len);
                }
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    /** Starts capturing now. */
    public static CapturedStderr start() {
        return new CapturedStderr(true);
    }

    /** Starts capturing now, without passing the lines on to the original stream. */
    public static CapturedStderr withoutEcho() {
        return new CapturedStderr(false);
    }

    /** How many lines written since {@link #start()} contain every one of {@code parts}. */
    public long lines(String... parts) {
        String text;
        synchronized (captured) {
            text = captured.toString(StandardCharsets.UTF_8);
        }
        return text.lines().filter(l -> List.of(parts).stream().allMatch(l::contains)).count();
    }

    /** Puts the original {@code System.err} back. Idempotent. */
    @Override
    public void close() {
        System.setErr(original);
    }
}
