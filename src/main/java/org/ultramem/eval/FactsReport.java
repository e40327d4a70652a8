package org.ultramem.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelCost;

/**
 * The result of {@code ultramem eval --facts}. Headline: {@link #bits()}, chance-corrected bits on
 * the held-out question templates (see {@link KnowledgeBits}). JSON keys ({@link #toJson}):
 * {@code bits} (headline), {@code bits_raw} (uncorrected), {@code bits_max}, {@code accuracy}
 * (mean over attributes, held-out), {@code accuracy_train_template}, {@code bits_train_template},
 * {@code bits_train_template_raw}, {@code attributes.<key>.{choices, accuracy,
 * accuracy_train_template, bits, bits_raw}}, {@code total_params}, {@code active_params},
 * {@code flops_per_token}, {@code bits_per_param}, {@code bits_per_active_param},
 * {@code bits_per_flop_per_token}, {@code people}, {@code people_in_data}, {@code prompts},
 * {@code seconds}, {@code samples}.
 *
 * @param people people evaluated (the first K)
 * @param peopleInData people in the facts folder
 * @param heldOut per-attribute recall on held-out question templates
 * @param trainTemplate per-attribute recall on training question templates
 * @param cost the model's cost (parameters, FLOPs per token)
 * @param samples the first held-out prompts with expected and generated answers
 * @param prompts prompts asked (both kinds)
 * @param seconds wall time of the whole evaluation
 */
public record FactsReport(Path model, Path facts, int people, int peopleInData,
                          List<KnowledgeBits.Score> heldOut, List<KnowledgeBits.Score> trainTemplate,
                          ModelCost cost, List<Sample> samples, int prompts, double seconds) {

    /** One question, its expected answer and what the model answered. */
    public record Sample(String prompt, String expected, String answered) {
    }

    /** What the headline is, in words (printed and stored with the figures). */
    public static final String HEADLINE = "bits = sum over attributes of chance-corrected"
            + " accuracy x log2(choices) x people, on held-out question templates";

    /** Headline: chance-corrected bits on held-out templates. */
    public double bits() {
        return KnowledgeBits.chanceCorrected(heldOut, people);
    }

    /** Uncorrected bits on held-out templates. */
    public double bitsRaw() {
        return KnowledgeBits.raw(heldOut, people);
    }

    /** Chance-corrected bits on the training templates (memorization without template transfer). */
    public double bitsTrainTemplate() {
        return KnowledgeBits.chanceCorrected(trainTemplate, people);
    }

    /** Mean held-out accuracy over attributes. */
    public double accuracy() {
        return heldOut.stream().mapToDouble(KnowledgeBits.Score::accuracy).average().orElse(0);
    }

    /** Mean training-template accuracy over attributes. */
    public double accuracyTrainTemplate() {
        return trainTemplate.stream().mapToDouble(KnowledgeBits.Score::accuracy).average()
                .orElse(0);
    }

    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.newObject();
        o.put("model", model.toString()).put("facts", facts.toString()).put("people", people)
                .put("people_in_data", peopleInData).put("prompts", prompts)
                .put("headline", HEADLINE).put("bits", bits()).put("bits_raw", bitsRaw())
                .put("bits_max", KnowledgeBits.max(heldOut, people)).put("accuracy", accuracy())
                .put("accuracy_train_template", accuracyTrainTemplate())
                .put("bits_train_template", bitsTrainTemplate())
                .put("bits_train_template_raw", KnowledgeBits.raw(trainTemplate, people));
        ObjectNode attrs = o.putObject("attributes");
        for (int i = 0; i < heldOut.size(); i++) {
            KnowledgeBits.Score h = heldOut.get(i);
            KnowledgeBits.Score t = trainTemplate.get(i);
            attrs.putObject(h.attribute().key).put("choices", h.choices())
                    .put("accuracy", h.accuracy()).put("accuracy_train_template", t.accuracy())
                    .put("bits", h.chanceCorrected() * h.bitsPerValue() * people)
                    .put("bits_raw", h.accuracy() * h.bitsPerValue() * people);
        }
        o.put("total_params", cost.totalParams()).put("active_params", cost.activeParams())
                .put("flops_per_token", cost.flopsPerToken())
                .put("bits_per_param", bits() / cost.totalParams())
                .put("bits_per_active_param", bits() / cost.activeParams())
                .put("bits_per_flop_per_token", bits() / cost.flopsPerToken())
                .put("seconds", seconds);
        var arr = o.putArray("samples");
        for (Sample s : samples) {
            arr.addObject().put("prompt", s.prompt()).put("expected", s.expected())
                    .put("answered", s.answered());
        }
        return o;
    }

    /** The human-readable summary. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(fmt("facts %s, model %s: %,d of %,d people, %,d prompts in %.1f s (%,.0f"
                + " prompts/s)%n", facts, model, people, peopleInData, prompts, seconds,
                prompts / Math.max(1e-9, seconds)));
        sb.append(fmt("%-14s %8s %13s %19s %12s%n", "attribute", "choices", "held-out acc",
                "train-template acc", "bits"));
        for (int i = 0; i < heldOut.size(); i++) {
            KnowledgeBits.Score h = heldOut.get(i);
            sb.append(fmt("%-14s %,8d %13.4f %19.4f %12.1f%n", h.attribute().key, h.choices(),
                    h.accuracy(), trainTemplate.get(i).accuracy(),
                    h.chanceCorrected() * h.bitsPerValue() * people));
        }
        sb.append(fmt("bits stored: %.1f of %.1f (headline: %s); uncorrected %.1f%n", bits(),
                KnowledgeBits.max(heldOut, people), HEADLINE, bitsRaw()));
        sb.append(fmt("training-template questions: %.1f bits (chance-corrected), mean accuracy"
                + " %.4f (held-out %.4f)%n", bitsTrainTemplate(), accuracyTrainTemplate(),
                accuracy()));
        sb.append(fmt("per parameter: %.3e bits (%,d total), %.3e bits (%,d active); per"
                + " FLOP/token: %.3e bits (%,.0f FLOPs/token)%n", bits() / cost.totalParams(),
                cost.totalParams(), bits() / cost.activeParams(), cost.activeParams(),
                bits() / cost.flopsPerToken(), cost.flopsPerToken()));
        for (Sample s : samples) {
            sb.append(fmt("  %s %s  [expected: %s]%n", s.prompt(), s.answered(), s.expected()));
        }
        return sb.toString();
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
