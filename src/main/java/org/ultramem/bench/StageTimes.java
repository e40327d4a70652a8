package org.ultramem.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import org.ultramem.infer.StageClock;
import org.ultramem.infer.StageClock.Stage;

/**
 * Where a decode step's time goes ({@code bench decode --stages}): per {@link Stage}, the median
 * over the timed steps of its milliseconds and of the MB the traffic meter counted in it, so each
 * stage's streaming rate can be set against the bandwidth probe measured between the same steps.
 * The stage medians need not add up to the step's median (each is a median of its own), and the
 * step also holds work between stages (sampling is not part of the step; the pass's bookkeeping
 * is).
 */
public record StageTimes(double[] ms, double[] mb) {

    /** The stages in report order. */
    static final Stage[] STAGES = Stage.values();

    /** Milliseconds of {@code stage} (median over the timed steps). */
    public double ms(Stage stage) {
        return ms[stage.ordinal()];
    }

    /** MB read in {@code stage} (median over the timed steps). */
    public double mb(Stage stage) {
        return mb[stage.ordinal()];
    }

    /** GB/s the stage streamed (0 when it took no time). */
    public double gbs(Stage stage) {
        double t = ms(stage);
        return t > 0 ? mb(stage) / t : 0;
    }

    /** Collects one step's stage readings per timed step. */
    static final class Recorder {
        private final double[][] ms;
        private final double[][] mb;

        Recorder(int steps) {
            ms = new double[STAGES.length][steps];
            mb = new double[STAGES.length][steps];
        }

        /** Stores step {@code i}'s readings of {@code clock}. */
        void record(int i, StageClock clock) {
            for (Stage s : STAGES) {
                ms[s.ordinal()][i] = clock.nanos(s) / 1e6;
                mb[s.ordinal()][i] = clock.bytes(s) / 1e6;
            }
        }

        StageTimes medians() {
            double[] m = new double[STAGES.length];
            double[] b = new double[STAGES.length];
            for (Stage s : STAGES) {
                m[s.ordinal()] = KernelBench.median(ms[s.ordinal()]);
                b[s.ordinal()] = KernelBench.median(mb[s.ordinal()]);
            }
            return new StageTimes(m, b);
        }
    }

    /**
     * The stage table: one row per point with stage times, each stage as "ms (GB/s)", then the
     * step's median and the bandwidth probe's GB/s. Empty when no point has stage times.
     */
    static String markdown(List<DecodeBench.Point> points) {
        if (points.stream().allMatch(p -> p.stages() == null)) {
            return "";
        }
        StringBuilder sb = new StringBuilder("| batch | model |");
        StringBuilder rule = new StringBuilder("|---:|---|");
        for (Stage s : STAGES) {
            sb.append(' ').append(s.label).append(" ms (GB/s) |");
            rule.append("---:|");
        }
        sb.append(" step ms | probe GB/s |\n").append(rule).append("---:|---:|\n");
        for (DecodeBench.Point p : points) {
            StageTimes t = p.stages();
            if (t == null) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "| %d | %s |", p.batch(), p.model()));
            for (Stage s : STAGES) {
                sb.append(String.format(Locale.ROOT, " %.3f (%.1f) |", t.ms(s), t.gbs(s)));
            }
            sb.append(String.format(Locale.ROOT, " %.3f | %.1f |%n", p.stepMs(),
                    p.bandwidthGbs()));
        }
        return sb.toString();
    }

    /** {@code {"attention": {"ms": .., "mb": ..}, ...}} keyed by the stage's lower-case name. */
    void putJson(ObjectNode node) {
        for (Stage s : STAGES) {
            node.putObject(s.name().toLowerCase(Locale.ROOT)).put("ms", ms(s)).put("mb", mb(s));
        }
    }
}
