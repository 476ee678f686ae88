package dev.omega.sessionserver.agent;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Optional;

import dev.omega.sessionserver.jmx.ServerDependency;
import dev.omega.sessionserver.jmx.SupervisionPolicy.Restart;
import dev.omega.sessionserver.process.ProcessManagerOptions;
import dev.omega.sessionserver.process.StopSignal;

/**
 * The one place where the agent's text becomes typed values: whole numbers, durations in milliseconds, booleans,
 * sizes in bytes (with the suffixes {@code k}, {@code m}, {@code g}), the {@code restart} names, paths and MBean names. The library ({@code ProcessManagerOptions},
 * {@code SupervisionPolicy}) takes the typed values and checks their ranges; this class checks only the syntax.
 *
 * <p>Every error is an {@link AgentArgumentException} naming the key as written and quoting the value, with one
 * wording per kind of value: {@value #NOT_A_NUMBER}, {@value #NOT_MILLISECONDS}, {@value #NOT_A_SIZE},
 * {@value #NOT_A_BOOLEAN}, {@code must be never, on-failure or always}, {@code must be TERM, INT, HUP, QUIT, USR1 or
 * USR2 (with or without SIG)}, {@code not a valid path: <why>}, {@value #EMPTY}. Values arrive
 * trimmed. Stateless; no lambdas or streams (it runs in {@code premain}).
 */
final class AgentValueParser {

    static final String NOT_A_NUMBER = "not a number";
    static final String NOT_MILLISECONDS = "not a number of milliseconds";
    static final String NOT_A_SIZE = "not a number of bytes (a whole number, optionally followed by k, m or g:"
            + " KiB, MiB, GiB)";
    static final String NOT_A_BOOLEAN = "must be true or false";
    static final String EMPTY = "must not be empty";
    static final String NOT_EXIT_CODES = "not a list of exit codes (whole numbers separated by ';' or spaces)";
    static final String BAD_NAME = "only letters, digits, '.', '_' and '-' are allowed";

    private AgentValueParser() {
    }

    /** A whole number that fits an {@code int} ({@code 3000}, {@code -1}); ranges are the library's to check. */
    static int integer(Setting s) {
        try {
            return Integer.parseInt(s.value);
        } catch (NumberFormatException e) {
            throw s.invalid(NOT_A_NUMBER);
        }
    }

    /** A duration in whole milliseconds that fits a {@code long}; ranges are the library's to check. */
    static Duration millis(Setting s) {
        try {
            return Duration.ofMillis(Long.parseLong(s.value));
        } catch (NumberFormatException e) {
            throw s.invalid(NOT_MILLISECONDS);
        }
    }

    /**
     * A size in bytes that fits a {@code long}: a whole number ({@code 52428800}, {@code -1}), optionally followed by
     * {@code k}, {@code m} or {@code g} (either case) for powers of 1024 ({@code 64k} is 65536, {@code 50m} is
     * 52428800); ranges are the library's to check.
     */
    static long sizeBytes(Setting s) {
        String v = s.value;
        int shift = 0;
        char last = v.isEmpty() ? ' ' : Character.toLowerCase(v.charAt(v.length() - 1));
        if (last == 'k' || last == 'm' || last == 'g') {
            shift = last == 'k' ? 10 : last == 'm' ? 20 : 30;
            v = v.substring(0, v.length() - 1);
        }
        long number;
        try {
            number = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw s.invalid(NOT_A_SIZE);
        }
        if (shift > 0 && (number > (Long.MAX_VALUE >> shift) || number < (Long.MIN_VALUE >> shift))) {
            throw s.invalid(NOT_A_SIZE); // does not fit a long
        }
        return number << shift;
    }

    /** {@code true} or {@code false}, in any case. */
    static boolean bool(Setting s) {
        if ("true".equalsIgnoreCase(s.value)) {
            return true;
        }
        if ("false".equalsIgnoreCase(s.value)) {
            return false;
        }
        throw s.invalid(NOT_A_BOOLEAN);
    }

    /** A {@link Restart} by its {@link Restart#text() name}, in any case: never, on-failure, always. */
    static Restart restart(Setting s) {
        StringBuilder names = new StringBuilder();
        Restart[] all = Restart.values();
        for (int i = 0; i < all.length; i++) {
            if (all[i].text().equalsIgnoreCase(s.value)) {
                return all[i];
            }
            names.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(all[i].text());
        }
        throw s.invalid("must be " + names);
    }

