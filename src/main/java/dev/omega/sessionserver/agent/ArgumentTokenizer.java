package dev.omega.sessionserver.agent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Splits the agent's argument text into raw settings: {@code key=value} pieces separated by commas.
 * <ul>
 * <li>The text is split at every comma; there is no quoting or escaping. The one exception is {@code servers=a,b}:
 * the bare names after it (pieces without {@code =}) continue its list.</li>
 * <li>The first {@code =} separates key and value; later ones belong to the value.</li>
 * <li>Whitespace around keys and values is trimmed; empty pieces are ignored.</li>
 * <li>A piece without {@code =} (outside a {@code servers} list), a missing key, or a key given twice is an
 * {@link AgentArgumentException}.</li>
 * </ul>
 * Keys are not checked here. Stateless; no lambdas or streams (it runs in {@code premain}).
 */
final class ArgumentTokenizer {

    private ArgumentTokenizer() {
    }

    /** The settings of {@code text} in the order written ({@code null}: none), keyed by the key as written. */
    static Map<String, Setting> tokenize(String text) {
        Map<String, Setting> out = new LinkedHashMap<>();
        if (text == null) {
            return out;
        }
        String servers = AgentKey.SERVERS.key();
        int start = 0;
        int n = text.length();
        Setting list = null; // servers=..., while bare names continue it
        while (start <= n) {
            int comma = text.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            String piece = text.substring(start, end).trim();
            if (!piece.isEmpty()) {
                int eq = piece.indexOf('=');
                if (eq < 0 && list != null) { // servers=a,b: 'b' continues the list
                    list = list.withValue(list.value + "," + piece);
                    out.put(servers, list);
                } else if (eq < 0) {
                    throw new AgentArgumentException(piece, null, "expected key=value (a value cannot contain ',';"
                            + " put such values in a properties file given with config=FILE)", null);
                } else {
                    String key = piece.substring(0, eq).trim();
                    String value = piece.substring(eq + 1).trim();
                    if (key.isEmpty()) {
                        throw new AgentArgumentException("", value, "missing key before '='", null);
                    }
                    Setting first = out.get(key);
                    if (first != null) {
                        throw new AgentArgumentException(key, value,
                                "given twice (first " + key + "='" + first.value + "')", null);
                    }
                    out.put(key, new Setting(key, value, null));
                    list = servers.equals(key) ? out.get(key) : null;
                }
            }
            if (comma < 0) {
                break;
            }
            start = comma + 1;
        }
        return out;
    }
}
