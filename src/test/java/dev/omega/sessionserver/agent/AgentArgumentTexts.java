package dev.omega.sessionserver.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generated agent texts: {@code key=value} settings of every key with values of its kind (valid ones often, and the
 * edges and garbage around them), environment entries, unknown and miscased keys, pieces without {@code =}, repeated
 * keys, several servers with prefixed keys, whitespace and empty pieces; and config files made of the same settings in
 * the properties syntax with its escapes, comments, continuation lines and broken unicode escapes.
 */
final class AgentArgumentTexts {

    /** The keys with a value of their own kind (not env, config, servers). */
    static final Set<AgentKey> VALUE_KEYS = EnumSet.complementOf(EnumSet.of(AgentKey.ENV, AgentKey.CONFIG,
            AgentKey.SERVERS));

    private AgentArgumentTexts() {
    }

    /** Argument text: one server's settings, several servers', or random text. */
    static Arbitrary<String> arguments(Path dir) {
        return Arbitraries.frequencyOf(
                Tuple.of(6, settings(dir, "").list().ofMaxSize(6).flatMap(AgentArgumentTexts::joined)),
                Tuple.of(3, servers(dir).flatMap(AgentArgumentTexts::joined)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(60)),
                Tuple.of(1, Arbitraries.strings().withChars("=,. port~/env").ofMaxLength(30)));
    }

