package dev.omega.sessionserver.agent;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reads the file of {@code config=FILE}: a {@link Properties} file (UTF-8) with the agent's keys except
 * {@code config}; values may contain commas. A class of its own so that its I/O and exception classes are loaded
 * only when a {@code config=} is given, not on every host's start-up. Stateless.
 */
final class ConfigFile {

    private ConfigFile() {
    }

    /**
     * The file's settings, sorted by key (so that the first bad key reported is always the same one), keys and values
     * trimmed, each with the file as its origin.
     *
     * @param config the {@code config=} setting (errors about the file name it)
     * @param file   the file, absolute
     * @throws AgentArgumentException when the file cannot be read, is not UTF-8 or not a properties file, sets a key
     *                                twice (also as keys that differ only in escaped surrounding whitespace, which
     *                                are one key once trimmed), or names {@code config}
     */
    static Map<String, Setting> load(Setting config, Path file) {
        DuplicateCheckingProperties props = new DuplicateCheckingProperties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            throw config.invalid("file not found: " + file);
        } catch (AccessDeniedException e) {
            throw config.invalid("cannot read " + file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw config.invalid(file + " is not UTF-8 text");
        } catch (IOException e) {
            throw config.invalid("cannot read " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) { // a malformed \\uxxxx escape
            throw config.invalid(file + " is not a valid properties file: " + e.getMessage());
        }
        if (props.duplicateKey != null) {
            throw new AgentArgumentException(props.duplicateKey.trim(), props.duplicateValue.trim(), "given twice",
                    file.toString());
        }
        List<String> keys = new ArrayList<>(props.stringPropertyNames());
        Collections.sort(keys);
        Map<String, Setting> out = new LinkedHashMap<>();
        for (String rawKey : keys) {
            String key = rawKey.trim();
            String value = props.getProperty(rawKey).trim();
            if (AgentKey.CONFIG.key().equals(key)) {
                throw new AgentArgumentException(key, value, "not allowed inside a config file", file.toString());
            }
            Setting first = out.get(key); // 'port' and 'port\ ' are one key once trimmed
            if (first != null) {
                throw new AgentArgumentException(key, value, "given twice (first " + key + "='" + first.value + "')",
                        file.toString());
            }
            out.put(key, new Setting(key, value, file));
        }
        return out;
    }

    /** Remembers the first key that a properties file sets twice ({@link Properties} would keep the last). */
    private static final class DuplicateCheckingProperties extends Properties {
        private static final long serialVersionUID = 1L;
        String duplicateKey;
        String duplicateValue;

        @Override
        public synchronized Object put(Object key, Object value) {
            Object previous = super.put(key, value);
            if (previous != null && duplicateKey == null) {
                duplicateKey = String.valueOf(key);
                duplicateValue = String.valueOf(value);
            }
            return previous;
        }
    }
}
