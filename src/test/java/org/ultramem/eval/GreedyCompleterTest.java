package org.ultramem.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.data.facts.FactPrompt;
import org.ultramem.data.facts.FactsData;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.testing.FactsFixture;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.TokenizerJson;

@Tag("slow")
class GreedyCompleterTest {

    @TempDir
    static Path dir;
    static Path model;
    static FactsData data;
    static BpeTokenizer tok;

    @BeforeAll
    static void train() throws Exception {
        Path facts = FactsFixture.facts(dir.resolve("facts"), 12, 1, 400);
        model = FactsFixture.train(facts, dir.resolve("run"), 30);
        data = FactsData.load(facts);
        tok = TokenizerJson.load(data.tokenizer());
    }

    @Test
    void theAnswerIsTheTextUpToThePeriodOrLineBreakTrimmed() {
        assertEquals("Boston", GreedyCompleter.answer(" Boston.\nWhat"));
        assertEquals("Saint Paul", GreedyCompleter.answer(" Saint Paul\n. x"));
        assertEquals("March 5, 1962", GreedyCompleter.answer(" March 5, 1962"));
        assertEquals("", GreedyCompleter.answer("."));
    }

    @Test
    void promptsStartWithTheDocumentSeparator() throws Exception {
        try (InferenceModel m = InferenceModel.load(model, Precision.F32)) {
            int[] ids = new GreedyCompleter(m, tok, 4).encode("Who employs X? Answer:");
            assertEquals(tok.endOfTextId(), ids[0]);
            assertEquals("Who employs X? Answer:", tok.decode(java.util.Arrays.copyOfRange(ids, 1, ids.length)));
        }
    }

    @Test
    void batchingDoesNotChangeTheAnswers() throws Exception {
        List<String> prompts = data.prompts().stream().map(FactPrompt::prompt).limit(23).toList();
        try (InferenceModel m = InferenceModel.load(model, Precision.F32)) {
            List<String> one = new GreedyCompleter(m, tok, 1).complete(prompts, 12);
            List<String> many = new GreedyCompleter(m, tok, 8).complete(prompts, 12);
            assertEquals(one, many);
            assertEquals(prompts.size(), many.size());
        }
    }

    /**
     * The batched prefill changes no answer: the trained fixture and a random model, batches of
     * 1, 3 and 64 (a short last batch), prompts of every length the facts give plus short ones
     * (prefilled alone, below the 8-row GEMM switch), against the one-prompt-at-a-time reference.
     */
    @Test
    void answersAreThoseOfPrefillingOnePromptAtATime() throws Exception {
        List<String> prompts = new java.util.ArrayList<>(data.prompts().stream()
                .map(FactPrompt::prompt).limit(70).toList());
        prompts.addAll(3, List.of("Answer:", "Who?", "A B C D E F G H", "What is"));
        Transformer random = new Transformer(ModelConfig.of(tok.vocabSize(), 32, 2, 2, 48,
                FactsFixture.CONTEXT), 1, 4, 9);
        try (InferenceModel trained = InferenceModel.load(model, Precision.F32);
             InferenceModel untrained = InferenceModel.of(random, Precision.F32)) {
            for (InferenceModel m : List.of(trained, untrained)) {
                for (int batch : new int[] {1, 3, 64}) {
                    assertEquals(OnePromptAtATimeCompleter.complete(m, tok, batch, prompts, 8),
                            new GreedyCompleter(m, tok, batch).complete(prompts, 8),
                            "batch " + batch);
                }
            }
        }
    }

    @Test
    void aPromptLongerThanTheContextIsRejectedNamingTheKey() throws Exception {
        try (InferenceModel m = InferenceModel.load(model, Precision.F32)) {
            var e = assertThrows(IllegalArgumentException.class, () -> new GreedyCompleter(m, tok, 2)
                    .complete(List.of("word ".repeat(FactsFixture.CONTEXT)), 4));
            assertTrue(e.getMessage().contains("max_position_embeddings"), e.getMessage());
        }
    }
}
