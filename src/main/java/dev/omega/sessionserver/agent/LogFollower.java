package dev.omega.sessionserver.agent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What {@code logs -f} prints of each new look at the log's end. The MBean gives only text, the last N lines
 * ({@code tailLog}), with no offset, so what is new is found by <em>overlap</em>: the last complete lines printed so
 * far (at most {@value #ANCHOR_LINES}, the anchor) are looked for in the new window, the latest place where all of
 * them (or, at the window's start, as many as fit) match; the complete lines after that place are new. Because
 * {@code tailLog} takes the rest from {@code <log>.1} just after a rotation, the anchor is still found across one
 * rotation between two looks.
 *
 * <p>Limits, by design:
 * <ul>
 * <li>A last line without its {@code \n} (being written) is held back until it is complete, so it is printed once,
 * whole.</li>
 * <li>When the anchor is not found in a full window ({@link Update#gap}: more lines than it holds were written since
 * the last look, or the log was rotated twice), the caller looks again with a larger one, and when that does not
 * reach back either, takes it whole ({@link #first}) with a note that lines may be missing. In a window that was not
 * full, a missing anchor means a log truncated or replaced (without a backup of the old lines): all of it is new and
 * nothing was missed ({@link Update#restarted}).</li>
 * <li>Lines that repeat exactly (the same text over and over) are ambiguous: the latest match is taken, so a run of
 * identical lines appended since the last look is printed only up to the first line that differs from the anchor's
 * alignment, i.e. some repeats may not be printed. Logs with timestamps or counters do not have this problem.</li>
 * </ul>
 * Not thread-safe: one follow uses one.
 */
final class LogFollower {

    /** The most recent complete lines kept to find the place of the next window. */
    static final int ANCHOR_LINES = 100;

    /** What one window adds. */
    static final class Update {
        /** The new complete lines, in order, without their {@code \n}. */
        final List<String> lines;
        /** Whether the anchor was not found in a full window: lines may have been missed. */
        final boolean gap;
        /** Whether the anchor was not found in a window that was not full: the log was truncated or replaced. */
        final boolean restarted;

        Update(List<String> lines, boolean gap, boolean restarted) {
            this.lines = Collections.unmodifiableList(lines);
            this.gap = gap;
            this.restarted = restarted;
        }
    }

    private List<String> anchor = new ArrayList<>();

    /**
     * The first window: every complete line of it is printed (the caller prints the whole text, partial last line
     * held back) and becomes the anchor.
     *
     * @return its complete lines
     */
    List<String> first(String window) {
        List<String> complete = completeLines(window);
        remember(complete);
        return complete;
    }

    /**
     * A later window ({@code tailLog}'s text), and whether it was full (as many lines as asked for).
     *
     * @return the lines after the anchor's place; all of them when it is not found: with {@link Update#gap} (and
     *         nothing remembered) when the window was full, else as a log truncated or replaced
     */
    Update next(String window, boolean full) {
        List<String> lines = completeLines(window);
        if (lines.isEmpty()) {
            return new Update(new ArrayList<>(), false, false); // truncated to nothing, or nothing yet: wait
        }
        int after = placeAfterAnchor(lines);
        if (after < 0 && full) {
            // not remembered: the caller looks again with a larger window, or takes this one with first()
            return new Update(lines, true, false);
        }
        boolean restarted = after < 0;
        remember(lines);
        return new Update(new ArrayList<>(lines.subList(Math.max(after, 0), lines.size())), false, restarted);
    }

    /**
     * Whether a window of {@code tailLog(asked)} may have left older lines out: it has {@code asked} lines, or is
     * so long (half of {@link dev.omega.sessionserver.process.LogTail#MAX_BYTES} in characters) that the byte limit
     * may have cut it.
     */
    static boolean isFull(String window, int asked) {
        int lines = 0;
        for (int i = 0; i < window.length(); i++) {
            if (window.charAt(i) == '\n') {
                lines++;
            }
        }
        if (!window.isEmpty() && window.charAt(window.length() - 1) != '\n') {
            lines++;
        }
        return lines >= asked || window.length() >= dev.omega.sessionserver.process.LogTail.MAX_BYTES / 2;
    }

    /**
     * The index in {@code lines} just after the latest place where the anchor ends, -1 when it is nowhere: for each
     * end {@code j} from the last, the {@code min(j, anchor)} lines before it must equal the anchor's last ones.
     */
    private int placeAfterAnchor(List<String> lines) {
        if (anchor.isEmpty()) {
            return 0;
        }
        for (int j = lines.size(); j >= 1; j--) {
            int overlap = Math.min(j, anchor.size());
            boolean match = true;
            for (int k = 1; k <= overlap && match; k++) {
                match = lines.get(j - k).equals(anchor.get(anchor.size() - k));
            }
            if (match) {
                return j;
            }
        }
        return -1;
    }

    /** The window's last complete lines become the anchor: they hold the old anchor's place, or replace it. */
    private void remember(List<String> lines) {
        anchor = new ArrayList<>(lines.subList(Math.max(0, lines.size() - ANCHOR_LINES), lines.size()));
    }

    /** The lines of {@code text} that end with {@code \n}, without it; a last line without one is left out. */
    static List<String> completeLines(String text) {
        if (text.isEmpty()) {
            return new ArrayList<>();
        }
        List<String> all = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        all.remove(all.size() - 1); // after the last \n: "" or a partial line
        return all;
    }
}
