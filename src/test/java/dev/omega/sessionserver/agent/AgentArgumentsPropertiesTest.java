package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import dev.omega.sessionserver.testing.TempDirs;

/**
 * Agent arguments and config files, for any text: parsing gives arguments that print back (as argument text and as a
 * config file, {@link AgentArgumentsPrinter}) to text that parses to equal arguments, or it throws an
 * {@link AgentArgumentException} whose one-line message names a key of the text and quotes the value. No other
 * exception.
 */
class AgentArgumentsPropertiesTest {

    private static Path dir;
    private static final AtomicInteger FILES = new AtomicInteger();

    @BeforeContainer
    static void makeDirectory() throws IOException {
        dir = TempDirs.create("agent-arguments-properties");
    }

    @AfterContainer
    static void removeDirectory() throws IOException {
        TempDirs.delete(dir);
    }

    @Provide
    Arbitrary<String> argumentTexts() {
        return AgentArgumentTexts.arguments(dir);
    }

    @Provide
    Arbitrary<String> configFiles() {
        return AgentArgumentTexts.configFile(dir);
    }

    @Property
    void anyArgumentTextGivesArgumentsThatPrintBackOrARefusalNamingItsKey(@ForAll("argumentTexts") String text)
            throws IOException {
        roundTripOrRefusal(text, text);
    }

    @Property
    void anyConfigFileGivesArgumentsThatPrintBackOrARefusalNamingItsKey(@ForAll("configFiles") String fileText,
            @ForAll("argumentTexts") String arguments, @ForAll boolean withArguments) throws IOException {
        Path file = newFile(fileText.getBytes(StandardCharsets.UTF_8));
        String text = "config=" + file + (withArguments ? "," + arguments : "");
        roundTripOrRefusal(text, text + "\n" + fileText + "\n" + decodedKeys(fileText));
    }

    /** The keys of a properties text as {@link Properties} reads them ({@code \\u0070ort} is {@code port}). */
    private static String decodedKeys(String fileText) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(fileText));
        } catch (IOException | IllegalArgumentException e) {
            return "";
        }
        return String.join("\n", p.stringPropertyNames());
    }

    @Property(tries = 100)
    void aConfigFileThatIsNotUtf8IsRefusedNamingConfig(@ForAll byte[] bytes) throws IOException {
        Path file = newFile(bytes);
        try {
            AgentArguments.parseAll("config=" + file);
        } catch (AgentArgumentException e) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            assertNamesAKeyOfTheTextAndQuotesItsValue(e, "config=" + file + "\n" + text + "\n" + decodedKeys(text));
        }
    }

    private static void roundTripOrRefusal(String text, String source) throws IOException {
        List<AgentArguments> parsed;
        try {
            parsed = AgentArguments.parseAll(text);
        } catch (AgentArgumentException e) { // anything else fails the property
            assertNamesAKeyOfTheTextAndQuotesItsValue(e, source);
            Statistics.collect("refused");
            return;
        }
        Map<String, String> printed = AgentArgumentsPrinter.settings(parsed);
        Optional<String> asArguments = AgentArgumentsPrinter.asArguments(printed);
        if (asArguments.isPresent()) {
            assertEquivalent(parsed, AgentArguments.parseAll(asArguments.get()), asArguments.get());
        }
        String asFile = AgentArgumentsPrinter.asConfigFile(printed);
        Path file = newFile(asFile.getBytes(StandardCharsets.UTF_8));
        assertEquivalent(parsed, AgentArguments.parseAll("config=" + file), asFile);
        Statistics.collect(parsed.size() == 1 ? "one server" : "several servers");
    }

    static void assertNamesAKeyOfTheTextAndQuotesItsValue(AgentArgumentException e, String source) {
        String message = e.getMessage();
        assertNotNull(e.key(), () -> "names no key: " + message);
        assertFalse(message.contains("\n") || message.contains("\r"), () -> "more than one line: " + message);
        assertTrue(message.startsWith("invalid agent argument " + AgentArgumentException.oneLine(e.key())), message);
        if (e.value() != null) {
            assertTrue(message.contains("='" + AgentArgumentException.oneLine(e.value()) + "'"),
                    () -> "does not quote " + e.value() + ": " + message);
        }
        // a conflict between defaults (two servers with the default PID file) names a key that nobody wrote
        assertTrue(source.contains(e.key()) || message.contains("default"),
                () -> "names key '" + e.key() + "', which is not in the text: " + message);
    }

    static void assertEquivalent(List<AgentArguments> expected, List<AgentArguments> actual, String printed) {
        assertEquals(expected.size(), actual.size(), printed);
        for (int i = 0; i < expected.size(); i++) {
            AgentArguments a = expected.get(i);
            AgentArguments b = actual.get(i);
            assertEquals(a.name(), b.name(), printed);
            assertEquals(a.options(), b.options(), printed);
            assertEquals(a.supervision(), b.supervision(), printed);
            assertEquals(a.healthInterval(), b.healthInterval(), printed);
            assertEquals(a.autoStart(), b.autoStart(), printed);
            assertEquals(a.serverScriptConfigured(), b.serverScriptConfigured(), printed);
            assertEquals(a.dependsOn(), b.dependsOn(), printed);
            assertEquals(a.stopWithHost(), b.stopWithHost(), printed);
        }
        assertEquals(AgentArgumentsPrinter.settings(expected), AgentArgumentsPrinter.settings(actual), printed);
    }

    private static Path newFile(byte[] content) throws IOException {
        Path file = dir.resolve("config-" + FILES.incrementAndGet() + ".properties");
        Files.write(file, content);
        return file;
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    }
}
