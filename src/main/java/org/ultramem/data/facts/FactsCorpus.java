package org.ultramem.data.facts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.ultramem.data.DataException;
import org.ultramem.data.DataMeta;
import org.ultramem.data.DataPreparer;
import org.ultramem.data.Document;
import org.ultramem.data.NpmFetcher;
import org.ultramem.data.Split;
import org.ultramem.io.AtomicFiles;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.BpeTrainer;
import org.ultramem.text.TokenizerJson;

/**
 * {@code ultramem data facts}: writes a prepared data folder of synthetic biographies.
 * <ul>
 *   <li>{@code train.bin}: per person, {@code bioCopies} biographies (each re-drawn: sentence
 *       order, templates, name or pronoun) and one document answering every training question
 *       template of every attribute; all documents shuffled together.</li>
 *   <li>{@code val.bin}: one fresh biography per person (same templates, new draws from its own
 *       stream), in person order, for a validation loss that falls as the facts are learned.</li>
 *   <li>{@code tokenizer.json}: a byte-level BPE trained on the training documents.</li>
 *   <li>{@code facts.jsonl}, {@code facts-eval.jsonl}: see {@link FactsFiles}.</li>
 *   <li>{@code meta.json}: the usual keys plus a {@code "facts"} object with the generator's
 *       parameters and each attribute's number of choices (what the bits figure uses).</li>
 * </ul>
 * Everything is a function of the options: people, biographies, document order and evaluation
 * prompts each draw from their own stream split off one {@code SplittableRandom(seed)}, so the
 * same options give byte-identical files. {@code meta.json} is written last.
 */
public final class FactsCorpus {

