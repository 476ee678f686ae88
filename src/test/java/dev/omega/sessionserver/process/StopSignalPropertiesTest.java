package dev.omega.sessionserver.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Optional;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Signal names: every way of writing a signal's name parses back to it; nothing else parses. */
class StopSignalPropertiesTest {

    @Property
    void everySpellingOfANameParsesToItsSignal(@ForAll("spellings") Spelling s) {
        assertEquals(Optional.of(s.signal), StopSignal.parse(s.text), s.text);
    }

    @Property
    void theNamesItPrintsParseBack(@ForAll StopSignal signal) {
        assertEquals(Optional.of(signal), StopSignal.parse(signal.name()));
        assertEquals(Optional.of(signal), StopSignal.parse(signal.signalName()));
        assertTrue(StopSignal.names().contains(signal.name()), StopSignal.names());
    }

    @Property
    void anyOtherTextIsRefused(@ForAll("texts") String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        String bare = t.startsWith("SIG") ? t.substring(3) : t;
        boolean aName = false;
        for (StopSignal s : StopSignal.values()) {
            aName |= s.name().equals(bare);
        }
        assertEquals(aName, StopSignal.parse(text).isPresent(), text);
    }

    static final class Spelling {
        final StopSignal signal;
        final String text;

        Spelling(StopSignal signal, String text) {
            this.signal = signal;
            this.text = text;
        }

        @Override
        public String toString() {
            return "'" + text + "' (" + signal + ")";
        }
    }

    @Provide
    Arbitrary<Spelling> spellings() {
        Arbitrary<String> blanks = Arbitraries.of("", " ", "\t", "  \n", "\r");
        return Combinators.combine(Arbitraries.of(StopSignal.class), Arbitraries.of("", "SIG", "sig", "Sig", "sIg"),
                Arbitraries.integers().between(0, 1 << 6), blanks, blanks)
                .as((signal, prefix, caseBits, before, after) -> {
                    StringBuilder name = new StringBuilder();
                    for (int i = 0; i < signal.name().length(); i++) {
                        char c = signal.name().charAt(i);
                        name.append((caseBits >> (i % 6) & 1) == 1 ? Character.toLowerCase(c) : c);
                    }
                    return new Spelling(signal, before + prefix + name + after);
                });
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> near = Arbitraries.of(StopSignal.class).map(StopSignal::name)
                .flatMap(n -> Arbitraries.of("SIG" + n + "X", n.substring(1), "SIGSIG" + n, n + n, "S" + n, "15",
                        n.replace('I', '\u0131'), n.toLowerCase(Locale.ROOT), "sig" + n, "KILL", "SIGKILL", "9",
                        "-" + n, n + "\u0000"));
        return Arbitraries.oneOf(near, Arbitraries.strings().ofMaxLength(12),
                Arbitraries.strings().withChars("SIGTERMINTHUPQUITUSR12 sig").ofMaxLength(9));
    }
}
