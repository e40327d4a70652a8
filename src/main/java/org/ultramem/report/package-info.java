/**
 * Plots written as PNG files for training and benchmark reports:
 * {@link org.ultramem.report.LinePlot} (loss curves, scaling sweeps, optional log axes) and
 * {@link org.ultramem.report.BarPlot} (bar charts and histograms), both thin wrappers over XChart.
 *
 * <p>Invariants: rendering is headless (the class initializers set {@code java.awt.headless=true}
 * unless the property was set explicitly), so plots work on servers and in CI; files are written
 * through {@link org.ultramem.io.AtomicFiles}, so a reader never sees a half-written PNG; inputs
 * are validated up front with messages naming the series and the value, rather than failing inside
 * XChart. This package depends on {@code io} only.
 */
package org.ultramem.report;
