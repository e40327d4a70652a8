package org.ultramem.experiment;

import java.nio.file.Path;
import java.util.List;

/**
 * One named run of a suite: a config file plus {@code --set}-style overrides, trained once per
 * seed. {@code paperDelta} is the change in validation loss the paper reports for this step
 * (ablation ladders only; NaN elsewhere), so the report can set our delta beside theirs.
 *
 * @param name unique within the suite; names the run directories ({@code name-s<seed>})
 * @param config the model/training config file, already resolved against the suite file's folder
 * @param overrides {@code key=value} strings applied after the suite's own overrides
 * @param seeds training seeds (one training run each); never empty
 * @param paperDelta the paper's validation-loss delta for this step, or NaN
 */
public record RunSpec(String name, Path config, List<String> overrides, List<Long> seeds, double paperDelta) {

    public RunSpec {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("run name `" + name + "` must be letters, digits, '.', '_' or '-'"
                    + " (it names a directory); rename it in the suite file");
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("run `" + name + "` has no seeds; give \"seeds\": [1, 2] in the"
                    + " run or the suite");
        }
        overrides = List.copyOf(overrides);
        seeds = List.copyOf(seeds);
    }

    /** This run with its seed list replaced by the first {@code n} seeds, extended by consecutive ones. */
    public RunSpec withSeedCount(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("--seeds " + n + " must be >= 1");
        }
        List<Long> out = new java.util.ArrayList<>(seeds.subList(0, Math.min(n, seeds.size())));
        long next = seeds.getLast() + 1;
        while (out.size() < n) {
            out.add(next++);
        }
        return new RunSpec(name, config, overrides, out, paperDelta);
    }

    /** The directory name of this run's training with {@code seed}. */
    public String dirName(long seed) {
        return name + "-s" + seed;
    }
}
