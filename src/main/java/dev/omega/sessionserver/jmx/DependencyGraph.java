package dev.omega.sessionserver.jmx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which server depends on which ({@code dependsOn}), checked, and the orders that follow from it: a pure value
 * (names only, no processes), easy to test on its own. Made by {@link #of(Map)}, which refuses a name that is not a
 * server of the graph, a server that depends on itself, and a cycle (the message names it: {@code web -> db ->
 * web}). Every order is deterministic: ties are broken by the order of the servers in the map given to
 * {@link #of(Map)}, then by the order of each server's dependencies.
 *
 * <p>Immutable and thread-safe.
 */
public final class DependencyGraph {

    /** A refused graph: which server's {@code dependsOn} is at fault, and why. */
    public static final class InvalidGraphException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String server;

        InvalidGraphException(String server, String reason) {
            super(reason);
            this.server = server;
        }

        /** The server whose {@code dependsOn} names the unknown server, itself, or starts the cycle. */
        public String server() {
            return server;
        }
    }

    private final List<String> names;
    private final Map<String, List<String>> dependsOn;
    private final Map<String, List<String>> dependents;
    private final List<String> startOrder;

    private DependencyGraph(List<String> names, Map<String, List<String>> dependsOn,
            Map<String, List<String>> dependents, List<String> startOrder) {
        this.names = names;
        this.dependsOn = dependsOn;
        this.dependents = dependents;
        this.startOrder = startOrder;
    }

    /**
     * The graph of {@code dependsOn}: every server (the keys, in their iteration order) with the names of the
     * servers it depends on (repeats ignored).
     *
     * @throws InvalidGraphException for a name that is no key ({@code unknown server 'x' (servers: a, b)}), a server
     *                               naming itself, or a cycle ({@code cycle: web -> db -> web})
     */
    public static DependencyGraph of(Map<String, List<String>> dependsOn) {
        List<String> names = Collections.unmodifiableList(new ArrayList<>(dependsOn.keySet()));
        Map<String, List<String>> edges = new LinkedHashMap<>();
        Map<String, List<String>> reverse = new LinkedHashMap<>();
        for (String name : names) {
            reverse.put(name, new ArrayList<String>());
        }
        for (String name : names) {
            Set<String> deps = new LinkedHashSet<>(dependsOn.get(name) == null ? Collections.<String>emptyList()
                    : dependsOn.get(name));
            for (String dep : deps) {
                if (dep.equals(name)) {
                    throw new InvalidGraphException(name, "server '" + name + "' cannot depend on itself");
                }
                if (!reverse.containsKey(dep)) {
                    throw new InvalidGraphException(name, "unknown server '" + dep + "' (servers: "
                            + String.join(", ", names) + ")");
                }
            }
            edges.put(name, Collections.unmodifiableList(new ArrayList<>(deps)));
        }
        for (String name : names) {
            for (String dep : edges.get(name)) {
                reverse.get(dep).add(name);
            }
        }
        for (String name : names) {
            reverse.put(name, Collections.unmodifiableList(reverse.get(name)));
        }
        List<String> order = new ArrayList<>();
        Map<String, Integer> mark = new HashMap<>(); // 1: on the path, 2: done
        for (String name : names) {
            visit(name, edges, mark, new ArrayList<String>(), order);
        }
        return new DependencyGraph(names, Collections.unmodifiableMap(edges), Collections.unmodifiableMap(reverse),
                Collections.unmodifiableList(order));
    }

    /** Depth first, dependencies before the server; a server met again on the path is a cycle. */
    private static void visit(String name, Map<String, List<String>> edges, Map<String, Integer> mark,
            List<String> path, List<String> order) {
        Integer m = mark.get(name);
        if (m != null && m == 2) {
            return;
        }
        if (m != null) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
            cycle.add(name);
            throw new InvalidGraphException(cycle.get(0), "cycle: " + String.join(" -> ", cycle));
        }
        mark.put(name, 1);
        path.add(name);
        for (String dep : edges.get(name)) {
            visit(dep, edges, mark, path, order);
        }
        path.remove(path.size() - 1);
        mark.put(name, 2);
        order.add(name);
    }

    /** The servers, in the order given to {@link #of(Map)}. */
    public List<String> names() {
        return names;
    }

    /** The servers {@code name} depends on directly, in its {@code dependsOn} order; empty for an unknown name. */
    public List<String> dependsOn(String name) {
        List<String> d = dependsOn.get(name);
        return d == null ? Collections.<String>emptyList() : d;
    }

    /** The servers that depend on {@code name} directly; empty for an unknown name. */
    public List<String> dependents(String name) {
        List<String> d = dependents.get(name);
        return d == null ? Collections.<String>emptyList() : d;
    }

    /** Every server, each after all it depends on (a topological order): the order of {@code autoStart}. */
    public List<String> startOrder() {
        return startOrder;
    }

    /** Every server, each before all it depends on: the reverse of {@link #startOrder()}. */
    public List<String> stopOrder() {
        List<String> r = new ArrayList<>(startOrder);
        Collections.reverse(r);
        return Collections.unmodifiableList(r);
    }

    /**
     * What a start of {@code name} starts: the servers it depends on, directly or not, each after its own
     * dependencies, then {@code name} itself (last).
     */
    public List<String> startOrder(String name) {
        Set<String> needed = closure(name, dependsOn);
        List<String> r = new ArrayList<>();
        for (String s : startOrder) {
            if (needed.contains(s)) {
                r.add(s);
            }
        }
        return Collections.unmodifiableList(r);
    }

    /**
     * What a stop of {@code name} stops: the servers that depend on it, directly or not, each before the servers it
     * depends on, then {@code name} itself (last).
     */
    public List<String> stopOrder(String name) {
        Set<String> needed = closure(name, dependents);
        List<String> r = new ArrayList<>();
        for (String s : stopOrder()) {
            if (needed.contains(s)) {
                r.add(s);
            }
        }
        return Collections.unmodifiableList(r);
    }

    private static Set<String> closure(String name, Map<String, List<String>> edges) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>();
        if (edges.containsKey(name)) {
            todo.add(name);
        }
        while (!todo.isEmpty()) {
            String s = todo.remove(todo.size() - 1);
            if (seen.add(s)) {
                todo.addAll(edges.get(s));
            }
        }
        return seen;
    }

    @Override
    public String toString() {
        return "DependencyGraph" + dependsOn;
    }
}
