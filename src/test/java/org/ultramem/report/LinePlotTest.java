package org.ultramem.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {

    @TempDir
    Path dir;

    /** Distinct colours in the image, and how many pixels are not white. */
    static int[] colourStats(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        int nonWhite = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                if (rgb != 0xFFFFFF) {
                    nonWhite++;
                }
            }
        }
        return new int[] {colours.size(), nonWhite};
    }

    @Test
    @Tag("slow") // the first AWT render in a JVM costs 1-4 s (fonts, Java2D init)
    void writesANonBlankPngOfTheRequestedSize() throws IOException {
        int n = 200;
        double[] steps = new double[n];
        double[] a = new double[n];
        double[] b = new double[n];
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = i + 1;
            a[i] = 6 * Math.pow(i + 1, -0.3);
            c[i] = 5 * Math.pow(i + 1, -0.3);
            b[i] = i == 50 ? Double.NaN : 6.5 * Math.pow(i + 1, -0.25);
        }
        Path p = dir.resolve("plots/loss.png");
        new LinePlot("training loss", "step", "loss").size(640, 400).logX(true)
                .series("ultramem", steps, a).series("dense", steps, b).writePng(p);
        BufferedImage img = ImageIO.read(p.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(400, img.getHeight());
        int[] stats = colourStats(img);
        assertTrue(stats[0] > 20, "distinct colours " + stats[0]);
        assertTrue(stats[1] > 640 * 400 / 100, "non-white pixels " + stats[1]);

        // Defaults: 800 x 500, x = index. (One test renders twice: the first AWT render costs ~1
        // s.)
        byte[] png = new LinePlot("t", "i", "v").series("s", new double[] {3, 1, 2}).toPng();
        BufferedImage small = ImageIO.read(new java.io.ByteArrayInputStream(png));
        assertEquals(800, small.getWidth());
        assertEquals(500, small.getHeight());

        // Styled series: both seeds of a run in palette colour 0 (0x0072B2), the second dashed; a
        // ninth run gets a colour of its own (0x882255), not colour 0 again.
        byte[] styled = new LinePlot("t", "tokens", "v").xPattern("#,###")
                .series("run-s1", steps, a, 0, false).series("run-s2", steps, b, 0, true)
                .series("ninth", steps, c, 8, false).toPng();
        BufferedImage s = ImageIO.read(new java.io.ByteArrayInputStream(styled));
        assertTrue(pixels(s, 0x0072B2) > 200, "pixels in palette colour 0: " + pixels(s, 0x0072B2));
        assertTrue(pixels(s, 0x882255) > 100, "pixels in palette colour 8: " + pixels(s, 0x882255));
    }

    private static int pixels(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                n += (img.getRGB(x, y) & 0xFFFFFF) == rgb ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void rejectsBadSeriesWithClearMessages() {
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> new LinePlot("p", "x", "y").series("s", new double[2], new double[3]));
        assertTrue(e1.getMessage().contains("plot `p` series `s` has 2 x values and 3 y values"));
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> new LinePlot("p", "x", "y").logX(true).series("s", new double[] {0, 1},
                        new double[2]).toPng());
        assertTrue(e2.getMessage().contains("x[0] = 0.0 must be finite and > 0 on a log x axis"),
                e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> new LinePlot("p", "x", "y").series("s", new double[] {Double.NaN}).toPng());
        assertTrue(e3.getMessage().contains("only NaN"));
        assertThrows(IllegalStateException.class, () -> new LinePlot("p", "x", "y").toPng());
        assertThrows(IllegalArgumentException.class, () -> new LinePlot("p", "x", "y").xPattern("#.#.#"));
        assertThrows(IllegalArgumentException.class,
                () -> new LinePlot("p", "x", "y").series("s", new double[1]).series("s",
                        new double[1]));
    }
}
