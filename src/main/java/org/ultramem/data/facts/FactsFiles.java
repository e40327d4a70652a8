package org.ultramem.data.facts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.ultramem.io.AtomicFiles;

/**
 * The two JSON-lines files of a facts folder, beside the token files: {@value #PEOPLE} (one line
 * per person: id, name, gender and every attribute's value) and {@value #PROMPTS} (per person and
 * attribute, one held-out-template prompt and one training-template prompt with the expected
 * answer, person-major, so the first K people are a prefix of the file).
 */
public final class FactsFiles {

    /** Who is who: one JSON object per line. */
    public static final String PEOPLE = "facts.jsonl";
    /** The evaluation questions: one JSON object per line. */
    public static final String PROMPTS = "facts-eval.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private FactsFiles() {
    }

    /**
     * The evaluation prompts of {@code people}: for each person, each attribute, one held-out
     * and then one training-template question, each template drawn uniformly from its set.
     */
    public static List<FactPrompt> prompts(List<Person> people, SplittableRandom rng) {
        List<FactPrompt> out = new ArrayList<>();
        for (Person p : people) {
            for (Attribute a : Attribute.values()) {
                List<String> held = Templates.heldOutQuestions(a);
                int h = rng.nextInt(held.size());
                out.add(new FactPrompt(p.id(), a, FactPrompt.Kind.HELDOUT, h,
                        Templates.prompt(Templates.question(held.get(h), p.name())), p.value(a)));
                List<String> train = Templates.trainQuestions(a);
                int t = rng.nextInt(train.size());
                out.add(new FactPrompt(p.id(), a, FactPrompt.Kind.TRAIN, t,
                        Templates.prompt(Templates.question(train.get(t), p.name())), p.value(a)));
            }
        }
        return out;
    }

    /** Writes {@code dir/facts.jsonl} atomically. */
    public static void writePeople(Path dir, List<Person> people) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Person p : people) {
            ObjectNode o = JSON.createObjectNode().put("id", p.id()).put("name", p.name())
                    .put("gender", p.female() ? "female" : "male");
            for (Attribute a : Attribute.values()) {
                o.put(a.key, p.value(a));
            }
            sb.append(JSON.writeValueAsString(o)).append('\n');
        }
        AtomicFiles.write(dir.resolve(PEOPLE), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code dir/facts-eval.jsonl} atomically. */
    public static void writePrompts(Path dir, List<FactPrompt> prompts) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (FactPrompt q : prompts) {
            ObjectNode o = JSON.createObjectNode().put("person", q.person())
                    .put("attribute", q.attribute().key).put("kind", q.kind().key)
                    .put("template", q.template()).put("prompt", q.prompt())
                    .put("answer", q.answer());
            sb.append(JSON.writeValueAsString(o)).append('\n');
        }
        AtomicFiles.write(dir.resolve(PROMPTS), sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
