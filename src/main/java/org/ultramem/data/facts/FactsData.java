package org.ultramem.data.facts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.ultramem.data.DataException;
import org.ultramem.data.DataMeta;

/**
 * A facts folder as the evaluation reads it: the attributes' numbers of choices (from the
 * {@code "facts"} object of meta.json: the data's own record, not this build's lists), the people
 * (facts.jsonl) and the evaluation prompts (facts-eval.jsonl), cross-checked so a prompt's answer
 * is its person's value. Every problem is a {@link DataException} naming the file and the fix.
 *
 * @param dir the folder
 * @param names full name per person id
 * @param choices number of choices per attribute
 * @param prompts every line of facts-eval.jsonl, in file order (person-major)
 * @param tokenizer the folder's tokenizer.json
 */
public record FactsData(Path dir, List<String> names, Map<Attribute, Integer> choices,
                        List<FactPrompt> prompts, Path tokenizer) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Number of people. */
    public int people() {
        return names.size();
    }

    /** The prompts of the first {@code k} people of {@code kind}, in file order. */
    public List<FactPrompt> prompts(int k, FactPrompt.Kind kind) {
        return prompts.stream().filter(p -> p.person() < k && p.kind() == kind).toList();
    }

    /** Reads and checks {@code dir}. */
    public static FactsData load(Path dir) throws IOException {
        String fix = "; regenerate it with `ultramem data facts --out " + dir + "`";
        DataMeta meta = DataMeta.read(dir);
        JsonNode facts = JSON.readTree(dir.resolve(DataMeta.FILE_NAME).toFile())
                .path(FactsCorpus.META_KEY);
        if (!facts.isObject() || !FactsCorpus.FORMAT.equals(facts.path("format").asText())) {
            throw new DataException(dir + " is not a facts corpus (its meta.json has no \""
                    + FactsCorpus.META_KEY + "\" object of format " + FactsCorpus.FORMAT + ")"
                    + "; pass the --out of `ultramem data facts`");
        }
        Map<Attribute, Integer> choices = new EnumMap<>(Attribute.class);
        for (JsonNode a : facts.path("attributes")) {
            choices.put(Attribute.ofKey(a.path("key").asText()), a.path("choices").asInt());
        }
        if (choices.size() != Attribute.values().length || choices.containsValue(0)) {
            throw new DataException(dir.resolve(DataMeta.FILE_NAME) + ": \"facts\".\"attributes\""
                    + " must give choices > 0 for " + Attribute.values().length + " attributes"
                    + fix);
        }
        Path peopleFile = dir.resolve(FactsFiles.PEOPLE);
        Path promptFile = dir.resolve(FactsFiles.PROMPTS);
        List<JsonNode> people = readLines(peopleFile, fix);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < people.size(); i++) {
            if (people.get(i).path("id").asInt(-1) != i || !people.get(i).path("name").isTextual()) {
                throw new DataException(peopleFile + " line " + (i + 1) + " must hold \"id\": " + i
                        + " and a \"name\"" + fix);
            }
            names.add(people.get(i).path("name").asText());
        }
        if (names.size() != facts.path("people").asInt()) {
            throw new DataException(peopleFile + " holds " + names.size() + " people but meta.json"
                    + " says " + facts.path("people").asInt() + fix);
        }
        List<FactPrompt> prompts = new ArrayList<>();
        int line = 0;
        for (JsonNode o : readLines(promptFile, fix)) {
            line++;
            FactPrompt p;
            try {
                p = new FactPrompt(o.path("person").asInt(-1), Attribute.ofKey(o.path("attribute")
                        .asText()), FactPrompt.Kind.ofKey(o.path("kind").asText()),
                        o.path("template").asInt(), o.path("prompt").asText(""),
                        o.path("answer").asText(""));
            } catch (IllegalArgumentException e) {
                throw new DataException(promptFile + " line " + line + ": " + e.getMessage() + fix);
            }
            if (p.person() < 0 || p.person() >= names.size() || p.prompt().isEmpty()
                    || !people.get(p.person()).path(p.attribute().key).asText().equals(p.answer())) {
                throw new DataException(promptFile + " line " + line + " does not match "
                        + peopleFile + " (person " + p.person() + ", " + p.attribute().key + ")"
                        + fix);
            }
            prompts.add(p);
        }
        return new FactsData(dir, List.copyOf(names), choices, List.copyOf(prompts),
                dir.resolve(meta.tokenizer()));
    }

    private static List<JsonNode> readLines(Path file, String fix) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DataException("no " + file + fix);
        }
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int n = 0;
            for (String s = r.readLine(); s != null; s = r.readLine()) {
                n++;
                try {
                    out.add(JSON.readTree(s));
                } catch (com.fasterxml.jackson.core.JacksonException e) {
                    throw new DataException(file + " line " + n + " is not JSON ("
                            + e.getOriginalMessage() + ")" + fix);
                }
            }
        }
        return out;
    }
}
