package dev.omega.sessionserver.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Dependency order, for any graph: an acyclic one gives a start order in which every server comes after all it
 * depends on, a stop order that is its reverse, and per-server orders that hold exactly what the server needs (or
 * what needs it); a graph with a cycle is refused, and the message names a cycle that is in the graph.
 */
class DependencyGraphPropertiesTest {

    /** A graph on servers s0..sN whose edges go only from a later index to an earlier one (acyclic), keys shuffled. */
    @Provide
    Arbitrary<Map<String, List<String>>> acyclic() {
        return Arbitraries.integers().between(1, 9).flatMap(n -> {
            List<Arbitrary<List<String>>> deps = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                List<String> earlier = new ArrayList<>();
                for (int j = 0; j < i; j++) {
                    earlier.add("s" + j);
                }
                deps.add(earlier.isEmpty() ? Arbitraries.just(List.<String>of())
                        : Arbitraries.of(earlier).list().ofMaxSize(Math.min(4, earlier.size())));
            }
            return Combinators.combine(Combinators.combine(deps).as(l -> l), Arbitraries.randoms())
                    .as((lists, random) -> {
                        List<Integer> order = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            order.add(i);
                        }
                        Collections.shuffle(order, random);
                        Map<String, List<String>> graph = new LinkedHashMap<>();
                        for (int i : order) {
                            graph.put("s" + i, lists.get(i));
                        }
                        return graph;
                    });
        });
    }

    @Property
    void anAcyclicGraphStartsEachServerAfterAllItDependsOnAndStopsInReverse(
            @ForAll("acyclic") Map<String, List<String>> dependsOn) {
        DependencyGraph g = DependencyGraph.of(dependsOn);

        List<String> start = g.startOrder();
        assertEquals(new HashSet<>(dependsOn.keySet()), new HashSet<>(start), "every server once");
        assertEquals(dependsOn.size(), start.size(), "every server once");
        for (Map.Entry<String, List<String>> e : dependsOn.entrySet()) {
            for (String dep : e.getValue()) {
                assertTrue(start.indexOf(dep) < start.indexOf(e.getKey()), dep + " before " + e.getKey() + ": " + start);
                assertTrue(g.dependents(dep).contains(e.getKey()));
            }
            assertEquals(new ArrayList<>(new java.util.LinkedHashSet<>(e.getValue())), g.dependsOn(e.getKey()));
        }
        List<String> reversed = new ArrayList<>(start);
        Collections.reverse(reversed);
        assertEquals(reversed, g.stopOrder());
        for (String name : dependsOn.keySet()) {
            List<String> mine = g.startOrder(name);
            assertEquals(closure(name, dependsOn), new HashSet<>(mine), "what " + name + " needs");
            assertEquals(name, mine.get(mine.size() - 1), "the server itself last");
            assertTrue(isSubsequence(mine, start), mine + " in the order of " + start);
            List<String> stop = g.stopOrder(name);
            assertEquals(name, stop.get(stop.size() - 1), "the server itself last");
            assertTrue(isSubsequence(stop, g.stopOrder()), stop + " in the order of " + g.stopOrder());
            for (String s : stop) {
                assertTrue(closure(s, dependsOn).contains(name), s + " needs " + name);
            }
        }
    }

    @Property
    void aCycleIsRefusedNamingACycleOfTheGraph(@ForAll("acyclic") Map<String, List<String>> base,
            @ForAll("indexes") List<Integer> path) {
        // close a cycle: a path of dependencies from one server back to itself
        List<String> names = new ArrayList<>(base.keySet());
        Map<String, List<String>> graph = new LinkedHashMap<>();
        base.forEach((k, v) -> graph.put(k, new ArrayList<>(v)));
        List<String> cycle = new ArrayList<>();
        for (int i : path) {
            String s = names.get(i % names.size());
            if (!cycle.contains(s)) {
                cycle.add(s);
            }
        }
        if (cycle.size() == 1) {
            return; // a server naming itself: the other property's case
        }
        for (int i = 0; i < cycle.size(); i++) {
            List<String> deps = graph.get(cycle.get(i));
            String next = cycle.get((i + 1) % cycle.size());
            if (!deps.contains(next)) {
                deps.add(next);
            }
        }

        DependencyGraph.InvalidGraphException e = assertThrows(DependencyGraph.InvalidGraphException.class,
                () -> DependencyGraph.of(graph));

        assertTrue(e.getMessage().startsWith("cycle: "), e.getMessage());
        String[] named = e.getMessage().substring("cycle: ".length()).split(" -> ");
        assertEquals(named[0], named[named.length - 1], "begins and ends with the same server");
        assertEquals(named[0], e.server());
        for (int i = 0; i + 1 < named.length; i++) {
            assertTrue(graph.get(named[i]).contains(named[i + 1]), named[i] + " depends on " + named[i + 1]);
        }
    }

    @Property
    void aServerNamingItselfOrAnUnknownServerIsRefusedNamingIt(@ForAll("acyclic") Map<String, List<String>> base,
            @ForAll int pick, @ForAll boolean itself) {
        List<String> names = new ArrayList<>(base.keySet());
        String server = names.get(Math.floorMod(pick, names.size()));
        Map<String, List<String>> graph = new LinkedHashMap<>(base);
        List<String> deps = new ArrayList<>(base.get(server));
        deps.add(itself ? server : "nowhere");
        graph.put(server, deps);

        DependencyGraph.InvalidGraphException e = assertThrows(DependencyGraph.InvalidGraphException.class,
                () -> DependencyGraph.of(graph));

        assertTrue(e.getMessage().contains(itself ? "'" + server + "' cannot depend on itself" : "'nowhere'"),
                e.getMessage());
    }

    @Provide
    Arbitrary<List<Integer>> indexes() {
        return Arbitraries.integers().between(0, 20).list().ofMinSize(2).ofMaxSize(6);
    }

    private static Set<String> closure(String name, Map<String, List<String>> dependsOn) {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(name));
        while (!todo.isEmpty()) {
            String s = todo.remove(todo.size() - 1);
            if (seen.add(s)) {
                todo.addAll(dependsOn.get(s));
            }
        }
        return seen;
    }

    private static boolean isSubsequence(List<String> part, List<String> whole) {
        int at = 0;
        for (String s : whole) {
            if (at < part.size() && part.get(at).equals(s)) {
                at++;
            }
        }
        return at == part.size();
    }
}
