package org.ultramem.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.ultramem.data.facts.Attribute;
import org.ultramem.data.facts.FactPrompt;
import org.ultramem.data.facts.FactsData;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.ValueStores;
import org.ultramem.infer.Precision;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.ModelCost;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.TokenizerJson;
import org.ultramem.train.Checkpoints;

/**
 * {@code ultramem eval --facts}: asks a checkpoint every question of the first K people of a facts
 * folder (held-out templates and training templates), greedily, through the inference engine
 * ({@link GreedyCompleter}); scores exact matches per attribute and turns them into bits of
 * knowledge ({@link KnowledgeBits}) and bits per parameter and per FLOP ({@link ModelCost}).
 */
public final class FactsEvaluator {

    /** Default sequences decoded together. */
    public static final int DEFAULT_BATCH = 64;

    /**
     * What to evaluate.
     *
     * @param model checkpoint directory (config.json + model.safetensors)
     * @param facts the facts folder ({@code ultramem data facts --out})
     * @param people the first K people, or null for all
     * @param batch sequences decoded together
     */
    public record Options(Path model, Path facts, Integer people, int batch) {
    }

    private FactsEvaluator() {
    }

    /** Runs the evaluation; {@code progress} gets a line per phase. */
    public static FactsReport evaluate(Options opt, Consumer<String> progress) throws IOException {
        return evaluate(opt, ValueStores.LOCAL, progress);
    }

    /** As above, the model reading its value tables through {@code stores} (e.g. a cluster). */
    public static FactsReport evaluate(Options opt, ValueStores stores, Consumer<String> progress)
            throws IOException {
        long t0 = System.nanoTime();
        FactsData data = FactsData.load(opt.facts());
        int k = opt.people() == null ? data.people() : opt.people();
        if (k < 1 || k > data.people()) {
            throw new IllegalArgumentException("--people " + k + " is out of range: " + opt.facts()
                    + " holds " + data.people() + " people; pass 1.." + data.people());
        }
        ModelConfig cfg = Checkpoints.readConfig(opt.model());
        BpeTokenizer tok = TokenizerJson.load(data.tokenizer());
        checkTokenizer(opt.model(), cfg, tok, data.tokenizer());
        List<FactPrompt> held = data.prompts(k, FactPrompt.Kind.HELDOUT);
        List<FactPrompt> train = data.prompts(k, FactPrompt.Kind.TRAIN);
        List<FactPrompt> all = new ArrayList<>(held);
        all.addAll(train);
        int maxNew = maxAnswerTokens(tok, all);
        List<String> answers;
        try (InferenceModel m = InferenceModel.load(opt.model(), Precision.F32, stores)) {
            progress.accept(String.format("facts: %,d people, %,d prompts, batch %d, up to %d"
                    + " answer tokens", k, all.size(), opt.batch(), maxNew));
            answers = new GreedyCompleter(m, tok, opt.batch())
                    .complete(all.stream().map(FactPrompt::prompt).toList(), maxNew);
        }
        List<KnowledgeBits.Score> heldScores = scores(data, held, answers.subList(0, held.size()));
        List<KnowledgeBits.Score> trainScores = scores(data, train,
                answers.subList(held.size(), answers.size()));
        List<FactsReport.Sample> samples = new ArrayList<>();
        for (int i = 0; i < Math.min(6, held.size()); i++) {
            samples.add(new FactsReport.Sample(held.get(i).prompt(), held.get(i).answer(),
                    answers.get(i)));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new FactsReport(opt.model(), opt.facts(), k, data.people(), heldScores,
                trainScores, ModelCost.of(cfg), samples, all.size(), seconds);
    }

    /** The model must read the facts tokenizer's ids, and was trained on that tokenizer. */
    static void checkTokenizer(Path model, ModelConfig cfg, BpeTokenizer tok, Path tokFile)
            throws IOException {
        if (cfg.vocabSize() < tok.vocabSize()) {
            throw new IllegalArgumentException("model/tokenizer mismatch: " + model + " has"
                    + " vocab_size " + cfg.vocabSize() + " but " + tokFile + " has "
                    + tok.vocabSize() + " ids; evaluate a model trained on this facts folder");
        }
        Path own = model.resolve(Checkpoints.TOKENIZER);
        if (Files.isRegularFile(own) && !Arrays.equals(Files.readAllBytes(own),
                Files.readAllBytes(tokFile))) {
            throw new IllegalArgumentException("model/tokenizer mismatch: " + own + " differs from "
                    + tokFile + ", so the model was trained on other data; evaluate it on the facts"
                    + " folder it was trained on (its training.data_dir)");
        }
    }

    /** Tokens of the longest " answer." over the prompts, plus one to see the period. */
    private static int maxAnswerTokens(BpeTokenizer tok, List<FactPrompt> prompts) {
        int most = 1;
        for (FactPrompt p : prompts) {
            most = Math.max(most, tok.encodeOrdinary(" " + p.answer() + ".").length);
        }
        return most + 1;
    }

    private static List<KnowledgeBits.Score> scores(FactsData data, List<FactPrompt> prompts,
            List<String> answers) {
        int[] correct = new int[Attribute.values().length];
        int[] total = new int[correct.length];
        for (int i = 0; i < prompts.size(); i++) {
            FactPrompt p = prompts.get(i);
            total[p.attribute().ordinal()]++;
            correct[p.attribute().ordinal()] += p.answer().equals(answers.get(i)) ? 1 : 0;
        }
        List<KnowledgeBits.Score> out = new ArrayList<>();
        for (Attribute a : Attribute.values()) {
            out.add(new KnowledgeBits.Score(a, data.choices().get(a), correct[a.ordinal()],
                    total[a.ordinal()]));
        }
        return out;
    }
}
