package dev.omega.sessionserver.console;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.FontMetrics;
import java.awt.Graphics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.util.function.DoubleFunction;
import java.util.function.DoubleUnaryOperator;

import javax.swing.JComponent;

/**
 * A line chart of one {@link UsageSeries} over the time the tab has been open, drawn with Java2D: the title and the
 * last value above, the largest value at the top of the value axis (which starts at 0), the tab's opening time and
 * the last refresh's below. Event thread only.
 */
final class UsageChart extends JComponent {

    private static final long serialVersionUID = 1L;
    private static final int PAD = 6;
    private static final Color GRID = new Color(0xDD, 0xDD, 0xDD);

    private final String title;
    private final Color color;
    private final DoubleFunction<String> format;
    private final DoubleUnaryOperator ceiling;
    private UsageSeries.Points points = new UsageSeries.Points(new long[0], new double[0]);
    private long fromMillis;
    private long toMillis;

    /**
     * @param title  what the chart shows ("Memory (RSS)")
     * @param color  the line's colour
     * @param format  how a value reads ({@link Formats#bytes})
     * @param ceiling the top of the value axis for a largest value ({@link #decimalCeiling}, {@link #binaryCeiling})
     */
    UsageChart(String title, Color color, DoubleFunction<String> format, DoubleUnaryOperator ceiling) {
        this.title = title;
        this.color = color;
        this.format = format;
        this.ceiling = ceiling;
        setPreferredSize(new Dimension(320, 150));
        setOpaque(true);
        setBackground(Color.WHITE);
    }

    /** Shows {@code series} on a time axis from {@code fromMillis} (the tab opened) to {@code toMillis} (now). */
    void show(UsageSeries.Points series, long fromMillis, long toMillis) {
        this.points = series;
        this.fromMillis = fromMillis;
        this.toMillis = Math.max(toMillis, fromMillis + 1);
        repaint();
    }

    /** The colour of the line (for tests that look for it on a rendering). */
    Color lineColor() {
        return color;
    }

    @Override
    protected void paintComponent(Graphics graphics) {
        Graphics2D g = (Graphics2D) graphics.create();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(getBackground());
            g.fillRect(0, 0, getWidth(), getHeight());
            FontMetrics fm = g.getFontMetrics();
            int line = fm.getHeight();
            g.setColor(Color.DARK_GRAY);
            g.drawString(title + ":  " + (points.size() == 0 ? "no samples yet" : format.apply(points.last())), PAD,
                    PAD + fm.getAscent());
            double top = ceiling.applyAsDouble(points.max());
            String topLabel = format.apply(top);
            int left = PAD + fm.stringWidth(topLabel) + 4;
            Rectangle plot = new Rectangle(left, PAD + line + 4, getWidth() - left - PAD,
                    getHeight() - 2 * PAD - 2 * line - 8);
            if (plot.width < 10 || plot.height < 10) {
                return;
            }
            axes(g, fm, plot, topLabel);
            line(g, plot, top);
        } finally {
            g.dispose();
        }
    }

    private void axes(Graphics2D g, FontMetrics fm, Rectangle plot, String topLabel) {
        g.setColor(GRID);
        g.drawLine(plot.x, plot.y, plot.x + plot.width, plot.y);
        g.drawLine(plot.x, plot.y + plot.height / 2, plot.x + plot.width, plot.y + plot.height / 2);
        g.setColor(Color.GRAY);
        g.drawRect(plot.x, plot.y, plot.width, plot.height);
        g.setColor(Color.DARK_GRAY);
        g.drawString(topLabel, plot.x - 4 - fm.stringWidth(topLabel), plot.y + fm.getAscent() / 2);
        g.drawString("0", plot.x - 4 - fm.stringWidth("0"), plot.y + plot.height + fm.getAscent() / 2);
        int below = plot.y + plot.height + 4 + fm.getAscent();
        g.drawString(Formats.time(fromMillis), plot.x, below);
        String to = Formats.time(toMillis);
        g.drawString(to, plot.x + plot.width - fm.stringWidth(to), below);
    }

    private void line(Graphics2D g, Rectangle plot, double top) {
        int n = points.size();
        if (n == 0) {
            return;
        }
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < n; i++) {
            double x = plot.x + plot.width * (double) (points.times[i] - fromMillis) / (toMillis - fromMillis);
            double y = plot.y + plot.height - plot.height * (top <= 0 ? 0 : points.values[i] / top);
            x = Math.max(plot.x, Math.min(plot.x + plot.width, x));
            if (i == 0) {
                path.moveTo(x, y);
            } else {
                path.lineTo(x, y);
            }
        }
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        g.draw(path);
        double lastX = path.getCurrentPoint().getX();
        double lastY = path.getCurrentPoint().getY();
        g.fillOval((int) Math.round(lastX) - 3, (int) Math.round(lastY) - 3, 7, 7);
    }

    /**
     * For sizes: the smallest of 1, 2 or 5 times a power of ten, times a power of 1024, that is at least
     * {@code value} (so that it reads as 20 MiB, 500 KiB); 1 KiB for 0.
     */
    static double binaryCeiling(double value) {
        double scale = 1024;
        while (value / scale >= 1000) {
            scale *= 1024;
        }
        return decimalCeiling(value / scale) * scale;
    }

    /** The smallest of 1, 2 or 5 times a power of ten that is at least {@code value} (1 for 0). */
    static double decimalCeiling(double value) {
        if (!(value > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
