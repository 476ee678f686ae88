package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import dev.omega.sessionserver.jmx.ServerDependency;
import dev.omega.sessionserver.jmx.SupervisionPolicy;

/**
 * The agent's values, for any text: durations in milliseconds, sizes with k/m/g, exit-code lists, whole numbers and
 * booleans read back what their printed form says, and anything else is refused with the kind's one wording, naming
 * the key and quoting the value.
 */
class AgentValuePropertiesTest {

    private static Setting setting(String value) {
        return new Setting("someKey", value, null);
    }

    /** Refused with {@code reason}, naming the key and quoting the value. */
    private static void assertRefused(Function<Setting, ?> parser, String value, String reason) {
        AgentArgumentException e = assertThrows(AgentArgumentException.class, () -> parser.apply(setting(value)),
                () -> "accepted '" + value + "'");
        assertEquals("someKey", e.key());
        assertEquals(value, e.value());
        assertEquals("invalid agent argument someKey='" + AgentArgumentException.oneLine(value) + "': " + reason,
                e.getMessage());
    }

    private static boolean isWholeNumber(String s, BigInteger min, BigInteger max) {
        try {
            BigInteger v = new BigInteger(s);
            return v.compareTo(min) >= 0 && v.compareTo(max) <= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    @Property
    void aDurationIsAnyLongOfMillisecondsAndNothingElse(@ForAll("numberLike") String text) {
        if (isWholeNumber(text, LONG_MIN, LONG_MAX)) {
            assertEquals(Duration.ofMillis(new BigInteger(text).longValueExact()), AgentValueParser.millis(setting(text)));
        } else {
            assertRefused(AgentValueParser::millis, text, AgentValueParser.NOT_MILLISECONDS);
        }
    }

    @Property
    void aDurationPrintsBackAsItsMilliseconds(@ForAll long millis) {
        assertEquals(Duration.ofMillis(millis), AgentValueParser.millis(setting(Long.toString(millis))));
    }

    @Property
    void aWholeNumberIsAnyIntAndNothingElse(@ForAll("numberLike") String text) {
        if (isWholeNumber(text, BigInteger.valueOf(Integer.MIN_VALUE), BigInteger.valueOf(Integer.MAX_VALUE))) {
            assertEquals(new BigInteger(text).intValueExact(), AgentValueParser.integer(setting(text)));
        } else {
            assertRefused(AgentValueParser::integer, text, AgentValueParser.NOT_A_NUMBER);
        }
    }

    @Property
    void aSizeIsAWholeNumberTimesItsUnitWhenThatFitsALong(@ForAll("numberLike") String number,
            @ForAll("units") String unit) {
        String text = number + unit;
        int unitAt = text.isEmpty() ? -1 : "kmg".indexOf(Character.toLowerCase(text.charAt(text.length() - 1)));
        String digits = unitAt < 0 ? text : text.substring(0, text.length() - 1);
        BigInteger bytes = isWholeNumber(digits, LONG_MIN, LONG_MAX)
                ? new BigInteger(digits).shiftLeft(unitAt < 0 ? 0 : 10 * (unitAt + 1)) : null;
        if (bytes != null && bytes.compareTo(LONG_MIN) >= 0 && bytes.compareTo(LONG_MAX) <= 0) {
            assertEquals(bytes.longValueExact(), AgentValueParser.sizeBytes(setting(text)), text);
        } else {
            assertRefused(AgentValueParser::sizeBytes, text, AgentValueParser.NOT_A_SIZE);
        }
    }

    @Property
    void aSizePrintsBackAsItsBytes(@ForAll long bytes) {
        assertEquals(bytes, AgentValueParser.sizeBytes(setting(Long.toString(bytes))));
    }

    @Property
    void anExitCodeListReadsBackWhateverSeparatesItsCodes(@ForAll @Size(min = 1, max = 6) List<@IntRange(min = -300,
            max = 300) Integer> codes, @ForAll("separators") List<String> separators) {
        StringBuilder text = new StringBuilder(separators.get(0).trim().isEmpty() ? separators.get(0) : "");
        for (int i = 0; i < codes.size(); i++) {
            text.append(i == 0 ? "" : separators.get(i % separators.size())).append(codes.get(i));
        }
        assertEquals(codes, AgentValueParser.exitCodes(setting(text.toString())), text.toString());
    }

    @Property
    void anExitCodeListWithAnythingButNumbersIsRefused(@ForAll @Size(max = 4) List<@IntRange(min = 0, max = 255)
            Integer> codes, @ForAll("notANumber") String bad, @ForAll @IntRange(min = 0, max = 4) int at) {
        List<String> parts = new ArrayList<>();
        codes.forEach(c -> parts.add(Integer.toString(c)));
        parts.add(Math.min(at, parts.size()), bad);
        String text = String.join(";", parts);
        assertRefused(AgentValueParser::exitCodes, text, AgentValueParser.NOT_EXIT_CODES);
    }

    @Property
    void aPolicysExitCodesPrintBackToTheSameSet(@ForAll @Size(min = 1, max = 6) List<@IntRange(min = 0, max = 255)
            Integer> codes) {
        SupervisionPolicy p = SupervisionPolicy.builder().successExitCodes(codes).build();
        List<Integer> read = AgentValueParser.exitCodes(setting(p.successExitCodesText()));
        assertEquals(p.successExitCodes(), SupervisionPolicy.builder().successExitCodes(read).build().successExitCodes());
    }

    @Property
    void aBooleanIsTrueOrFalseInAnyCaseAndNothingElse(@ForAll("booleanLike") String text) {
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            assertEquals(text.equalsIgnoreCase("true"), AgentValueParser.bool(setting(text)));
        } else {
            assertRefused(AgentValueParser::bool, text, AgentValueParser.NOT_A_BOOLEAN);
        }
    }

    @Property
    void aRestartNameIsOneOfTheThreeInAnyCase(@ForAll("restartLike") String text) {
        for (SupervisionPolicy.Restart r : SupervisionPolicy.Restart.values()) {
            if (r.text().equalsIgnoreCase(text)) {
                assertEquals(r, AgentValueParser.restart(setting(text)));
                return;
            }
        }
        assertRefused(AgentValueParser::restart, text, "must be never, on-failure or always");
    }

    @Property
    void aStopSignalNameIsParsedOrRefusedWithTheNames(@ForAll("signalLike") String text) {
        if (dev.omega.sessionserver.process.StopSignal.parse(text).isPresent()) {
            assertEquals(dev.omega.sessionserver.process.StopSignal.parse(text).get(),
                    AgentValueParser.stopSignal(setting(text)));
        } else {
            assertRefused(AgentValueParser::stopSignal, text,
                    "must be TERM, INT, HUP, QUIT, USR1 or USR2 (with or without SIG)");
        }
    }

    @Property
    void aNameIsLettersDigitsDotsUnderscoresAndDashes(@ForAll("nameLike") String text) {
        boolean valid = text.matches("[A-Za-z0-9._-]+");
        assertEquals(valid, AgentValueParser.isValidName(text), text);
        if (valid) {
            assertEquals(text, AgentValueParser.name(setting(text)));
        } else {
            AgentArgumentException e = assertThrows(AgentArgumentException.class,
                    () -> AgentValueParser.name(setting(text)));
            assertTrue(e.getMessage().contains(AgentValueParser.BAD_NAME), e.getMessage());
        }
    }

    @Provide
    Arbitrary<String> numberLike() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.longs().map(String::valueOf)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().map(String::valueOf)),
                net.jqwik.api.Tuple.of(2, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(9).negate(),
                        BigInteger.TEN.pow(22)).map(BigInteger::toString)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of("", " ", "+", "-", "+0", "-0", "00", "1_000", "1e3", "0x10",
                        "1.0", " 5", "5 ", "9223372036854775808", "-9223372036854775809", "2147483648", "k", "NaN")),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("0123456789+- .kmgx").ofMaxLength(8)),
                // the largest and smallest numbers that still fit a long with a unit, and one beyond
                net.jqwik.api.Tuple.of(2, Arbitraries.of(10, 20, 30).flatMap(shift -> Arbitraries.of(
                        Long.MAX_VALUE >> shift, (Long.MAX_VALUE >> shift) + 1, Long.MIN_VALUE >> shift,
                        (Long.MIN_VALUE >> shift) - 1)).map(String::valueOf)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(6)));
    }

    @Provide
    Arbitrary<String> units() {
        return Arbitraries.of("", "", "k", "m", "g", "K", "M", "G");
    }

    @Provide
    Arbitrary<List<String>> separators() {
        return Arbitraries.of(";", " ", ",", " ; ", ";;", "\t", " ,").list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> notANumber() {
        return Arbitraries.of("a", "1.5", "0x1", "1e2", "--1", "+", "-", "9999999999", "one", "٣_");
    }

    @Provide
    Arbitrary<String> booleanLike() {
        return Arbitraries.oneOf(Combinators.combine(Arbitraries.of("true", "false"), Arbitraries.integers()
                .between(0, 31)).as((w, bits) -> {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < w.length(); i++) {
                        sb.append((bits >> i & 1) == 1 ? Character.toUpperCase(w.charAt(i)) : w.charAt(i));
                    }
                    return sb.toString();
                }), Arbitraries.of("yes", "no", "1", "0", "on", "tru", "truee", "", " true"),
                Arbitraries.strings().ofMaxLength(6));
    }

    @Provide
    Arbitrary<String> restartLike() {
        return Arbitraries.oneOf(Arbitraries.of("never", "on-failure", "always", "NEVER", "On-Failure", "aLwAyS",
                "on_failure", "onfailure", "", "always ", "restart"), Arbitraries.strings().ofMaxLength(10));
    }

    @Provide
    Arbitrary<String> signalLike() {
        return Arbitraries.oneOf(Arbitraries.of("TERM", "sigterm", "SIGINT", "hup", "QUIT", "usr1", "SIGUSR2", "KILL",
                "9", "SIG", "", "WINCH"), Arbitraries.strings().withChars("SIGTERMUSR12 hup").ofMaxLength(8));
    }

    @Provide
    Arbitrary<String> nameLike() {
        // both ends of each range of allowed characters, and the characters just outside them
        return Arbitraries.oneOf(Arbitraries.strings().withChars("aAzZ09bY5._-`{@[/:,+ ").ofMinLength(1).ofMaxLength(6),
                Arbitraries.strings().ofMaxLength(8));
    }
    @Example
    void theLargestSizesThatFitALongAreAcceptedAndOneMoreIsNot() {
        for (String unit : List.of("k", "m", "g")) {
            int shift = 10 * ("kmg".indexOf(unit) + 1);
            long max = Long.MAX_VALUE >> shift;
            long min = Long.MIN_VALUE >> shift;
            assertEquals(max << shift, AgentValueParser.sizeBytes(setting(max + unit)));
            assertEquals(min << shift, AgentValueParser.sizeBytes(setting(min + unit)));
            assertRefused(AgentValueParser::sizeBytes, (max + 1) + unit, AgentValueParser.NOT_A_SIZE);
            assertRefused(AgentValueParser::sizeBytes, (min - 1) + unit, AgentValueParser.NOT_A_SIZE);
        }
    }

    @Example
    void theCharactersAtBothEndsOfEachAllowedRangeMakeAName() {
        for (String ok : List.of("a", "z", "A", "Z", "0", "9", ".", "_", "-")) {
            assertTrue(AgentValueParser.isValidName(ok), ok);
        }
        for (String bad : List.of("`", "{", "@", "[", "/", ":", ",", " ", "")) {
            assertFalse(AgentValueParser.isValidName(bad), bad);
        }
    }
    @Property
    void aDependsOnListReadsBackItsNamesAndConditions(@ForAll("dependencyLists") List<ServerDependency> deps,
            @ForAll("separators") List<String> separators, @ForAll boolean spellDefault) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < deps.size(); i++) {
            ServerDependency d = deps.get(i);
            boolean bare = d.condition() == ServerDependency.Condition.HEALTHY && !spellDefault;
            text.append(i == 0 ? "" : separators.get(i % separators.size())).append(d.name())
                    .append(bare ? "" : ":" + (i % 2 == 0 ? d.condition().text() : d.condition().name()));
        }
        assertEquals(deps, AgentValueParser.dependsOn(setting(text.toString())), text.toString());
    }

    @Property
    void aDependsOnListWithARepeatABadConditionOrABadNameIsRefused(@ForAll("dependencyLists")
            List<ServerDependency> deps, @ForAll("badDependency") String bad) {
        List<String> parts = new ArrayList<>();
        deps.forEach(d -> parts.add(d.name() + ":" + d.condition().text()));
        parts.add(bad.replace("$first", deps.get(0).name()));
        String text = String.join(";", parts);
        AgentArgumentException e = assertThrows(AgentArgumentException.class,
                () -> AgentValueParser.dependsOn(setting(text)), text);
        assertEquals("someKey", e.key());
        assertEquals(text, e.value());
    }

    @Provide
    Arbitrary<List<ServerDependency>> dependencyLists() {
        return Combinators.combine(Arbitraries.strings().withChars("abcxyz019._-").ofMinLength(1).ofMaxLength(6),
                Arbitraries.of(ServerDependency.Condition.class)).as(ServerDependency::new).list().ofMinSize(1)
                .ofMaxSize(5).uniqueElements(ServerDependency::name);
    }

    @Provide
    Arbitrary<String> badDependency() {
        return Arbitraries.of("$first", "$first:started", "x:sometimes", "x:", "x y:z", "é", "a/b", "x:healthy:started");
    }
}
