package dev.omega.sessionserver.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Samples in milliseconds, with the order statistics the benchmark table reports. */
final class Stats {
    private final List<Double> samples = new ArrayList<>();

    void add(double millis) {
        samples.add(millis);
    }

    int count() {
        return samples.size();
    }

    double median() {
        return percentile(50);
    }

    /** Nearest-rank percentile. */
    double percentile(double p) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
