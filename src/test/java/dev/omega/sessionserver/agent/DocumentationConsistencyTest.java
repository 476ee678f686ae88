package dev.omega.sessionserver.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.omega.sessionserver.jmx.SessionServerManager;
import dev.omega.sessionserver.jmx.SessionServerManagerMBean;
import dev.omega.sessionserver.jmx.SessionServerMetrics;
import dev.omega.sessionserver.process.ProcessManager;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The documentation states what the code does: every agent key ({@link AgentKey}) with its default text in
 * {@code agent/agent.properties}, in {@code --help} and in the README's key tables; every attribute of
 * {@link SessionServerManagerMBean} with its Java type, and every meter of {@link SessionServerMetrics}, in the
 * README's tables. A key, attribute or meter that is missing, misstated, or documented but not in the code fails.
 *
 * <p>README tables (one row per key, attribute or meter; first cell the name in backticks):
 * {@code | key | default | meaning |} (the default cell contains the key's default text),
 * {@code | attribute | type | meaning |} (the type cell is the Java type), {@code | meter | type | unit | meaning |}.
 * Files are read relative to the project's base directory (where Maven runs the tests).
 */
@Timeout(30)
class DocumentationConsistencyTest {

    private static final String KEY_HEADER = "| key | default | meaning |";
    private static final String ATTRIBUTE_HEADER = "| attribute | type | meaning |";
    private static final String METER_HEADER = "| meter | type | unit | meaning |";
    /** A documented key in a README row: a key, {@code env.<NAME>}, or {@code <server>.<key>}. */
    private static final String SERVER_KEY = "<server>.<key>";

    @TempDir
    Path dir;

    private static Path project(String first, String... more) {
        return Paths.get(System.getProperty("basedir", "."), first).resolve(Paths.get("", more));
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ agent/agent.properties

    @Test
    void agentPropertiesHasEveryKeyWithItsDefaultAndMeaning() throws IOException {
        List<String> file = lines(project("agent", "agent.properties"));
        List<String> problems = new ArrayList<>();
        for (AgentKey k : AgentKey.values()) {
            Pattern line = k.hasDefault()
                    ? Pattern.compile("#\\s?" + Pattern.quote(k.key() + "=" + k.defaultText()))
                    : Pattern.compile("#\\s*" + keyPattern(k) + "=.*");
            if (file.stream().noneMatch(l -> line.matcher(l.trim()).matches())) {
                problems.add(k.hasDefault() ? "no line '#" + k.key() + "=" + k.defaultText() + "'"
                        : "no line '#" + k.key() + "=...'");
            }
            if (!file.contains("# " + k.meaning())) {
                problems.add(k.key() + ": no comment line '# " + k.meaning() + "'");
            }
        }
        assertEquals(List.of(), problems, "agent/agent.properties");
    }

    private static String keyPattern(AgentKey k) {
        return k == AgentKey.ENV ? Pattern.quote(AgentKey.ENV_PREFIX) + "[A-Za-z_][A-Za-z0-9_]*"
                : Pattern.quote(k.key());
    }

    // ------------------------------------------------------------------ --help

    @Test
    void helpHasEveryKeyWithItsDefaultAndMeaning() {
        String help = Main.usage();
        List<String> problems = new ArrayList<>();
        for (AgentKey k : AgentKey.values()) {
            // "  key=default   meaning", the meaning maybe on the next line
            Pattern row = Pattern.compile("\n  " + Pattern.quote(k.example()) + "\\s+" + Pattern.quote(k.meaning())
                    + "\n");
            if (!row.matcher(help).find()) {
                problems.add("no row '  " + k.example() + "  " + k.meaning() + "'");
            }
        }
        assertEquals(List.of(), problems, "--help:\n" + help);
    }

    // ------------------------------------------------------------------ README

    @Test
    void readmeKeyTablesHaveEveryKeyWithItsDefault() throws IOException {
        List<List<String>> rows = tableRows(lines(project("README.md")), KEY_HEADER);
        Map<String, String> defaults = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (List<String> row : rows) {
            String key = name(row.get(0), problems);
            if (key == null) {
                continue;
            }
            if (!AgentKey.names().contains(key) && !key.equals(SERVER_KEY)) {
                problems.add("a row for '" + key + "', which is not a key");
            }
            if (defaults.put(key, row.get(1)) != null) {
                problems.add("two rows for '" + key + "'");
            }
        }
        for (AgentKey k : AgentKey.values()) {
            String cell = defaults.get(k.key());
            if (cell == null) {
                problems.add("no row for '" + k.key() + "'");
            } else if (!cell.contains(k.defaultText())) {
                problems.add("'" + k.key() + "': the default cell '" + cell + "' does not contain '" + k.defaultText()
                        + "'");
            }
        }
        assertFalse(rows.isEmpty(), "README.md has no table with the header " + KEY_HEADER);
        assertEquals(List.of(), problems, "README.md key tables (" + KEY_HEADER + ")");
    }

    @Test
    void readmeAttributeTableHasEveryAttributeWithItsType() throws IOException {
        Map<String, String> attributes = new TreeMap<>();
        for (Method m : SessionServerManagerMBean.class.getMethods()) {
            String n = m.getName();
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            if (n.startsWith("get") && n.length() > 3 && m.getReturnType() != void.class) {
                attributes.put(n.substring(3), m.getReturnType().getSimpleName());
            } else if (n.startsWith("is") && n.length() > 2 && m.getReturnType() == boolean.class) {
                attributes.put(n.substring(2), "boolean");
            }
        }
        assertFalse(attributes.isEmpty());
        Map<String, String> documented = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (List<String> row : tableRows(lines(project("README.md")), ATTRIBUTE_HEADER)) {
            String name = name(row.get(0), problems);
            if (name != null && documented.put(name, row.get(1).replace("`", "").trim()) != null) {
                problems.add("two rows for '" + name + "'");
            }
        }
        assertEquals(List.of(), problems, "README.md attribute table (" + ATTRIBUTE_HEADER + ")");
        assertEquals(attributes, documented, "README.md attribute table (" + ATTRIBUTE_HEADER + "): attribute=type");
    }

    @Test
    void readmeMeterTableHasEveryMeter() throws IOException {
        TreeSet<String> meters = new TreeSet<>();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ProcessManagerOptions options = ProcessManagerOptions.builder().pidFile(dir.resolve("docs.pid"))
                    .port(free.getLocalPort()).healthCheckUrl("http://127.0.0.1:" + free.getLocalPort() + "/api/health")
                    .serverScript(dir.resolve("never-started.js")).build();
            // never started: binding the meters needs no server
            try (SessionServerManager manager = new SessionServerManager("docs", new ProcessManager(options),
                    Duration.ofSeconds(5), scheduler)) {
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                new SessionServerMetrics(manager).bindTo(registry);
                for (Meter m : registry.getMeters()) {
                    meters.add(m.getId().getName());
                }
            }
        } finally {
            scheduler.shutdownNow();
        }
        assertFalse(meters.isEmpty());
        TreeSet<String> documented = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (List<String> row : tableRows(lines(project("README.md")), METER_HEADER)) {
            String name = name(row.get(0), problems);
            if (name != null && !documented.add(name)) {
                problems.add("two rows for '" + name + "'");
            }
        }
        assertEquals(List.of(), problems, "README.md meter table (" + METER_HEADER + ")");
        assertEquals(meters, documented, "README.md meter table (" + METER_HEADER + ")");
    }

    // ------------------------------------------------------------------ Markdown tables

    /**
     * The rows (cells trimmed) of every table in {@code markdown} whose header row is exactly {@code header}: the
     * lines starting with {@code |} after the header and its separator row.
     */
    static List<List<String>> tableRows(List<String> markdown, String header) {
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < markdown.size(); i++) {
            if (!markdown.get(i).trim().equals(header)) {
                continue;
            }
            int columns = cells(header).size();
            for (int j = i + 2; j < markdown.size() && markdown.get(j).trim().startsWith("|"); j++) {
                List<String> cells = cells(markdown.get(j));
                while (cells.size() < columns) {
                    cells.add("");
                }
                rows.add(cells);
            }
        }
        return rows;
    }

    private static List<String> cells(String row) {
        String r = row.trim();
        r = r.substring(1, r.endsWith("|") && r.length() > 1 ? r.length() - 1 : r.length());
        List<String> cells = new ArrayList<>();
        for (String c : r.split("(?<!\\\\)\\|", -1)) {
            cells.add(c.trim());
        }
        return cells;
    }

    /** The one name in backticks that a first cell must be; null (and a problem) otherwise. */
    private static String name(String cell, List<String> problems) {
        if (cell.length() > 2 && cell.startsWith("`") && cell.endsWith("`") && cell.indexOf('`', 1) == cell.length() - 1
                && !cell.contains(",")) {
            return cell.substring(1, cell.length() - 1);
        }
        problems.add("first cell '" + cell + "' is not one name in backticks");
        return null;
    }

    @Test
    void tablesAreReadAsDocumented() {
        List<String> md = List.of("text", "| key | default | meaning |", "| --- | --- | --- |",
                "| `port` | `3000` | the port |", "| `a`, `b` | 1 | two |", "", "| key | default | meaning |",
                "| --- | --- | --- |", "| `name` | `default` |", "after");
        List<List<String>> rows = tableRows(md, KEY_HEADER);
        assertEquals(List.of(List.of("`port`", "`3000`", "the port"), List.of("`a`, `b`", "1", "two"),
                List.of("`name`", "`default`", "")), rows);
        List<String> problems = new ArrayList<>();
        assertEquals("port", name(rows.get(0).get(0), problems));
        assertEquals(null, name(rows.get(1).get(0), problems));
        assertEquals(1, problems.size(), problems::toString);
    }
}