    /** A config file's text: settings in the properties syntax, one a line. */
    static Arbitrary<String> configFile(Path dir) {
        Arbitrary<String> line = Arbitraries.frequencyOf(
                Tuple.of(8, Combinators.combine(settings(dir, ""), Arbitraries.of("", "", " ", "\t"))
                        .as((s, indent) -> indent + s)),
                Tuple.of(2, Combinators.combine(Arbitraries.of(VALUE_KEYS).map(AgentKey::key),
                        Arbitraries.of(" = ", ": ", " ", ":", "\\ ="), Arbitraries.of("1", "3000", "true", "0,3", "a,b"))
                        .as((k, sep, v) -> k + sep + v)),
                Tuple.of(2, Arbitraries.of("# comment", "! comment", "", "   ", "config=x.properties",
                        "port=\\u0033000", "port=\\uZZZZ", "port\\ =3001", "env.A=a,b", "env.A=\\", "port=30\\\n  01",
                        "pidFile=" + dir.resolve("c.pid"), "servers=a,b", "a.port=3001", "b.port=3002",
                        "\\u0070ort=3003", "port=\\\\", "name=x\\u0000y")),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(30)));
        return line.list().ofMaxSize(8).map(lines -> String.join("\n", lines));
    }

    /** Pieces joined by commas, with empty pieces and whitespace now and then. */
    private static Arbitrary<String> joined(List<String> pieces) {
        return Combinators.combine(Arbitraries.of(",", ",", ",", ", ", " , ", ",,").list().ofSize(pieces.size()),
                Arbitraries.of("", "", "", ",", " ")).as((separators, end) -> {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < pieces.size(); i++) {
                        sb.append(i == 0 ? "" : separators.get(i)).append(pieces.get(i));
                    }
                    return sb.append(end).toString();
                });
    }

    /** {@code servers=...}, then each server's port and PID file (mostly), then more settings, prefixed or not. */
    private static Arbitrary<List<String>> servers(Path dir) {
        Arbitrary<List<String>> names = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(List.of("a", "b"), List.of("web", "db", "cache"), List.of("x"))),
                Tuple.of(1, Arbitraries.of(List.of("a", "a"), List.of("a", "a.b"), List.of("env", "x"), List.of("a", ""),
                        List.of("a b", "c"))));
        return names.flatMap(ns -> {
            List<Arbitrary<List<String>>> parts = new ArrayList<>();
            parts.add(Arbitraries.just(List.of("servers=" + String.join(",", ns))));
            for (int i = 0; i < ns.size(); i++) {
                String n = ns.get(i);
                parts.add(Arbitraries.frequencyOf(
                        Tuple.of(6, Arbitraries.just(List.of(n + ".port=" + (4000 + i),
                                n + ".pidFile=" + dir.resolve(n + ".pid")))),
                        Tuple.of(1, Arbitraries.just(List.of(n + ".port=" + (4000 + i)))),
                        Tuple.of(1, Arbitraries.just(List.<String>of()))));
                parts.add(settings(dir, n + ".").list().ofMaxSize(2));
            }
            parts.add(Arbitraries.frequencyOf(Tuple.of(3, settings(dir, "").list().ofMaxSize(2)),
                    Tuple.of(1, Arbitraries.of(List.of("name=x"), List.of("c.port=1"), List.of("a.config=x"),
                            List.of("a.name=y"), List.of("a.servers=b"), List.of(ns.get(0) + "=1"),
                            List.of(ns.get(0) + ".=1"), List.of(ns.get(0) + ".env.=1")))));
            return Combinators.combine(parts).as(lists -> {
                List<String> all = new ArrayList<>();
                lists.forEach(all::addAll);
                return all;
            });
        });
    }

    /** One {@code key=value} piece, its key prefixed by {@code prefix}. */
    static Arbitrary<String> settings(Path dir, String prefix) {
        Arbitrary<String> known = Arbitraries.of(VALUE_KEYS)
                .flatMap(k -> value(k, dir).map(v -> prefix + k.key() + "=" + v));
        Arbitrary<String> env = Combinators.combine(Arbitraries.of("NODE_ENV", "A", "_x", "", "A B", "SESSION_SERVER_PORT",
                "é"), Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of("", "production", "-Da=b", " x ")),
                        Tuple.of(1, Arbitraries.strings().ofMaxLength(10))))
                .as((name, value) -> prefix + AgentKey.ENV_PREFIX + name + "=" + value);
        Arbitrary<String> odd = Arbitraries.of("Port=3000", "PORT=1", "unknown=1", "=x", "noequals", "a.port=1", "env=1",
                "env.=1", "config", "  ", "name=", "port=", "restart", "Env.A=1", "x.env.A=1", "port =1", " port= 2");
        return Arbitraries.frequencyOf(Tuple.of(12, known), Tuple.of(2, env), Tuple.of(1, odd.map(o -> prefix + o)),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(12)));
    }

    /** A value for {@code key}: valid ones of its kind often, then edges and garbage. */
    static Arbitrary<String> value(AgentKey key, Path dir) {
        Arbitrary<String> garbage = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of("", "abc", " ", "1e3", "0x10",
                "+5", "1.5", "\u0000", "-", "true1", "NaN")), Tuple.of(1, Arbitraries.strings().ofMaxLength(8)));
        Arbitrary<String> kind;
        switch (key) {
            case NAME:
                kind = Arbitraries.of("web", "a", "b-1", "x.y", "A_Z9", "x y", "é", "a/b");
                break;
            case SERVER_SCRIPT:
            case PID_FILE:
            case WORKING_DIRECTORY:
            case LOG_FILE:
                kind = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of("a.pid", "b.log", "server.js", "x/y.ts")
                        .map(n -> dir.resolve(n).toString())),
                        Tuple.of(2, Arbitraries.of("rel.pid", "~/x.pid", "~", "/", ".", "..", "a/../b", "~user/x",
                                "with space/x", "é/x", "discard", "a\u0000b", "//x", "./x/")),
                        Tuple.of(1, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8)));
                break;
            case PORT:
            case LOG_BACKUPS:
            case RESTART_LIMIT:
            case UNHEALTHY_THRESHOLD:
                kind = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.integers().between(1, 65535)),
                        Tuple.of(4, Arbitraries.integers().between(0, 12)),
                        Tuple.of(2, Arbitraries.of(0, -1, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE)),
                        Tuple.of(1, Arbitraries.integers())).map(String::valueOf)
                        .flatMap(v -> Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(v)),
                                Tuple.of(1, Arbitraries.of("2147483648", "-2147483649", "0" + v, " " + v + " "))));
                break;
            case LOG_MAX_BYTES:
            case MAX_MEMORY:
                kind = Combinators.combine(Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.longs().between(0, 4096)),
                        Tuple.of(1, Arbitraries.of(-1L, Long.MAX_VALUE, Long.MIN_VALUE, 8589934591L, 8589934592L)),
                        Tuple.of(1, Arbitraries.longs())), Arbitraries.of("", "", "k", "m", "g", "K", "M", "G", "kb", "b"))
                        .as((n, unit) -> n + unit);
                break;
            case DEPENDS_ON:
                kind = Arbitraries.of("a", "b", "a;b", "b:started", "a:healthy;b:STARTED", "web db", "a;a", "a:sometimes",
                        "x y.z", "default", "a:", ":healthy", "a;", "c", "a,b", "é");
                break;
            case AUTO_START:
            case STOP_WITH_HOST:
            case RESTART_ON_UNHEALTHY:
                kind = Arbitraries.of("true", "false", "TRUE", "False", "yes", "1", "on");
                break;
            case RESTART:
                kind = Arbitraries.of("never", "on-failure", "always", "ALWAYS", "On-Failure", "on_failure", "sometimes");
                break;
            case STOP_SIGNAL:
                kind = Arbitraries.of("TERM", "SIGINT", "sigHup", "quit", "USR1", "SIGUSR2", "KILL", "9", "SIGTERMX");
                break;
            case SUCCESS_EXIT_CODES:
                kind = Arbitraries.of("0", "0;3", "0 3", "1;2;3", "255", "256", "-1", ";", "a", "0;;3", "  0 ; 143 ", "0,3");
                break;
            case HEALTH_CHECK_URL:
                kind = Arbitraries.of("http://127.0.0.1:3000/api/health", "https://localhost/x", "tcp://127.0.0.1:5432",
                        "none", "NONE", "ftp://h/x", "http://", "tcp://h", "tcp://h:0", "tcp://h:1/x", "not a url",
                        "http://[::1]:80/", "http://h:99999/", "tcp://u@h:5", "http:/x", "HTTP://H/", "//h/x",
                        "exec:/bin/true", "exec: /usr/bin/pg_isready -q", "EXEC:check 'a b'", "exec:", "exec:  ",
                        "exec:\"unclosed", "exec:/bin/x a\\ b");
                break;
            default: // durations in milliseconds
                kind = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.longs().between(1, 120_000)),
                        Tuple.of(2, Arbitraries.of(0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 60_000L, 1000L)),
                        Tuple.of(1, Arbitraries.longs())).map(String::valueOf);
                break;
        }
        return Arbitraries.frequencyOf(Tuple.of(6, kind), Tuple.of(1, garbage));
    }
}
