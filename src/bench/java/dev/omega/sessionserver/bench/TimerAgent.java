package dev.omega.sessionserver.bench;

import java.lang.instrument.Instrumentation;

/**
 * A timer agent for {@link PremainBenchmark}: its premain prints {@code timer <args> <System.nanoTime()>} on stdout
 * (CLOCK_MONOTONIC on Linux, so comparable with the other agents' and the host's stamps). Put on the
 * {@code -javaagent} list just before and just after the agent under measurement ({@code =before}, {@code =after}:
 * the JVM runs premain once per entry, also for the same jar twice), the difference is how long that agent's
 * loading and premain kept the host's start-up thread. The clock is read first; no string concatenation (no
 * invokedynamic bootstrap inside the window).
 */
public final class TimerAgent {
    private TimerAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        long now = System.nanoTime();
        StringBuilder line = new StringBuilder(48);
        line.append("timer ").append(args).append(' ').append(now);
        System.out.println(line);
        System.out.flush();
    }
}
