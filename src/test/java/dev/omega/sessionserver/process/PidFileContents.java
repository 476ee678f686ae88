package dev.omega.sessionserver.process;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import dev.omega.sessionserver.testing.Procs;

/**
 * Generated PID file contents around one live process (the target): its PID written straight, with signs, zeros,
 * whitespace, NUL or garbage around it, cut short, or replaced by huge and special numbers ({@code 0}, {@code 1},
 * {@code -1}, this JVM, its parent, {@code pid_max}); identity lines with its start ticks, boot id and start time
 * exact, off by a little or garbled, partial lines, other boot ids; random text and bytes; files cut at any byte;
 * files too large; no file. With {@code matching} false the exact identity of the target is never written on purpose
 * (random text may still hit it: the properties check {@link PidFileSpec} for that).
 */
final class PidFileContents {

    /** The facts about the target that the contents play with. */
    static final class Target {
        final long pid;
        final long ticks;
        final String boot;
        final long millis;

        Target(PidFileSpec.Live live) {
            this.pid = live.pid;
            this.ticks = live.ticks;
            this.boot = live.boot;
            this.millis = live.millis;
        }
    }

    /** One file's bytes ({@code null}: no file), shown escaped in a failure report. */
    static final class Content {
        static final Content ABSENT = new Content(null);
        final byte[] bytes;

        Content(byte[] bytes) {
            this.bytes = bytes;
        }

        static Content of(String text) {
            return new Content(text.getBytes(StandardCharsets.UTF_8));
        }

        Content cutAt(int length) {
            return new Content(Arrays.copyOf(bytes, Math.min(length, bytes.length)));
        }

