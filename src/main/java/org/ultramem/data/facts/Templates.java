package org.ultramem.data.facts;

import java.util.List;

/**
 * The sentence and question templates of the facts corpus. Placeholders: {@code {S}} the subject
 * at the start of a sentence (the full name, or He/She after a biography's first sentence),
 * {@code {P}} a possessive at the start ("Anna Rose Smith's" or His/Her), {@code {p}} a possessive
 * inside a sentence whose subject is already named (his/her), {@code {V}} the value, {@code {N}}
 * the full name in a question.
 *
 * <p>Questions come in two disjoint sets per attribute: <em>training</em> templates, whose
 * question-answer lines are in train.bin, and <em>held-out</em> templates, which appear in no
 * training text and are only used by {@code ultramem eval --facts} (so a correct answer needs the
 * fact and a transfer of the question format, not a memorized string). No held-out template
 * shares its wording around {@code {N}} with any training text ({@code FactsCorpusTest} checks).
 */
public final class Templates {

    private Templates() {
    }

    /** Biography sentences for {@code a} (six per attribute). */
    public static List<String> bio(Attribute a) {
        return switch (a) {
            case BIRTH_DATE -> List.of("{S} was born on {V}.", "{S} came into the world on {V}.",
                    "{P} date of birth is {V}.", "{S} celebrates {p} birthday on {V}.",
                    "{P} life began on {V}.", "{S} first saw the light of day on {V}.");
            case BIRTH_CITY -> List.of("{S} was born in {V}.", "{S} spent {p} early years in {V}.",
                    "{P} birthplace is {V}.", "{S} hails from {V}.",
                    "{P} life journey started in {V}.", "{S} grew up in {V}, the city of {p} birth.");
            case UNIVERSITY -> List.of("{S} studied at {V}.", "{S} graduated from {V}.",
                    "{S} received mentorship and guidance from faculty members at {V}.",
                    "{S} completed {p} education at {V}.", "{P} alma mater is {V}.",
                    "{S} earned a degree from {V}.");
            case MAJOR -> List.of("{S} majored in {V}.", "{S} focused {p} studies on {V}.",
                    "{S} specialized in {V}.", "{P} field of study was {V}.",
                    "{S} completed a degree in {V}.", "{S} developed a deep knowledge of {V}.");
            case EMPLOYER -> List.of("{S} works for {V}.", "{S} is employed by {V}.",
                    "{P} employer is {V}.", "{S} has a job at {V}.", "{S} earns a living at {V}.",
                    "{S} is on the staff of {V}.");
            case EMPLOYER_CITY -> List.of("{S} works in {V}.", "{P} office is located in {V}.",
                    "{S} commutes to work in {V}.", "{P} workplace is in {V}.",
                    "{S} is based in {V} for work.", "{S} pursues {p} career in {V}.");
        };
    }

    /** Questions whose answered form is in the training data (three per attribute). */
    public static List<String> trainQuestions(Attribute a) {
        return switch (a) {
            case BIRTH_DATE -> List.of("What is the birth date of {N}?", "When was {N} born?",
                    "On what date was {N} born?");
            case BIRTH_CITY -> List.of("What is the birth city of {N}?",
                    "In which city was {N} born?", "What city is {N} from?");
            case UNIVERSITY -> List.of("Which university did {N} attend?",
                    "Where did {N} study?", "What is the alma mater of {N}?");
            case MAJOR -> List.of("What did {N} major in?", "What was the major of {N}?",
                    "What field did {N} study?");
            case EMPLOYER -> List.of("Which company does {N} work for?", "Who employs {N}?",
                    "What is the employer of {N}?");
            case EMPLOYER_CITY -> List.of("In which city does {N} work?",
                    "What city does {N} work in?", "Where is the office of {N} located?");
        };
    }

    /** Questions that never appear in training data, for evaluation only (two per attribute). */
    public static List<String> heldOutQuestions(Attribute a) {
        return switch (a) {
            case BIRTH_DATE -> List.of("What day was {N} born on?",
                    "Which date is the birthday of {N}?");
            case BIRTH_CITY -> List.of("Where was {N} born?",
                    "Which city is the birthplace of {N}?");
            case UNIVERSITY -> List.of("Which school did {N} graduate from?",
                    "At which university was {N} educated?");
            case MAJOR -> List.of("Which subject did {N} specialize in?",
                    "What was the area of study of {N}?");
            case EMPLOYER -> List.of("For which company does {N} work?",
                    "What firm is {N} employed by?");
            case EMPLOYER_CITY -> List.of("Which city is the workplace of {N} in?",
                    "Which city does {N} commute to for work?");
        };
    }

    /** The question template with the name filled in. */
    public static String question(String template, String name) {
        return template.replace("{N}", name);
    }

    /** What the model is given at evaluation: the question and the answer cue, no trailing space. */
    public static String prompt(String question) {
        return question + " Answer:";
    }

    /** A training line: the prompt, a space, the answer and a period. */
    public static String answered(String question, String answer) {
        return prompt(question) + " " + answer + ".";
    }
}
