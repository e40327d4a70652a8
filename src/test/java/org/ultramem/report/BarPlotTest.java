package org.ultramem.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BarPlotTest {

    @TempDir
    Path dir;

    @Test
    @Tag("slow") // the first AWT render in a JVM costs 1-4 s (fonts, Java2D init)
    void writesBarChartAndHistogramPngs() throws IOException {
        Path bars = dir.resolve("bars.png");
        new BarPlot("throughput", "model", "tokens/s")
                .series("train", List.of("dense", "moe", "ultramem"), new double[] {2100, 1500,
                        1800})
                .series("infer", List.of("dense", "moe", "ultramem"), new double[] {9000, 7000,
                        8000})
                .writePng(bars);
        BufferedImage img = ImageIO.read(bars.toFile());
        assertEquals(800, img.getWidth());
        int[] stats = LinePlotTest.colourStats(img);
        assertTrue(stats[0] > 10 && stats[1] > 800 * 500 / 20, "colours " + stats[0]
                + ", non-white " + stats[1]);

        SplittableRandom rnd = new SplittableRandom(3);
        double[] samples = new double[5000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = rnd.nextGaussian();
        }
        Path hist = dir.resolve("hist.png");
        BarPlot.histogram("slot usage", "value", samples, 25).size(600, 300).writePng(hist);
        BufferedImage h = ImageIO.read(hist.toFile());
        assertEquals(600, h.getWidth());
        assertEquals(300, h.getHeight());
        assertTrue(LinePlotTest.colourStats(h)[1] > 600 * 300 / 20);
    }

    @Test
    void binCountsCoverTheRangeIncludingMax() {
        assertArrayEquals(new double[] {2, 1, 2}, BarPlot.binCounts(new double[] {0, 0.5, 1.5, 2.9,
                3}, 3, 0, 3));
        assertArrayEquals(new double[] {3, 0}, BarPlot.binCounts(new double[] {4, 4, 4}, 2, 4, 4));
        assertThrows(IllegalArgumentException.class,
                () -> BarPlot.binCounts(new double[] {Double.NaN}, 2, 0, 1));
    }

    @Test
    void rejectsMismatchedSeries() {
        var p = new BarPlot("p", "x", "y").series("a", List.of("u", "v"), new double[] {1, 2});
        var e = assertThrows(IllegalArgumentException.class, () -> p.series("b", List.of("u", "w"),
                new double[] {1, 2}));
        assertTrue(e.getMessage().contains("differ from the first series'"));
        assertThrows(IllegalArgumentException.class, () -> p.series("c", List.of("u"),
                new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class,
                () -> p.series("d", List.of("u", "v"), new double[] {1, Double.POSITIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> BarPlot.histogram("h", "x",
                new double[0], 3));
    }
}