    /**
     * A list of exit codes ({@code successExitCodes}): whole numbers separated by {@code ;}, spaces or commas (commas
     * only reach here from a config file: in the arguments they separate settings), e.g. {@code 0;3}. Ranges (0..255)
     * are the policy's to check.
     */
    static java.util.List<Integer> exitCodes(Setting s) {
        java.util.List<Integer> codes = new java.util.ArrayList<>();
        for (String part : s.value.split("[;,\\s]+")) {
            if (part.isEmpty()) {
                continue;
            }
            try {
                codes.add(Integer.parseInt(part));
            } catch (NumberFormatException e) {
                throw s.invalid(NOT_EXIT_CODES);
            }
        }
        if (codes.isEmpty()) {
            throw s.invalid(NOT_EXIT_CODES);
        }
        return codes;
    }

    /**
     * A {@code dependsOn} list: server names, each optionally followed by {@code :healthy} (the default) or
     * {@code :started}, separated by {@code ;}, spaces or commas (commas only from a config file), e.g.
     * {@code db:healthy;cache:started}. Whether the names are servers is {@link AgentArguments}'s to check.
     */
    static java.util.List<ServerDependency> dependsOn(Setting s) {
        java.util.List<ServerDependency> deps = new java.util.ArrayList<>();
        for (String part : s.value.split("[;,\\s]+")) {
            if (part.isEmpty()) {
                continue;
            }
            int colon = part.indexOf(':');
            String name = colon < 0 ? part : part.substring(0, colon);
            ServerDependency.Condition condition = colon < 0 ? ServerDependency.Condition.HEALTHY
                    : ServerDependency.Condition.parse(part.substring(colon + 1));
            if (condition == null) {
                throw s.invalid("'" + part + "': the condition must be healthy or started");
            }
            if (!isValidName(name)) {
                throw s.invalid("'" + part + "': a server name, " + BAD_NAME);
            }
            for (ServerDependency d : deps) {
                if (d.name().equals(name)) {
                    throw s.invalid("server '" + name + "' is listed twice");
                }
            }
            deps.add(new ServerDependency(name, condition));
        }
        if (deps.isEmpty()) {
            throw s.invalid(EMPTY);
        }
        return deps;
    }

    /**
     * An absolute, normalized path: {@code ~} and {@code ~/} expanded to the home directory ({@code $HOME}, else {@code user.home}); a relative path resolved
     * against the config file's directory (a setting from a file) or the working directory (an argument).
     */
    static Path path(Setting s) {
        String v = s.value;
        if (v.isEmpty()) {
            throw s.invalid(EMPTY);
        }
        try {
            Path p;
            if (v.equals("~") || v.startsWith("~/")) {
                p = ProcessManagerOptions.homeDirectory().resolve(v.substring(1).replaceFirst("^/+", ""));
            } else {
                p = Paths.get(v);
            }
            if (!p.isAbsolute() && s.origin != null && s.origin.getParent() != null) {
                p = s.origin.getParent().resolve(p);
            }
            return p.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw s.invalid("not a valid path: " + e.getReason());
        }
    }

    /**
     * A stop signal: {@code TERM}, {@code INT}, {@code HUP}, {@code QUIT}, {@code USR1}, {@code USR2}, with or
     * without {@code SIG}, in any case (see {@link StopSignal#parse(String)}).
     */
    static StopSignal stopSignal(Setting s) {
        Optional<StopSignal> signal = StopSignal.parse(s.value);
        if (signal.isEmpty()) {
            throw s.invalid("must be " + StopSignal.names() + " (with or without SIG)");
        }
        return signal.get();
    }

    /**
     * {@link #path(Setting)}, but a relative path (not {@code ~}) is resolved against {@code base} (the
     * {@code serverScript} against the {@code workingDirectory}).
     */
    static Path path(Setting s, Path base) {
        Path p = path(s); // validates, expands ~
        String v = s.value;
        if (v.equals("~") || v.startsWith("~/") || Paths.get(v).isAbsolute()) {
            return p;
        }
        return base.resolve(v).toAbsolutePath().normalize();
    }

    /** An MBean name ({@code name=}): letters, digits, {@code . _ -}, not empty. */
    static String name(Setting s) {
        if (!isValidName(s.value)) {
            throw s.invalid(BAD_NAME + " (it becomes part of the MBean's ObjectName)");
        }
        return s.value;
    }

    /** Whether {@code v} is a valid MBean name: not empty, only letters, digits, {@code . _ -}. */
    static boolean isValidName(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return !v.isEmpty();
    }
}
