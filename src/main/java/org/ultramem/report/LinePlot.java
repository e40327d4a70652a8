package org.ultramem.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.ultramem.io.AtomicFiles;

/**
 * A PNG line plot of named series (loss against step, throughput against size), headless.
 *
 * <pre>{@code
 * new LinePlot("training loss", "step", "loss")
 *         .series("ultramem", steps, losses)
 *         .series("dense", steps, denseLosses)
 *         .logX(true)
 *         .writePng(Path.of("runs/x/loss.png"));
 * }</pre>
 *
 * <p>Each series needs x and y of equal, non-zero length; x values must be finite (and positive on
 * a log x axis); y values that are NaN are drawn as gaps (a diverged run), infinite ones are
 * rejected.
 */
public final class LinePlot {

    static {
        Headless.ensure();
    }

    private static final BasicStroke DASHED = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10f, new float[] {6f, 4f}, 0f);

    private record Series(String name, double[] x, double[] y, int color, boolean dashed) {
    }

    /**
     * Palette of {@link #series(String, double[], double[], int, boolean)}: Okabe-Ito (black last),
     * then four of Paul Tol's muted colours, so an 11-rung ablation gets distinct colours.
     */
    private static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xD55E00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000),
        new Color(0x882255), new Color(0x999933), new Color(0x332288), new Color(0x888888),
    };

    private final String title;
    private final String xTitle;
    private final String yTitle;
    private final List<Series> series = new ArrayList<>();
    private int width = 800;
    private int height = 500;
    private boolean logX;
    private boolean logY;
    private boolean markers;
    private String xPattern;

    public LinePlot(String title, String xTitle, String yTitle) {
        this.title = title;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
    }

    /** Image size in pixels (default 800 x 500). */
    public LinePlot size(int width, int height) {
        if (width < 100 || height < 100) {
            throw new IllegalArgumentException("plot `" + title + "` size " + width + "x" + height
                    + " is too small; use at least 100x100 pixels");
        }
        this.width = width;
        this.height = height;
        return this;
    }

    /** Logarithmic x axis (all x values must then be > 0). */
    public LinePlot logX(boolean on) {
        this.logX = on;
        return this;
    }

    /** Logarithmic y axis (all non-NaN y values must then be > 0). */
    public LinePlot logY(boolean on) {
        this.logY = on;
        return this;
    }

    /** Draw a marker at every point (useful for sparse sweeps); off by default. */
    public LinePlot markers(boolean on) {
        this.markers = on;
        return this;
    }

    /**
     * Number format of the x tick labels as a {@link java.text.DecimalFormat} pattern (for example
     * {@code "#,###"} to print token counts in full instead of XChart's 1.6E5).
     */
    public LinePlot xPattern(String pattern) {
        new java.text.DecimalFormat(pattern); // rejects a bad pattern here, not at render time
        this.xPattern = pattern;
        return this;
    }

    /** Adds a series in the next default colour; the arrays are copied. */
    public LinePlot series(String name, double[] x, double[] y) {
        return series(name, x, y, -1, false);
    }

    /**
     * Adds a series with colour {@code color} of a fixed 12-colour palette (taken modulo 12; -1 for
     * XChart's default sequence) and a dashed or solid line, so that related series (seeds of one
     * run) can share a colour; the arrays are copied.
     */
    public LinePlot series(String name, double[] x, double[] y, int color, boolean dashed) {
        String where = "plot `" + title + "` series `" + name + "`";
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException(where + " has " + x.length + " x values and "
                    + y.length + " y values; they must be equal and non-zero");
        }
        for (Series s : series) {
            if (s.name().equals(name)) {
                throw new IllegalArgumentException(where
                        + " was already added; series names must be unique");
            }
        }
        series.add(new Series(name, x.clone(), y.clone(), color, dashed));
        return this;
    }

    /** Adds a series with x = 0, 1, 2, ... */
    public LinePlot series(String name, double[] y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        return series(name, x, y);
    }

    /** Renders the PNG bytes. */
    public byte[] toPng() throws IOException {
        return BitmapEncoder.getBitmapBytes(build(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Renders and writes the PNG atomically (parent directories are created). */
    public void writePng(Path file) throws IOException {
        AtomicFiles.write(file, toPng());
    }

    private XYChart build() {
        if (series.isEmpty()) {
            throw new IllegalStateException("plot `" + title
                    + "` has no series; add one with series()");
        }
        validate();
        XYChart chart = new XYChartBuilder().width(width).height(height)
                .title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        var st = chart.getStyler();
        st.setXAxisLogarithmic(logX);
        st.setYAxisLogarithmic(logY);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotGridLinesColor(new Color(0xDDDDDD));
        st.setLegendVisible(series.size() > 1);
        st.setAntiAlias(true);
        if (xPattern != null) {
            st.setXAxisDecimalPattern(xPattern);
        }
        for (Series s : series) {
            XYSeries xs = chart.addSeries(s.name(), s.x(), s.y());
            xs.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            if (s.color() >= 0) {
                xs.setLineColor(PALETTE[s.color() % PALETTE.length]);
                xs.setMarkerColor(PALETTE[s.color() % PALETTE.length]);
            }
            if (s.dashed()) {
                xs.setLineStyle(DASHED);
            }
        }
        return chart;
    }

    private void validate() {
        for (Series s : series) {
            String where = "plot `" + title + "` series `" + s.name() + "`";
            boolean anyY = false;
            for (int i = 0; i < s.x().length; i++) {
                double x = s.x()[i];
                double y = s.y()[i];
                if (!Double.isFinite(x) || (logX && x <= 0)) {
                    throw new IllegalArgumentException(where + " x[" + i + "] = " + x
                            + " must be finite" + (logX ? " and > 0 on a log x axis" : ""));
                }
                if (Double.isInfinite(y) || (logY && y <= 0)) {
                    throw new IllegalArgumentException(where + " y[" + i + "] = " + y
                            + " must be finite or NaN" + (logY ? " and > 0 on a log y axis" : ""));
                }
                anyY |= !Double.isNaN(y);
            }
            if (!anyY) {
                throw new IllegalArgumentException(where
                        + " has only NaN y values; nothing to draw");
            }
        }
    }
}
