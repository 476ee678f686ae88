package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pure dependency graph: its orders and its refusals. */
@Timeout(10)
class DependencyGraphTest {

    private static Map<String, List<String>> edges(String... pairs) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String p : pairs) {
            String[] kv = p.split(":", -1);
            m.put(kv[0], kv[1].isEmpty() ? List.of() : List.of(kv[1].split(",")));
        }
        return m;
    }

    @Test
    void startOrderPutsDependenciesFirstAndStopOrderReversesIt() {
        DependencyGraph g = DependencyGraph.of(edges("web:db,cache", "cache:db", "db:", "admin:"));
        assertEquals(List.of("db", "cache", "web", "admin"), g.startOrder());
        assertEquals(List.of("admin", "web", "cache", "db"), g.stopOrder());
        assertEquals(List.of("db", "cache", "web"), g.startOrder("web"));
        assertEquals(List.of("web", "cache", "db"), g.stopOrder("db"));
        assertEquals(List.of("web", "cache"), g.dependents("db"));
        assertEquals(List.of("db", "cache"), g.dependsOn("web"));
    }

    @Test
    void aCycleIsNamedFromWhereItWasEntered() {
        DependencyGraph.InvalidGraphException e = assertThrows(DependencyGraph.InvalidGraphException.class,
                () -> DependencyGraph.of(edges("web:db", "db:cache", "cache:web")));
        assertEquals("cycle: web -> db -> cache -> web", e.getMessage());
        assertEquals("web", e.server());
    }

    @Test
    void unknownNamesAndSelfDependenciesAreRefused() {
        assertEquals("unknown server 'x' (servers: a, b)", assertThrows(DependencyGraph.InvalidGraphException.class,
                () -> DependencyGraph.of(edges("a:x", "b:"))).getMessage());
        assertEquals("server 'b' cannot depend on itself", assertThrows(DependencyGraph.InvalidGraphException.class,
                () -> DependencyGraph.of(edges("a:", "b:b"))).getMessage());
    }
}
