package org.ultramem.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.ultramem.io.AtomicFiles;

/**
 * A PNG bar chart of named series over shared categories, headless; {@link #histogram} builds one
 * from samples (e.g. memory slot usage counts, router load).
 *
 * <pre>{@code
 * new BarPlot("tokens/s", "model", "tokens/s")
 *         .series("train", List.of("dense", "moe", "ultramem"), new double[] {2100, 1500, 1800})
 *         .writePng(Path.of("bench/throughput.png"));
 * BarPlot.histogram("slot usage", "hits per slot", counts, 30).writePng(Path.of("usage.png"));
 * }</pre>
 */
public final class BarPlot {

    static {
        Headless.ensure();
    }

    private record Series(String name, double[] values) {
    }

    private final String title;
    private final String xTitle;
    private final String yTitle;
    private final List<Series> series = new ArrayList<>();
    private List<String> categories;
    private int width = 800;
    private int height = 500;

    public BarPlot(String title, String xTitle, String yTitle) {
        this.title = title;
        this.xTitle = xTitle;
        this.yTitle = yTitle;
    }

    /**
     * A histogram of {@code samples} over {@code bins} equal-width bins spanning [min, max] (the
     * last bin includes max). Categories are the bin centres. NaN samples are rejected.
     */
    public static BarPlot histogram(String title, String xTitle, double[] samples, int bins) {
        if (samples.length == 0 || bins < 1) {
            throw new IllegalArgumentException("histogram `" + title + "` needs samples ("
                    + samples.length + ") and bins >= 1 (" + bins + ")");
        }
        double min = Arrays.stream(samples).min().orElseThrow();
        double max = Arrays.stream(samples).max().orElseThrow();
        if (!Double.isFinite(min) || !Double.isFinite(max)) {
            throw new IllegalArgumentException("histogram `" + title
                    + "` samples must be finite; range is [" + min + ", " + max + "]");
        }
        double[] counts = binCounts(samples, bins, min, max);
        double width = max > min ? (max - min) / bins : 1;
        List<String> labels = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            labels.add(String.format("%.3g", min + (b + 0.5) * width));
        }
        return new BarPlot(title, xTitle, "count").series("count", labels, counts);
    }

    /**
     * Counts per bin: bin b holds [min + b*w, min + (b+1)*w), the last also max; all in bin 0 when
     * min == max.
     */
    static double[] binCounts(double[] samples, int bins, double min, double max) {
        double[] counts = new double[bins];
        for (double s : samples) {
            if (Double.isNaN(s)) {
                throw new IllegalArgumentException(
                        "histogram sample is NaN; filter NaN before plotting");
            }
            int b = max > min ? (int) Math.floor((s - min) / (max - min) * bins) : 0;
            counts[Math.min(Math.max(b, 0), bins - 1)]++;
        }
        return counts;
    }

    /** Image size in pixels (default 800 x 500). */
    public BarPlot size(int width, int height) {
        if (width < 100 || height < 100) {
            throw new IllegalArgumentException("plot `" + title + "` size " + width + "x" + height
                    + " is too small; use at least 100x100 pixels");
        }
        this.width = width;
        this.height = height;
        return this;
    }

    /** Adds a series; every series must use the same categories. The arrays are copied. */
    public BarPlot series(String name, List<String> categories, double[] values) {
        String where = "plot `" + title + "` series `" + name + "`";
        if (categories.size() != values.length || values.length == 0) {
            throw new IllegalArgumentException(where + " has " + categories.size()
                    + " categories and "
                    + values.length + " values; they must be equal and non-zero");
        }
        if (this.categories != null && !this.categories.equals(categories)) {
            throw new IllegalArgumentException(where + " categories " + categories
                    + " differ from the first series' " + this.categories);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(where + " value for `" + categories.get(i)
                        + "` (" + values[i] + ") must be finite");
            }
        }
        if (series.stream().anyMatch(s -> s.name().equals(name))) {
            throw new IllegalArgumentException(where
                    + " was already added; series names must be unique");
        }
        this.categories = List.copyOf(categories);
        series.add(new Series(name, values.clone()));
        return this;
    }

    /** Renders the PNG bytes. */
    public byte[] toPng() throws IOException {
        if (series.isEmpty()) {
            throw new IllegalStateException("plot `" + title
                    + "` has no series; add one with series()");
        }
        CategoryChart chart = new CategoryChartBuilder().width(width).height(height)
                .title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        var st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setLegendVisible(series.size() > 1);
        st.setAvailableSpaceFill(0.9);
        st.setXAxisLabelRotation(categories.size() > 12 ? 90 : 0);
        for (Series s : series) {
            List<Number> ys = new ArrayList<>();
            for (double v : s.values()) {
                ys.add(v);
            }
            chart.addSeries(s.name(), categories, ys);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** Renders and writes the PNG atomically (parent directories are created). */
    public void writePng(Path file) throws IOException {
        AtomicFiles.write(file, toPng());
    }
}
