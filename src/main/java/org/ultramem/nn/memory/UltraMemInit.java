package org.ultramem.nn.memory;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.ultramem.nn.Parameter;

/**
 * Initialization of an UltraMem layer (spec §D.1, §D.2). All normals are plain (not truncated);
 * "N(0, s)" means standard deviation s.
 *
 * <p>{@code init = "code"} (released V1 code): W_q, K ~ N(0, 1/√D_k); query/key norm weights
 * D_k^(−0.33); cores U[0, 1); values N(0, 0.02); W_o N(0, 1/√(E·D_v)).
 *
 * <p>{@code init = "paper"} (the V1 paper's "improved init" as re-described by a secondary source,
 * unverified): values N(0, √(E / (2·k·H·L))) with L = {@code mem_layers}; query norm weight
 * 1/√E[Y] with Y the mean of the top-m of n standard normals (Monte Carlo, 256 draws, seeded);
 * key norm weight 1/√D_k; everything else as "code". Remedy parameters (either init):
 * query BatchNorm γ = 1, β = 0; output scale γ = {@code output_gate_init}; SiLU gate W_g
 * like W_q. Then {@link #calibrateScores} rescales the
 * query so that the stated aim holds for the scores this layer really computes: the mean selected
 * score per core is 1 for unit-variance inputs. The secondary source's constants alone assume one
 * normal score per row; with TDQKR the grid score is a core-weighted product of a row and a column
 * score, and they left the mean selected score at 6.7-8 and the output standard deviation at 1.7-2.1
 * on the family-ultramem preset (target √(1/(2L)) = 0.5), 8x the "code" init's.
 */
final class UltraMemInit {

    private UltraMemInit() {
    }

    static void initialize(UltraMemLayer layer, UltraMemConfig cfg, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dk = cfg.keyDim();
        double qStd = 1 / Math.sqrt(dk);
        double outStd = 1 / Math.sqrt((double) cfg.valueExpand() * cfg.valueDim());
        if ("paper".equals(cfg.init())) {
            double valueStd = Math.sqrt(cfg.valueExpand()
                    / (2.0 * cfg.topK() * cfg.heads() * cfg.memLayers()));
            double meanTop = meanTopM(cfg.keysPerSide(), cfg.candidates(), new SplittableRandom(seed + 1));
            fill(layer, rnd, qStd, qStd, (float) (1 / Math.sqrt(meanTop)), (float) (1 / Math.sqrt(dk)),
                    valueStd, outStd);
        } else {
            float normW = (float) Math.pow(dk, -0.33);
            fill(layer, rnd, qStd, qStd, normW, normW, 0.02, outStd);
        }
    }

    /** Tokens of unit-variance input {@link #calibrateScores} runs through the layer. */
    static final int CALIBRATION_TOKENS = 256;

    /**
     * Scales the query (its norm weight, or its projection without q/k norm) so that the mean
     * selected score per core is 1 on {@link #CALIBRATION_TOKENS} tokens of N(0, 1) input. A
     * uniform query scale c multiplies every score by c² with TDQKR (grid = rowᵀ·C·col) and by c
     * with summed halves, and leaves the selection unchanged, so one pass is exact. Resets the
     * layer's diagnostics. Returns the mean per-core score before scaling.
     */
    static double calibrateScores(UltraMemLayer layer, UltraMemConfig cfg, long seed) {
        int tokens = Math.min(layer.maxTokens(), CALIBRATION_TOKENS);
        int d = layer.hiddenSize();
        float[] x = new float[tokens * d];
        normal(x, new SplittableRandom(seed + 2), 1.0);
        float[] y = new float[tokens * d];
        layer.diagnostics().reset();
        // Evaluation mode: the calibration pass must not move BatchNorm statistics or count
        // towards the key restart (with those remedies off the mode changes nothing).
        boolean training = layer.isTraining();
        layer.setTraining(false);
        layer.forward(y, x, tokens);
        layer.setTraining(training);
        double meanScore = layer.diagnostics().topKMeanScore() / cfg.tuckerCores();
        layer.diagnostics().reset();
        if (!(meanScore > 0) || !Double.isFinite(meanScore)) {
            throw new IllegalStateException("UltraMem paper init: the mean selected score at init is " + meanScore
                    + ", not > 0, so the query cannot be scaled to make it 1; use init \"code\"");
        }
        float scale = (float) Math.pow(meanScore, cfg.tdqkr() ? -0.5 : -1.0);
        Parameter target = cfg.qkNorm() ? layer.parameter("query_norm.weight") : layer.parameter("query_proj.weight");
        for (int i = 0; i < target.data.length; i++) {
            target.data[i] *= scale;
        }
        return meanScore;
    }

    /** Fills every parameter of the layer in checkpoint order. */
    private static void fill(UltraMemLayer layer, SplittableRandom rnd, double qStd, double keyStd,
                             float qNormW, float kNormW, double valueStd, double outStd) {
        double gateInit = layer.config().remedies().outputGateInit();
        for (Parameter p : layer.parameters()) {
            switch (p.name) {
                case "query_proj.weight" -> normal(p.data, rnd, qStd);
                case "query_norm.weight" -> Arrays.fill(p.data, qNormW);
                case "keys_norm.weight" -> Arrays.fill(p.data, kNormW);
                case "keys" -> normal(p.data, rnd, keyStd);
                case "values" -> normal(p.data, rnd, valueStd);
                case "values_proj.weight" -> normal(p.data, rnd, outStd);
                // Remedies (their parameters exist only when switched on): BatchNorm γ = 1,
                // β = 0; the "scale" gate γ = output_gate_init; the "silu" W_g like the query.
                case "query_bn.weight" -> Arrays.fill(p.data, 1f);
                case "query_bn.bias" -> Arrays.fill(p.data, 0f);
                case "output_scale" -> Arrays.fill(p.data, (float) gateInit);
                case "output_gate.weight" -> normal(p.data, rnd, qStd);
                default -> {
                    // tucker_core.<t>: U[0, 1)
                    for (int i = 0; i < p.data.length; i++) {
                        p.data[i] = (float) rnd.nextDouble();
                    }
                }
            }
        }
    }

    /** Monte Carlo estimate of E[mean of the top-m of n standard normals] (floored at 1e-3). */
    static double meanTopM(int n, int m, SplittableRandom rnd) {
        int draws = 256;
        double total = 0;
        double[] sample = new double[n];
        for (int d = 0; d < draws; d++) {
            for (int i = 0; i < n; i++) {
                sample[i] = rnd.nextGaussian();
            }
            Arrays.sort(sample);
            double s = 0;
            for (int i = n - m; i < n; i++) {
                s += sample[i];
            }
            total += s / m;
        }
        return Math.max(1e-3, total / draws);
    }

    static void normal(float[] a, SplittableRandom rnd, double std) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * std);
        }
    }
}
