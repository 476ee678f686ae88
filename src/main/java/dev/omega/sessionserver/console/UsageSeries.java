package dev.omega.sessionserver.console;

import java.util.Arrays;

/**
 * Samples of one quantity over time (memory in bytes, CPU as a fraction of a core), oldest first, at most
 * {@code capacity} of them: when full, the oldest half is thinned to every second sample, so that a tab kept open for
 * days still covers the whole time, at a coarser step. Unknown values (negative memory, NaN CPU) are not recorded.
 * Thread-safe; {@link #snapshot()} gives an immutable copy for painting.
 */
final class UsageSeries {

    /** An immutable copy of the samples: parallel arrays of times (epoch ms) and values. */
    static final class Points {
        final long[] times;
        final double[] values;

        Points(long[] times, double[] values) {
            this.times = times;
            this.values = values;
        }

        int size() {
            return times.length;
        }

        /** The largest value, 0 when there is none. */
        double max() {
            double max = 0;
            for (double v : values) {
                max = Math.max(max, v);
            }
            return max;
        }

        /** The last value, NaN when there is none. */
        double last() {
            return values.length == 0 ? Double.NaN : values[values.length - 1];
        }
    }

    private final int capacity;
    private long[] times;
    private double[] values;
    private int size;

    UsageSeries(int capacity) {
        if (capacity < 4) {
            throw new IllegalArgumentException("capacity must be at least 4, got " + capacity);
        }
        this.capacity = capacity;
        this.times = new long[Math.min(capacity, 64)];
        this.values = new double[times.length];
    }

    /** Records {@code value} at {@code timeMillis}, unless it is unknown (negative or NaN). */
    synchronized void add(long timeMillis, double value) {
        if (Double.isNaN(value) || value < 0) {
            return;
        }
        if (size == capacity) {
            thinOldestHalf();
        }
        if (size == times.length) {
            times = Arrays.copyOf(times, Math.min(capacity, times.length * 2));
            values = Arrays.copyOf(values, times.length);
        }
        times[size] = timeMillis;
        values[size] = value;
        size++;
    }

    /** Keeps every second sample of the older half, so that the series still starts where it started. */
    private void thinOldestHalf() {
        int half = size / 2;
        int kept = 0;
        for (int i = 0; i < half; i += 2) {
            times[kept] = times[i];
            values[kept] = values[i];
            kept++;
        }
        System.arraycopy(times, half, times, kept, size - half);
        System.arraycopy(values, half, values, kept, size - half);
        size = kept + size - half;
    }

    synchronized Points snapshot() {
        return new Points(Arrays.copyOf(times, size), Arrays.copyOf(values, size));
    }
}
