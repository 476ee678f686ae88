package dev.omega.sessionserver.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A host application that ends on command, for the tests of what its end does to the agent's servers: it prints
 * {@code ending-host: running}, then reads one line on stdin: {@code exit} calls {@code System.exit(0)},
 * {@code return} (or the end of stdin) returns from {@code main}, so that the JVM ends with its last non-daemon
 * thread.
 */
public final class EndingHostMain {

    private EndingHostMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("ending-host: running");
        System.out.flush();
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if ("exit".equals(line)) {
            System.exit(0);
        }
    }
}