    /** Format tag of the {@code "facts"} object in meta.json. */
    public static final String FORMAT = "ultramem-facts-v1";
    /** Key of the generator's object in meta.json. */
    public static final String META_KEY = "facts";
    public static final int DEFAULT_VOCAB = 2048;
    public static final int DEFAULT_BIO_COPIES = 4;
    public static final int MAX_BIO_COPIES = 16;
    /** What val.bin holds, as recorded in meta.json. */
    static final String VAL_SPLIT = "one fresh biography per person (same sentence templates,"
            + " new draws of order, templates and pronouns), in person order";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What to generate.
     *
     * @param out output folder
     * @param people N, in [1, {@link People#MAX_PEOPLE}]
     * @param seed the one seed everything is drawn from
     * @param vocabSize BPE vocabulary target (≥ 257)
     * @param bioCopies biographies per person in train.bin, in [1, {@value #MAX_BIO_COPIES}]
     */
    public record Options(Path out, int people, long seed, int vocabSize, int bioCopies) {
    }

    /**
     * What was written.
     *
     * @param meta meta.json's standard part
     * @param prompts lines of facts-eval.jsonl
     * @param seconds wall time
     */
    public record Result(DataMeta meta, int prompts, double seconds) {
    }

    private FactsCorpus() {
    }

    /** Generates and writes the folder, reporting progress lines to {@code progress}. */
    public static Result write(Options opt, Consumer<String> progress) throws IOException {
        long t0 = System.nanoTime();
        check(opt);
        Path out = opt.out();
        refuseOtherCorpus(out);
        Files.createDirectories(out);

        SplittableRandom root = new SplittableRandom(opt.seed());
        SplittableRandom peopleRng = root.split();
        SplittableRandom trainRng = root.split();
        SplittableRandom orderRng = root.split();
        SplittableRandom valRng = root.split();
        SplittableRandom promptRng = root.split();

        List<Person> people = People.draw(opt.people(), peopleRng);
        List<Document> docs = new ArrayList<>();
        for (Person p : people) {
            for (int c = 0; c < opt.bioCopies(); c++) {
                docs.add(new Document("bio/" + p.id() + "/" + c, BioWriter.biography(p, trainRng),
                        Split.TRAIN));
            }
            docs.add(new Document("qa/" + p.id(), BioWriter.trainingQa(p, trainRng), Split.TRAIN));
        }
        BioWriter.shuffle(docs, orderRng);
        for (Person p : people) {
            docs.add(new Document("bio/" + p.id() + "/val", BioWriter.biography(p, valRng),
                    Split.VALIDATION));
        }
        List<FactPrompt> prompts = FactsFiles.prompts(people, promptRng);
        progress.accept(String.format("facts: %,d people, %,d training documents, %,d validation"
                + " biographies, %,d evaluation prompts", people.size(),
                docs.size() - people.size(), people.size(), prompts.size()));

        BpeTrainer trainer = new BpeTrainer();
        docs.stream().filter(d -> d.split() == Split.TRAIN).forEach(d -> trainer.addDocument(d.text()));
        BpeTokenizer tok = trainer.train(opt.vocabSize(), progress);
        Path tokFile = out.resolve("tokenizer.json");
        TokenizerJson.save(tok, tokFile);
        Map<String, DataMeta.SplitMeta> splits = new LinkedHashMap<>();
        for (Split split : Split.values()) {
            splits.put(split.key, DataPreparer.encodeSplit(tok, docs, split, out, progress));
        }
        FactsFiles.writePeople(out, people);
        FactsFiles.writePrompts(out, prompts);
        DataMeta meta = new DataMeta(DataMeta.FORMAT, DataMeta.TOKEN_DTYPE, tok.vocabSize(),
                opt.vocabSize(), tok.endOfTextId(), "tokenizer.json", NpmFetcher.sha256(tokFile),
                DataPreparer.corpusSha256(docs), List.of(source(opt)), splits);
        ObjectNode root2 = JSON.valueToTree(meta);
        root2.set(META_KEY, generatorJson(opt));
        AtomicFiles.write(out.resolve(DataMeta.FILE_NAME), JSON.writeValueAsBytes(root2));
        return new Result(meta, prompts.size(), (System.nanoTime() - t0) / 1e9);
    }

    private static void check(Options opt) {
        if (opt.vocabSize() < 257) {
            throw new IllegalArgumentException("--vocab " + opt.vocabSize() + " must be >= 257 (256"
                    + " byte tokens + <|endoftext|>); the default is " + DEFAULT_VOCAB);
        }
        if (opt.bioCopies() < 1 || opt.bioCopies() > MAX_BIO_COPIES) {
            throw new IllegalArgumentException("--bios " + opt.bioCopies() + " must be in [1, "
                    + MAX_BIO_COPIES + "]; the default is " + DEFAULT_BIO_COPIES);
        }
        if (opt.people() < 1 || opt.people() > People.MAX_PEOPLE) {
            throw new IllegalArgumentException("--people " + opt.people() + " must be in [1, "
                    + People.MAX_PEOPLE + "]");
        }
    }

    /** A folder prepared by {@code data prepare} is not overwritten by a facts corpus. */
    private static void refuseOtherCorpus(Path out) throws IOException {
        Path meta = out.resolve(DataMeta.FILE_NAME);
        if (!Files.isRegularFile(meta)) {
            return;
        }
        JsonNode old;
        try {
            old = JSON.readTree(meta.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            return; // not a data folder's meta.json in any readable sense: regenerate over it
        }
        if (old != null && old.isObject() && !old.has(META_KEY)) {
            throw new DataException("--out " + out + " holds a prepared corpus that is not a facts"
                    + " corpus (its meta.json has no \"" + META_KEY + "\" object); pass another"
                    + " --out, e.g. data-facts");
        }
    }

    private static String source(Options opt) {
        return "facts:people=" + opt.people() + ",seed=" + opt.seed() + ",bios=" + opt.bioCopies();
    }

    /** The {@code "facts"} object of meta.json. */
    static ObjectNode generatorJson(Options opt) {
        ObjectNode f = JSON.createObjectNode().put("format", FORMAT).put("people", opt.people())
                .put("seed", opt.seed()).put("bio_copies", opt.bioCopies())
                .put("vocab_requested", opt.vocabSize()).put("val_split", VAL_SPLIT)
                .put("people_file", FactsFiles.PEOPLE).put("prompts_file", FactsFiles.PROMPTS);
        ArrayNode attrs = f.putArray("attributes");
        for (Attribute a : Attribute.values()) {
            attrs.addObject().put("key", a.key).put("choices", a.choices)
                    .put("bio_templates", Templates.bio(a).size())
                    .put("train_templates", Templates.trainQuestions(a).size())
                    .put("heldout_templates", Templates.heldOutQuestions(a).size());
        }
        f.putObject("lists").put("female_first_names", FactLists.FEMALE_FIRST_NAMES)
                .put("male_first_names", FactLists.MALE_FIRST_NAMES)
                .put("last_names", FactLists.LAST_NAMES).put("cities", FactLists.CITIES)
                .put("universities", FactLists.UNIVERSITIES).put("majors", FactLists.MAJORS)
                .put("companies", FactLists.COMPANIES).put("birth_dates", FactLists.BIRTH_DATES);
        return f;
    }
}
