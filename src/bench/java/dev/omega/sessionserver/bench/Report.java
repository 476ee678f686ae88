package dev.omega.sessionserver.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The benchmark table: one row a goal, printed as Markdown for docs/PERFORMANCE.md. */
final class Report {
    private final List<String> rows = new ArrayList<>();

    void row(String figure, String goal, double median, String baseline, boolean met, int runs) {
        String line = String.format(Locale.ROOT, "| %s | %s | %s | %s | %d | %s |", figure, goal,
                Double.isNaN(median) ? "n/a" : String.format(Locale.ROOT, "%.1f", median), baseline, runs,
                met ? "met" : "**not met**");
        rows.add(line);
        System.out.println(line);
        System.out.flush();
    }

    void print() {
        System.out.println();
        System.out.println("| figure | goal | median | baseline (same run) | runs | goal |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        rows.forEach(System.out::println);
    }
}