        @Override
        public String toString() {
            if (bytes == null) {
                return "(no file)";
            }
            StringBuilder sb = new StringBuilder("\"");
            for (char c : new String(bytes, StandardCharsets.UTF_8).toCharArray()) {
                sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : c == '\n' ? "\\n" : String.format("\\u%04x", (int) c));
            }
            return sb.append("\" (").append(bytes.length).append(" bytes)").toString();
        }
    }

    private static final List<String> AROUND_PID = List.of("", " ", "\t", "+", "-", "0", "00", "\u0000", "\u000b",
            "\f", "\u2003", "\u00a0", "\ufeff", "\r", " \t ");
    private static final List<String> AFTER_PID = List.of("", " ", "\t", "\r", "\u0000", "x", ".0", "e0", "\u2003",
            " 1", "#", "\u00a0", ",");

    private PidFileContents() {
    }

    /** Contents around {@code t}; with {@code matching}, its exact identity is written often. */
    static Arbitrary<Content> around(Target t, boolean matching) {
        Arbitrary<Content> structured = Combinators.combine(pidLine(t), identityLine(t, matching).list().ofMaxSize(6),
                Arbitraries.of("\n", "\r\n"), Arbitraries.of(true, false))
                .as((pid, lines, newline, trailing) -> Content.of(pid + (lines.isEmpty() ? "" : newline)
                        + String.join(newline, lines) + (trailing ? newline : "")));
        Arbitrary<Content> cut = structured.flatMap(c -> Arbitraries.integers().between(0, c.bytes.length)
                .map(c::cutAt));
        Arbitrary<Content> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(48).map(Content::new);
        Arbitrary<Content> pidThenBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(32)
                .map(b -> new Content(concat((t.pid + "\n").getBytes(StandardCharsets.UTF_8), b)));
        Arbitrary<Content> tooLarge = Combinators.combine(structured, Arbitraries.integers().between(4000, 5000))
                .as((c, pad) -> new Content(concat(c.bytes, ("\n#" + "x".repeat(pad)).getBytes(StandardCharsets.UTF_8))));
        Arbitrary<Content> exact = Arbitraries.of(PidFile.format(new ProcessIdentity(t.pid, t.ticks, t.boot, t.millis)),
                PidFile.format(new ProcessIdentity(t.pid, t.ticks, t.boot, -1)),
                PidFile.format(new ProcessIdentity(t.pid, -1, null, t.millis))).map(Content::of);
        return weighted(
                Tuple.of(matching ? 2 : 0, exact),
                Tuple.of(12, structured),
                Tuple.of(4, cut),
                Tuple.of(1, Arbitraries.just(Content.ABSENT)),
                Tuple.of(1, randomBytes),
                Tuple.of(1, pidThenBytes),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40).map(Content::of)),
                Tuple.of(1, tooLarge));
    }

    /** The first line. */
    static Arbitrary<String> pidLine(Target t) {
        String p = Long.toString(t.pid);
        long self = ProcessHandle.current().pid();
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(2L);
        long pidMax = Procs.pidMax();
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(p)),
                Tuple.of(4, Combinators.combine(Arbitraries.of(AROUND_PID), Arbitraries.of(AFTER_PID))
                        .as((before, after) -> before + p + after)),
                Tuple.of(2, Arbitraries.integers().between(0, p.length() - 1).map(n -> p.substring(0, n))),
                Tuple.of(1, Arbitraries.of(p + "0", p + p, p + "\u0000" + p, "0x" + Long.toHexString(t.pid),
                        "0" + Long.toOctalString(t.pid), arabic(p), fullWidth(p), p + "L")),
                Tuple.of(2, Arbitraries.of("", "0", "1", "-1", "-0", "+1", Long.toString(self), Long.toString(parent),
                        "-" + self, Long.toString(pidMax), Long.toString(pidMax + 1), Long.toString(Long.MAX_VALUE),
                        Long.toString(Long.MIN_VALUE), "99999999999999999999", "18446744073709551615")),
                Tuple.of(1, Arbitraries.longs().map(v -> Long.toString(v))),
                Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(18), BigInteger.TEN.pow(30))
                        .map(BigInteger::toString)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(24)));
    }

    /** One line after the first. */
    static Arbitrary<String> identityLine(Target t, boolean matching) {
        int exact = matching ? 4 : 0;
        Arbitrary<String> garbage = Arbitraries.of("", "abc", "1e3", "0x10", "99999999999999999999", "12 34", "-",
                "+", " ", "5\u0000", "NaN");
        Arbitrary<String> ticks = weighted(
                Tuple.of(exact, Arbitraries.just(Long.toString(t.ticks))),
                Tuple.of(matching ? 1 : 0, Arbitraries.of("+" + t.ticks, "0" + t.ticks, arabic(Long.toString(t.ticks)))),
                Tuple.of(3, Arbitraries.longs().between(-3, 3).filter(d -> d != 0).map(d -> Long.toString(t.ticks + d))),
                Tuple.of(1, Arbitraries.of(0L, -1L, -t.ticks, Long.MAX_VALUE, Long.MIN_VALUE).map(v -> Long.toString(v))),
                Tuple.of(2, garbage));
        Arbitrary<String> boot = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just(t.boot)),
                Tuple.of(2, Arbitraries.of("00000000-0000-0000-0000-000000000000", t.boot.toUpperCase(), t.boot + "x",
                        t.boot.substring(1), "")),
                Tuple.of(1, Arbitraries.randomValue(r -> new UUID(r.nextLong(), r.nextLong()).toString())));
        Arbitrary<Long> near = matching ? Arbitraries.longs().between(-2500, 2500)
                : Arbitraries.longs().between(1001, 50_000_000).flatMap(d -> Arbitraries.of(d, -d));
        Arbitrary<String> millis = weighted(
                Tuple.of(exact, Arbitraries.of(0L, 999L, 1000L, -1000L).map(d -> Long.toString(t.millis + d))),
                Tuple.of(3, near.map(d -> Long.toString(t.millis + d))),
                Tuple.of(1, Arbitraries.of(1001L, -1001L, 5000L).map(d -> Long.toString(t.millis + d))),
                Tuple.of(1, Arbitraries.of("0", "-1", Long.toString(Long.MAX_VALUE))),
                Tuple.of(1, garbage));
        Arbitrary<String> separator = Arbitraries.of("=", "=", "=", " = ", "=\t", "\t=");
        Arbitrary<String> other = Arbitraries.of("# session-server-manager: identity of the process above", "#", "",
                "   ", "start-ticks", "boot-id", "=5", "start-ticks:5", "START-TICKS=5", "start_ticks=5", "foo=bar",
                "#start-ticks=5", " # start-ticks=abc", "start-ticks5", "\u0000", "start-millis",
                "start-ticks = = 5");
        return Arbitraries.frequencyOf(
                Tuple.of(5, Combinators.combine(separator, ticks).as((s, v) -> "start-ticks" + s + v)),
                Tuple.of(4, Combinators.combine(separator, boot).as((s, v) -> "boot-id" + s + v)),
                Tuple.of(3, Combinators.combine(separator, millis).as((s, v) -> "start-millis" + s + v)),
                Tuple.of(3, other),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(20)));
    }

    /** {@link Arbitraries#frequencyOf}, leaving out the choices of weight 0. */
    @SafeVarargs
    private static <T> Arbitrary<T> weighted(Tuple.Tuple2<Integer, Arbitrary<T>>... choices) {
        List<Tuple.Tuple2<Integer, Arbitrary<T>>> positive = new ArrayList<>();
        for (Tuple.Tuple2<Integer, Arbitrary<T>> c : choices) {
            if (c.get1() > 0) {
                positive.add(c);
            }
        }
        return Arbitraries.frequencyOf(positive);
    }

    private static String arabic(String digits) {
        StringBuilder sb = new StringBuilder();
        for (char c : digits.toCharArray()) {
            sb.append((char) ('\u0660' + (c - '0')));
        }
        return sb.toString();
    }

    private static String fullWidth(String digits) {
        StringBuilder sb = new StringBuilder();
        for (char c : digits.toCharArray()) {
            sb.append((char) ('\uff10' + (c - '0')));
        }
        return sb.toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
