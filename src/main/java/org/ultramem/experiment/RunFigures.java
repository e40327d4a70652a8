package org.ultramem.experiment;

import java.util.ArrayList;
import java.util.List;
import org.ultramem.model.MemorySpec;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.ModelCost;

/**
 * Everything the report says about one run of a suite: its trials (one per seed), their results
 * (null for a seed not finished yet), the model's cost ({@link ModelCost}, identical across seeds)
 * and its memory size.
 *
 * @param cost null when the cost model rejects the config ({@code costError} says why)
 * @param memoryRows physical value rows over all memory layers (K0² per UltraMem layer, n² per PKM
 *     layer; 0 without memory). Implicit value expansion multiplies the virtual slots by E, which
 *     shifts log(slots) by a constant and leaves the fitted slope unchanged.
 */
public record RunFigures(RunSpec run, List<Trial> trials, List<RunResult> results, ModelCost cost, String costError,
                         long memoryRows) {

    /** Collects the figures of {@code run} from its planned trials (all of the same run). */
    public static RunFigures of(RunSpec run, List<Trial> trials) {
        List<RunResult> results = new ArrayList<>();
        for (Trial t : trials) {
            results.add(RunResult.read(t.dir()));
        }
        ModelConfig model = trials.getFirst().model();
        ModelCost cost = null;
        String error = "";
        try {
            cost = ModelCost.of(model);
        } catch (RuntimeException e) {
            error = e.getMessage();
        }
        return new RunFigures(run, List.copyOf(trials), results, cost, error, memoryRows(model));
    }

    /** Physical value rows of every memory layer of {@code model}. */
    public static long memoryRows(ModelConfig model) {
        long rows = 0;
        for (MemorySpec m : model.memoryLayers()) {
            if (m.ultraMemV2() != null) { // one shared table for all V2 layers
                rows += m.ultraMemV2().layerId() == 0 ? m.ultraMemV2().geometry().allValueNum() : 0;
            } else {
                rows += m.ultraMem() != null ? m.ultraMem().valueNum() : m.pkm().numSlots();
            }
        }
        return rows;
    }

    /** Validation loss over the finished seeds. */
    public SeedStats valLoss() {
        return stats(Field.VAL_LOSS);
    }

    /** Validation bits per byte over the finished seeds. */
    public SeedStats valBpb() {
        return stats(Field.VAL_BPB);
    }

    /** Median training tokens/s over the finished seeds. */
    public SeedStats tokensPerS() {
        return stats(Field.TOKENS_PER_S);
    }

    /** Seeds with a result (finished or diverged). */
    public int done() {
        return (int) results.stream().filter(r -> r != null).count();
    }

    /** Seeds that diverged. */
    public int diverged() {
        return (int) results.stream().filter(r -> r != null && !r.status().equals("finished")).count();
    }

    private enum Field { VAL_LOSS, VAL_BPB, TOKENS_PER_S }

    private SeedStats stats(Field f) {
        double[] xs = results.stream().filter(r -> r != null && r.finished()).mapToDouble(r -> switch (f) {
            case VAL_LOSS -> r.valLoss();
            case VAL_BPB -> r.valBpb();
            case TOKENS_PER_S -> r.tokensPerS();
        }).toArray();
        return SeedStats.of(xs);
    }
}
