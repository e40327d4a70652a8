package org.ultramem.data.facts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Renders a person as text: biographies (one sentence per attribute, order shuffled, a template
 * drawn per sentence, the person named in full in the first sentence and by name or pronoun with
 * equal odds after it) and the training question-answer document. Every choice comes from the
 * caller's seeded random stream, so the text is a pure function of (person, stream state).
 */
public final class BioWriter {

    private BioWriter() {
    }

    /** One biography of {@code p}: six sentences separated by single spaces. */
    public static String biography(Person p, SplittableRandom rng) {
        List<Attribute> order = new ArrayList<>(List.of(Attribute.values()));
        shuffle(order, rng);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < order.size(); i++) {
            Attribute a = order.get(i);
            List<String> templates = Templates.bio(a);
            String template = templates.get(rng.nextInt(templates.size()));
            boolean named = i == 0 || rng.nextBoolean();
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(sentence(template, p, named, p.value(a)));
        }
        return sb.toString();
    }

    /**
     * The training question-answer document of {@code p}: every training question template of
     * every attribute answered ({@link Templates#answered}), one per line, in a random order.
     */
    public static String trainingQa(Person p, SplittableRandom rng) {
        List<String> lines = new ArrayList<>();
        for (Attribute a : Attribute.values()) {
            for (String t : Templates.trainQuestions(a)) {
                lines.add(Templates.answered(Templates.question(t, p.name()), p.value(a)));
            }
        }
        shuffle(lines, rng);
        return String.join("\n", lines);
    }

    /** Fills a biography template; {@code named} picks the full name over the pronoun. */
    static String sentence(String template, Person p, boolean named, String value) {
        return template.replace("{S}", named ? p.name() : p.pronoun())
                .replace("{P}", named ? p.name() + "'s" : p.possessive())
                .replace("{p}", p.possessive().toLowerCase(Locale.ROOT))
                .replace("{V}", value);
    }

    /** Fisher-Yates with the caller's stream. */
    static <T> void shuffle(List<T> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
